"""Wikidata: the Q-id, management, official website, record labels and profile links of artists.

Artists are matched by an id they already have, never by name: the Spotify id (P1902) when
there is one, else the MusicBrainz (P434) or Discogs (P1953) id. One SPARQL query asks about
up to 50 artists; the client layer sends one query at a time, as Wikidata asks. The record
labels are a fact only: the label resolver turns the names into Label rows later.
"""

from __future__ import annotations

import re
from collections import defaultdict

from catalog.models import Artist
from core.clients.wikidata import wikidata_artists
from core.resilience import ServiceError
from enrichment.providers import provider_register
from enrichment.providers.base import ARTIST, FactDraft, Provider, ProviderResult

ENTITY = re.compile(r"^https?://www\.wikidata\.org/entity/(Q\d+)$")
LINK_URLS = {  # variable of core.clients.wikidata.ARTIST_LINK_PROPERTIES → profile URL
    "soundcloud": "https://soundcloud.com/{}",
    "bandcamp": "https://{}.bandcamp.com/",
    "facebook": "https://www.facebook.com/{}",
    "instagram": "https://www.instagram.com/{}/",
    "twitter": "https://x.com/{}",
    "youtube": "https://www.youtube.com/channel/{}",
}
URL_MAX = 200  # Artist.official_website is a URLField of this length: a longer URL would be cut, so broken


class WikidataProvider(Provider):
    id = "wikidata"
    service = "wikidata"
    matches_by_ids = True  # by Spotify, MusicBrainz or Discogs ids, found by the providers that answer first

    def artists(self, artists: list[Artist], *, force: bool = False) -> ProviderResult:
        result = ProviderResult(self.id)
        known = [a for a in artists if a.spotify_id or a.mbid or a.discogs_id]
        if len(known) < len(artists):
            result.notes.append(f"Wikidata: {len(artists) - len(known)} artist(s) without a Spotify, MusicBrainz "
                                "or Discogs id skipped")
        for start in range(0, len(known), self.batch_size):
            self._batch(known[start:start + self.batch_size], result, force=force)
        return result

    def _batch(self, artists: list[Artist], result: ProviderResult, *, force: bool) -> None:
        by_spotify = [a for a in artists if a.spotify_id]
        others = [a for a in artists if not a.spotify_id]
        try:
            result.calls += 1
            rows = wikidata_artists(spotify_ids=[a.spotify_id for a in by_spotify],
                                    mbids=[str(a.mbid) for a in others if a.mbid],
                                    discogs_ids=[str(a.discogs_id) for a in others if a.discogs_id],
                                    force_refresh=force)
        except ServiceError as error:
            result.warnings.append(f"Wikidata: {len(artists)} artist(s) not looked up: {error}")
            return
        not_found = []
        for artist in artists:
            items = _items_of(artist, rows)
            if not items:
                not_found.append(artist.name)
            elif len(items) > 1:
                result.notes.append(f"Wikidata: {artist.name} matches {len(items)} items "
                                    f"({', '.join(sorted(items))}); skipped")
            else:
                [(qid, item_rows)] = items.items()
                result.facts += _artist_facts(artist, qid, item_rows)
        if not_found:
            result.notes.append(f"Wikidata: not found: {', '.join(not_found)}")


def _items_of(artist: Artist, rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    """The rows of each Wikidata item matching `artist`, by Q-id."""
    items = defaultdict(list)
    for row in rows:
        found = ENTITY.match(row.get("item", ""))
        if found and _matches(artist, row):
            items[found[1]].append(row)
    return items


def _matches(artist: Artist, row: dict[str, str]) -> bool:
    """Whether `row` is about `artist`, by the id it was looked up with."""
    if artist.spotify_id:
        return row.get("spotifyId") == artist.spotify_id
    if artist.mbid and row.get("mbid", "").lower() == str(artist.mbid):
        return True
    return bool(artist.discogs_id) and row.get("discogsId") == str(artist.discogs_id)


def _artist_facts(artist: Artist, qid: str, rows: list[dict[str, str]]) -> list[FactDraft]:
    evidence = (f"https://www.wikidata.org/wiki/{qid}",)

    def fact(field: str, value, kind: str = "management") -> FactDraft:
        return FactDraft(ARTIST, artist.pk, field, value, confidence=1.0, evidence=evidence, kind=kind)

    facts = [fact("wikidata_id", qid)]
    managers = _labels(rows, "manager")
    if managers:
        facts.append(fact("management", ", ".join(managers)))
    websites = _distinct(row.get("officialWebsite", "") for row in rows)
    websites = [url for url in websites if url.startswith(("https://", "http://")) and len(url) <= URL_MAX]
    if websites:
        facts.append(fact("official_website", websites[0]))
    labels = _labels(rows, "recordLabel")
    if labels:
        facts.append(fact("record_labels", labels, kind="labels"))
    links = {}
    for name, template in LINK_URLS.items():
        values = _distinct(row.get(name, "") for row in rows)
        if values:
            links[name] = template.format(values[0])
    if links:
        facts.append(fact("links", links))
    return facts


def _labels(rows: list[dict[str, str]], variable: str) -> list[str]:
    """The English labels of an item-valued variable, in order, without the bare Q-ids the label
    service gives for items that have no English label."""
    labels = _distinct(row.get(f"{variable}Label", "") for row in rows if row.get(variable))
    return [label for label in labels if not re.fullmatch(r"Q\d+", label)]


def _distinct(values) -> list[str]:
    return list(dict.fromkeys(value.strip() for value in values if value and value.strip()))


provider_register(WikidataProvider())
