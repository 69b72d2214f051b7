"""`generate_playlist ALGORITHM [--param k=v ...]`: the create form and `POST /api/v1/playlists/generate`
on the command line, through the same service; `--list` shows what each algorithm takes."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Sum

from playlists.generators import REGISTRY
from playlists.generators.base import GeneratorError, generator_parameters
from playlists.services.playlists import playlist_generate


class Command(BaseCommand):
    help = ("Draw a new playlist from the listening history and the shelf with ALGORITHM, and print its id "
            "and length. Parameters as --param key=value (see --list).")

    def add_arguments(self, parser):
        parser.add_argument("algorithm", nargs="?", help="The algorithm's name, as --list shows it.")
        parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                            help="One of the algorithm's parameters; repeat for more.")
        parser.add_argument("--name", default="", help="The playlist's name (default: the algorithm names it).")
        parser.add_argument("--seed", type=int, help="Same seed and same library, same playlist.")
        parser.add_argument("--weekly", action="store_true", help="Draw it again every week, keeping its id.")
        parser.add_argument("--list", action="store_true", dest="list_algorithms",
                            help="List the algorithms and their parameters.")

    def handle(self, *args, algorithm, param, name, seed, weekly, list_algorithms, **options):
        if list_algorithms:
            self._list()
            return
        if not algorithm:
            raise CommandError(f"Name an algorithm: one of {', '.join(REGISTRY)} (--list describes them).")
        try:
            params = _params(param)
            playlist = playlist_generate(algorithm=algorithm, params=params, name=name.strip(), seed=seed,
                                         refresh_weekly=weekly)
        except GeneratorError as error:
            raise CommandError(str(error)) from None
        totals = playlist.entries.aggregate(duration_ms=Sum("track__duration_ms"))
        count = playlist.entries.count()
        self.stdout.write(self.style.SUCCESS(
            f'Playlist {playlist.pk} "{playlist.name}": {count} track{"s" if count != 1 else ""}, '
            f"{_length_text(totals['duration_ms'] or 0)}"
            + (", refreshed weekly" if playlist.refresh_weekly else "")
        ))

    def _list(self) -> None:
        for generator in REGISTRY.values():
            self.stdout.write(f"{generator.name}  {generator.label}: {generator.description}")
            for parameter in generator_parameters(generator):
                default = "" if parameter["default"] in (None, "") else f" (default {parameter['default']})"
                choices = f" [{', '.join(parameter['choices'])}]" if parameter["choices"] else ""
                self.stdout.write(f"    --param {parameter['name']}=…  {parameter['help']}{choices}{default}")


def _params(pairs: list[str]) -> dict[str, str]:
    """{"period": "2024"} from ["period=2024"]; the algorithm's form checks names and values."""
    params = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        key = key.strip()
        if not equals or not key:
            raise CommandError(f"--param takes KEY=VALUE, not {pair!r}")
        params[key] = value
    return params


def _length_text(milliseconds: int) -> str:
    """'1 h 52 min' or '45 min'."""
    hours, minutes = divmod(milliseconds // 60_000, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
