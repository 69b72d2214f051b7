"""Search over artists, albums, tracks and labels: case- and accent-insensitive, ranked by
exactness (exact name, prefix, word, substring) and then by plays.

The query is folded like the stored keys (core.normalize), so `bjork` meets `björk` and
`sigur ros` meets `Sigur Rós`. Each kind finds its candidates through an index (migration
tracker 0011: FTS5 on SQLite, pg_trgm and text search on PostgreSQL; artists and labels are
scanned), at most CANDIDATES of them:

- fewer: every match is ranked exactly, in Python;
- more (a short, common query): the matches are dense, so walking the kind's plays from the most
  played finds the WALKED most played matches in a few thousand rows; they are ranked with the
  exact matches (looked up by key). A prefix match played less than all of those is left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Sum

from catalog.models import Album, Artist, Label, Track
from core.normalize import clean_text, fold
from tracker.models import ArtistTotal, TrackTotal

KINDS = ("artist", "album", "track", "label")
MAX_QUERY_LENGTH = 200
CANDIDATES = 2000  # fewer matches are all ranked exactly
WALKED = 50  # more: the exact ones and this many of the most played
EXACT, PREFIX, WORD, SUBSTRING = range(4)
_LIKE_SPECIAL = re.compile(r"([\\%_])")
_WORD = re.compile(r"[^\W_]+")


@dataclass
class SearchHit:
    kind: str
    id: int
    name: str
    key: str
    rank: int
    plays: int
    subtitle: str = ""
    url: str = ""  # filled in by playlists.selectors.search, which may name every page
    obj: object = None  # the Artist, Album, Track or Label (a page may want its cover)


def search_key(q: str) -> str:
    """The query as a matching key: cleaned, cut, folded (`!!!` stays `!!!`)."""
    q = clean_text(q or "", MAX_QUERY_LENGTH)
    return fold(q) or q.casefold()


def match_rank(key: str, q: str) -> int | None:
    """EXACT, PREFIX, WORD (a later word starts with it) or SUBSTRING; None when `q` is not in `key`."""
    if key == q:
        return EXACT
    if key.startswith(q):
        return PREFIX
    if f" {q}" in key:
        return WORD
    return SUBSTRING if q in key else None


def _like_contains(q: str) -> str:
    return "%" + _LIKE_SPECIAL.sub(r"\\\1", q) + "%"


def _word_query(q: str) -> str:
    """A prefix query on the beginnings of words, every word quoted (no FTS syntax gets through)."""
    words = _WORD.findall(q)  # a folded key holds only words and spaces, but `!!!` keeps its own
    if connection.vendor == "postgresql":
        return " & ".join(f"'{w}':*" for w in words)
    return " ".join('"' + w.replace('"', '""') + '"' + ("*" if i == len(words) - 1 else "")
                    for i, w in enumerate(words))


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _indexed_candidates(table: str, index: str, q: str, limit: int) -> list[tuple[int, str]]:
    """(id, key) of up to `limit` rows whose title key holds `q` (words beginning with it when it is short)."""
    short = len(q) < 3
    if short and not _word_query(q):  # punctuation only (`!!`): no word to look up, a scan finds it
        return _scanned_candidates(table, "title_key", q, limit)
    if connection.vendor == "postgresql":
        where = ("to_tsvector('simple', title_key) @@ to_tsquery('simple', %s)" if short
                 else "title_key LIKE %s")
        return _fetch(f"SELECT id, title_key FROM {table} WHERE {where} LIMIT %s",
                      [_word_query(q) if short else _like_contains(q), limit])
    if short:
        ids = f"SELECT rowid FROM {index}_word WHERE {index}_word MATCH %s LIMIT %s"
        params = [_word_query(q), limit]
    else:
        # No ESCAPE: with one, SQLite keeps the LIKE from FTS5 and scans. An unescaped `_` only
        # widens the candidates, which match_rank checks exactly.
        ids = f"SELECT rowid FROM {index}_trigram WHERE title_key LIKE %s LIMIT %s"
        params = [f"%{q}%", limit]
    return _fetch(f"SELECT id, title_key FROM {table} WHERE id IN ({ids})", params)


def _scanned_candidates(table: str, key: str, q: str, limit: int) -> list[tuple[int, str]]:
    position = "strpos" if connection.vendor == "postgresql" else "instr"
    return _fetch(f"SELECT id, {key} FROM {table} WHERE {position}({key}, %s) > 0 LIMIT %s", [q, limit])


def _most_played(rollup: str, id_column: str, plays: str, table: str, key: str, q: str,
                 limit: int) -> list[tuple[int, str]]:
    """The `limit` most played rows whose key holds `q`, walking `rollup` by its plays index.
    The key is read by a subquery per row: a join lets SQLite build a filter over the whole table first."""
    position = "strpos" if connection.vendor == "postgresql" else "instr"
    found = f"(SELECT {key} FROM {table} WHERE id = r.{id_column})"
    return _fetch(f"SELECT r.{id_column}, {found} FROM {rollup} r WHERE {position}({found}, %s) > 0 "
                  f"ORDER BY r.{plays} DESC LIMIT %s", [q, limit])


def _exact(table: str, key: str, q: str) -> list[tuple[int, str]]:
    return _fetch(f"SELECT id, {key} FROM {table} WHERE {key} = %s LIMIT %s", [q, CANDIDATES])


def _candidates(kind: str, q: str) -> list[tuple[int, str]]:
    """(id, key) of the rows to rank: every match, or the exact ones and the most played."""
    table, key = {"artist": ("catalog_artist", "name_key"), "album": ("catalog_album", "title_key"),
                  "track": ("catalog_track", "title_key"), "label": ("catalog_label", "name_key")}[kind]
    if kind in ("album", "track"):
        rows = _indexed_candidates(table, f"search_{kind}", q, CANDIDATES + 1)
    else:
        rows = _scanned_candidates(table, key, q, CANDIDATES + 1)
    if len(rows) <= CANDIDATES or kind == "label":
        return rows
    walk = {"artist": (ArtistTotal._meta.db_table, "artist_id", "plays"),
            "album": (table, "id", "play_count"),
            "track": (TrackTotal._meta.db_table, "track_id", "plays")}[kind]
    return _exact(table, key, q) + _most_played(*walk, table, key, q, WALKED)


def _plays(kind: str, ids: list[int]) -> dict[int, int]:
    if kind == "artist":
        return dict(ArtistTotal.objects.filter(artist_id__in=ids).values_list("artist_id", "plays"))
    if kind == "track":
        return dict(TrackTotal.objects.filter(track_id__in=ids).values_list("track_id", "plays"))
    if kind == "album":
        return dict(Album.objects.filter(pk__in=ids).values_list("pk", "play_count"))
    return dict(Album.objects.filter(label_id__in=ids).order_by().values_list("label_id")
                .annotate(n=Sum("play_count")))


def _objects(kind: str, ids: list[int]) -> dict[int, object]:
    if kind == "artist":
        return Artist.objects.in_bulk(ids)
    if kind == "album":
        return Album.objects.select_related("artist").in_bulk(ids)
    if kind == "track":
        return Track.objects.select_related("artist", "album").in_bulk(ids)
    return Label.objects.in_bulk(ids)


def _subtitle(kind: str, obj) -> str:
    if kind == "album":
        return obj.artist.name if obj.artist else ""
    if kind == "track":
        return f"{obj.artist.name} — {obj.album.title}" if obj.album else obj.artist.name
    return ""


def rank_hits(hits: list[SearchHit]) -> list[SearchHit]:
    return sorted(hits, key=lambda h: (h.rank, -h.plays, h.name.casefold(), h.id))


def search_kind(*, kind: str, q: str, limit: int) -> list[SearchHit]:
    """The best `limit` hits of one kind for the folded query `q`."""
    ranked = {}
    for pk, key in _candidates(kind, q):
        rank = match_rank(key or "", q)
        if rank is not None:
            ranked[pk] = (key, rank)
    plays = _plays(kind, list(ranked))
    best = sorted(ranked, key=lambda pk: (ranked[pk][1], -plays.get(pk, 0), ranked[pk][0], pk))[:limit]
    objects = _objects(kind, best)
    return [SearchHit(kind=kind, id=pk, name=str(objects[pk]), key=ranked[pk][0], rank=ranked[pk][1],
                      plays=plays.get(pk, 0), subtitle=_subtitle(kind, objects[pk]), obj=objects[pk])
            for pk in best if pk in objects]


def catalog_search(*, q: str, kinds: tuple[str, ...] = KINDS, limit: int = 10) -> dict[str, list[SearchHit]]:
    """Hits per kind (artist, album, track, label), each list ranked; empty lists for an empty query."""
    key = search_key(q)
    return {kind: search_kind(kind=kind, q=key, limit=limit) if key else [] for kind in kinds}
