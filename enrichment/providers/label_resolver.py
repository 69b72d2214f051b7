"""The label resolver: an artist's principal record label, from the labels of their own releases.

The release list comes from the first source that gives labels: Spotify (the artist's albums and
singles, minus those they only appear on, with each album's `label`; a Development-Mode app gets
none), then Discogs (the owned copies in the catalog, and the artist's Main releases on Discogs),
then the `record_labels` fact the Wikidata provider stored (names only, no dates). Editions of one
record (deluxe, remastered, anniversary…) count once, as the earliest. Two facts come out:
`label_latest_release` (the label of the newest release) and `label_most_frequent` (the label most
often found over the latest 20, ties to the more recent one); `principal_label` is the one that
`ENRICHMENT_LABEL_METHOD` names, and the facts store links it to a `catalog.Label`. Label names are
counted by `name_key` only, so "XL" and "XL Recordings" stay two labels.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, replace

from django.conf import settings

from catalog.models import Album, Artist
from core.clients.discogs import discogs_artist_releases
from core.clients.spotify import spotify_albums, spotify_artist_albums
from core.normalize import clean_text, edition_free_title_key, name_key
from core.resilience import Forbidden, ServiceError
from core.resilience.services import service_not_configured
from enrichment.models import Fact
from enrichment.providers import provider_register
from enrichment.providers.base import ARTIST, FactDraft, Provider, ProviderResult

WINDOW = 20  # the latest releases the most frequent label is counted over (one Spotify albums batch)
SPOTIFY_PAGE = 50  # spotify_artist_albums' page size, to count its calls
METHODS = ("most_frequent", "latest_release")
LABEL_MAX = 255  # catalog.Label.name
_BRACKETED_YEAR = re.compile(r"\s*[\(\[]\d{4}[\)\]]")  # "Dummy (1994)": edition_free_title_key keeps it
_NOT_A_LABEL = "not on label"  # Discogs' name for self-released records: "Not On Label (X Self-released)"


@dataclass(frozen=True)
class Release:
    title: str
    date: str  # "YYYY-MM-DD", "YYYY" or "" when unknown
    label: str = ""
    evidence: str = ""
    ref: str = ""  # the source's id (a Spotify album id)


def release_key(title: str) -> str:
    """Editions of one record share this key: `In Rainbows (Deluxe Edition)`, `Dummy (1994)`."""
    return edition_free_title_key(_BRACKETED_YEAR.sub("", title or ""))


def releases_deduplicated(releases: list[Release]) -> list[Release]:
    """One release per record (its earliest edition; dated before undated), newest first, undated last."""
    earliest: dict[str, Release] = {}
    for release in releases:
        key = release_key(release.title)
        kept = earliest.get(key)
        if kept is None or (release.date and (not kept.date or release.date < kept.date)):
            earliest[key] = release
    dated = sorted((r for r in earliest.values() if r.date), key=lambda r: r.date, reverse=True)
    return dated + [r for r in earliest.values() if not r.date]


class LabelResolverProvider(Provider):
    id = "label_resolver"
    service = "spotify"
    matches_by_ids = True  # by Spotify and Discogs ids, found by the providers that answer first

    def is_available(self) -> tuple[bool, str]:
        """Always: the owned copies and Wikidata's facts need no service; each source missing is a note."""
        return True, ""

    def artists(self, artists: list[Artist], *, force: bool = False) -> ProviderResult:
        result = ProviderResult(self.id)
        for artist in artists:
            result.facts += self._artist(artist, result, force=force)
        return result

    def _artist(self, artist: Artist, result: ProviderResult, *, force: bool) -> list[FactDraft]:
        for source in (self._spotify_releases, self._discogs_releases):
            releases = releases_deduplicated(source(artist, result, force=force))
            releases = [r for r in releases if r.label][:WINDOW]
            if releases:
                return _release_facts(artist, releases)
        facts = _wikidata_facts(artist)
        if not facts:
            result.notes.append(f"Label resolver: no label found for {artist.name}")
        return facts

    # --- sources ----------------------------------------------------------------------------
    def _spotify_releases(self, artist: Artist, result: ProviderResult, *, force: bool) -> list[Release]:
        """The artist's own albums and singles on Spotify, the latest 20 records with their labels."""
        if not artist.spotify_id:
            return []
        error = service_not_configured(service="spotify")
        if error:
            result.notes.append(f"{error}; Spotify releases of {artist.name} skipped")
            return []
        try:
            items = spotify_artist_albums(artist_id=artist.spotify_id, include_groups="album,single",
                                          force_refresh=force)
        except ServiceError as error:
            result.calls += 1
            result.warnings.append(f"Label resolver: Spotify releases of {artist.name}: {error}")
            return []
        result.calls += max(1, math.ceil(len(items) / SPOTIFY_PAGE))
        own = [Release(item.get("name") or "", item.get("release_date") or "", ref=item["id"])
               for item in items if item.get("id")
               and any((a or {}).get("id") == artist.spotify_id for a in item.get("artists") or [])]
        releases = releases_deduplicated(own)[:WINDOW]
        if not releases:
            return []
        try:
            result.calls += 1
            albums = spotify_albums(ids=[r.ref for r in releases], force_refresh=force)
        except Forbidden:
            result.notes.append(f"Spotify refused the albums batch endpoint (Development Mode?): no labels for "
                                f"{artist.name} from Spotify")
            return []
        except ServiceError as error:
            result.warnings.append(f"Label resolver: Spotify albums of {artist.name}: {error}")
            return []
        labels = {album["id"]: (album.get("label") or "").strip() for album in albums if album and album.get("id")}
        labelled = [replace(r, label=labels[r.ref], evidence=f"spotify:GET /v1/albums?ids={r.ref} "
                                                             f"(label of '{r.title}', {r.date[:4]})")
                    for r in releases if labels.get(r.ref)]
        if not labelled:
            result.notes.append(f"Spotify gives no labels for {artist.name}'s albums (Development Mode?)")
        return labelled

    def _discogs_releases(self, artist: Artist, result: ProviderResult, *, force: bool) -> list[Release]:
        """The owned copies of the artist's records (local), and their Main releases on Discogs."""
        releases = [Release(album.title, str(album.year or ""), album.label.name,
                            f"discogs: owned copy '{album.title}' ({album.label.name})")
                    for album in Album.objects.filter(artist=artist, label__isnull=False).select_related("label")
                    .order_by("pk")]
        if artist.discogs_id:
            releases += self._discogs_artist_releases(artist, result, force=force)
        return [r for r in releases if not name_key(r.label).startswith(_NOT_A_LABEL)]

    def _discogs_artist_releases(self, artist: Artist, result: ProviderResult, *, force: bool) -> list[Release]:
        if not getattr(settings, "DISCOGS_TOKEN", ""):
            result.notes.append(f"{service_not_configured(service='discogs')}; Discogs releases of {artist.name} "
                                "skipped")
            return []
        try:
            result.calls += 1
            items = discogs_artist_releases(artist_id=artist.discogs_id, force_refresh=force)
        except ServiceError as error:
            result.warnings.append(f"Label resolver: Discogs releases of {artist.name}: {error}")
            return []
        return [Release(item["title"] or "", str(item["year"] or ""), str(item["label"]).strip(),
                        f"discogs:GET /artists/{artist.discogs_id}/releases "
                        f"(label of '{item['title']}', {item['year'] or 'undated'})")
                for item in items if item["role"] == "Main" and str(item["label"] or "").strip()]


