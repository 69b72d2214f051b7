"""The providers, one module each, in one registry (`PROVIDERS`, in the order they run and rank)."""

from enrichment.providers.base import Provider

PROVIDERS: dict[str, Provider] = {}


def provider_register(provider: Provider) -> Provider:
    PROVIDERS[provider.id] = provider
    return provider


def providers_get(names: list[str] | None = None) -> list[Provider]:
    """The providers named (all when None); an unknown name is a ValueError naming the known ones."""
    if not names:
        return list(PROVIDERS.values())
    unknown = [name for name in names if name not in PROVIDERS]
    if unknown:
        raise ValueError(f"unknown provider {', '.join(unknown)}; known: {', '.join(PROVIDERS)}")
    return [PROVIDERS[name] for name in names]
