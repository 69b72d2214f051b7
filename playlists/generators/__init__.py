"""Every playlist algorithm, one module each, in one registry keyed by name."""

from playlists.generators import (
    ai,
    decade,
    label,
    on_this_day,
    rediscover,
    rules,
    shelf,
    similar,
    tag,
    time_of_day,
    top,
)
from playlists.generators.base import Generator, GeneratorError

# One line per module; the order is the order of the create form's choices.
_MODULES = (
    top,
    rediscover,
    shelf,
    tag,
    decade,
    label,
    time_of_day,
    similar,
    on_this_day,
    rules,
    ai,
)

REGISTRY: dict[str, Generator] = {module.GENERATOR.name: module.GENERATOR for module in _MODULES}


def generator_get(name: str) -> Generator:
    try:
        return REGISTRY[name]
    except KeyError:
        raise GeneratorError(f"No algorithm {name!r}; choose one of: {', '.join(REGISTRY)}") from None