# --- facts ----------------------------------------------------------------------------------
def _method() -> str:
    method = getattr(settings, "ENRICHMENT_LABEL_METHOD", "most_frequent")
    return method if method in METHODS else "most_frequent"


def _facts(artist: Artist, found: dict[str, tuple[str, float, tuple[str, ...]]]) -> list[FactDraft]:
    """`label_<method>` facts from {method: (label, confidence, evidence)}, and `principal_label` for the chosen one."""
    def fact(field: str, label: str, confidence: float, evidence: tuple[str, ...]) -> FactDraft:
        return FactDraft(ARTIST, artist.pk, field, clean_text(label, LABEL_MAX), confidence=round(confidence, 2),
                         evidence=evidence, kind="labels")

    facts = [fact(f"label_{method}", *found[method]) for method in ("latest_release", "most_frequent")]
    label, confidence, evidence = found[_method()]
    return facts + [fact("principal_label", label, confidence, (*evidence, f"ENRICHMENT_LABEL_METHOD={_method()}"))]


def _release_facts(artist: Artist, releases: list[Release]) -> list[FactDraft]:
    """From the latest releases (newest first, each with a label)."""
    latest = releases[0]
    counts = Counter(name_key(r.label) for r in releases)
    top = next(r for r in releases if counts[name_key(r.label)] == max(counts.values()))  # ties: the more recent
    carrying = [r for r in releases if name_key(r.label) == name_key(top.label)]
    return _facts(artist, {
        "latest_release": (latest.label, 0.8 if latest.date else 0.5, (latest.evidence,)),
        "most_frequent": (top.label, len(carrying) / len(releases), tuple(r.evidence for r in carrying)),
    })


def _wikidata_facts(artist: Artist) -> list[FactDraft]:
    """Wikidata's record labels have no dates: its first one stands for both, at 0.5."""
    stored = Fact.objects.filter(entity_type=ARTIST, entity_id=artist.pk, field="record_labels",
                                 provider="wikidata").first()
    names = [n.strip() for n in (stored.value if stored and isinstance(stored.value, list) else [])
             if isinstance(n, str) and n.strip()]
    if not names:
        return []
    found = (names[0], 0.5, ("wikidata:record_labels", *stored.evidence))
    return _facts(artist, {"latest_release": found, "most_frequent": found})


provider_register(LabelResolverProvider())
