"""Store one page of a Discogs collection: releases → Album, artists, labels, tags, owned copies.

Batched per page (a handful of queries for 100 releases) and idempotent: a row is written
only when a value differs, so a rerun over an unchanged collection changes nothing.
Artists are matched by Discogs id, then by `name_key` to the artists already known from
listening (`Air (2)` is `Air`); "Various" compilations share one "Various Artists" artist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone as dt_timezone

from django.db.models import Q

from catalog.models import Album, AlbumArtist, AlbumTag, Artist, CollectionItem, Label, Tag
from core.normalize import name_key, strip_discogs_suffix, title_key

VARIOUS_DISCOGS_ID = 194
VARIOUS_NAME = "Various Artists"
GENRE_WEIGHT, STYLE_WEIGHT = 100, 80
TAG_SOURCE = "discogs"

_FORMATS = {
    "vinyl": Album.Format.VINYL, "lathe cut": Album.Format.VINYL, "flexi-disc": Album.Format.VINYL,
    "acetate": Album.Format.VINYL, "shellac": Album.Format.VINYL,
    "cd": Album.Format.CD, "cdr": Album.Format.CD, "sacd": Album.Format.CD, "hybrid": Album.Format.CD,
    "cassette": Album.Format.CASSETTE, "microcassette": Album.Format.CASSETTE,
    "file": Album.Format.FILE, "box set": Album.Format.BOX,
}
_NOTE_FIELDS = {"media condition": "media_condition", "sleeve condition": "sleeve_condition"}
_ALBUM_FIELDS = ("title", "title_key", "year", "artist_id", "label_id", "catalog_number", "format",
                 "format_descriptions", "discogs_master_id", "cover_url", "thumb_url")
_COPY_FIELDS = ("album_id", "folder_id", "folder_name", "date_added", "rating", "notes", "media_condition",
                "sleeve_condition", "removed_at")


@dataclass
class PageCounts:
    albums_created: int = 0
    albums_updated: int = 0
    artists_created: int = 0
    copies_created: int = 0
    copies_updated: int = 0
    copies_restored: int = 0


def _is_various(credit: dict) -> bool:
    return credit.get("id") == VARIOUS_DISCOGS_ID or name_key(credit.get("name", "")) == "various"


NAME_MAX = Artist._meta.get_field("name").max_length
TAG_MAX = Tag._meta.get_field("name").max_length


def _label_name(label: dict) -> str:
    return strip_discogs_suffix(label.get("name", "")).strip()[:NAME_MAX]


def _tag_key(name: str) -> str:
    return name_key(name[:TAG_MAX])[:TAG_MAX]


def _display_name(credit: dict) -> str:
    name = VARIOUS_NAME if _is_various(credit) else strip_discogs_suffix(credit.get("name", "")) or "Unknown Artist"
    return name[:NAME_MAX]  # PostgreSQL refuses longer values, and the page would then fail on every run


def format_of(formats: list[dict]) -> tuple[str, str]:
    """(support, descriptions): `Vinyl`, `LP, Album, Reissue, 180g`; a box set wins over its contents."""
    names = [(f.get("name") or "").strip() for f in formats or []]
    support = ""
    if any(n.casefold() == "box set" for n in names):
        support = Album.Format.BOX
    else:
        for n in names:
            if n:
                support = _FORMATS.get(n.casefold(), Album.Format.OTHER)
                break
    words: list[str] = []
    for f in formats or []:
        for word in [*(f.get("descriptions") or []), *([f["text"]] if f.get("text") else [])]:
            if word and word not in words:
                words.append(word)
    return support, ", ".join(words)[:255]


def _aware(value) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt_timezone.utc)


def _notes(raw_notes: list[dict], fields: dict[int, str]) -> dict[str, str]:
    """Discogs note fields → media/sleeve condition and a free-text note."""
    out = {"notes": "", "media_condition": "", "sleeve_condition": ""}
    free = []
    for note in raw_notes or []:
        value = str(note.get("value") or "").strip()
        if not value:
            continue
        field_name = fields.get(note.get("field_id"), "")
        target = _NOTE_FIELDS.get(field_name.casefold())
        if target:
            out[target] = value[:50]
        elif field_name.casefold() in ("notes", ""):
            free.append(value)
        else:
            free.append(f"{field_name}: {value}")
    out["notes"] = "\n".join(free)
    return out


def artists_resolve(credits: Iterable[dict], counts: PageCounts) -> dict[tuple, int]:
    """Artist pk for each credit, keyed by `credit_key(credit)`; creates the artists not known yet."""
    wanted: dict[tuple, dict] = {credit_key(c): c for c in credits}
    found: dict[tuple, int] = {}
    by_discogs = {k[1]: k for k in wanted if k[0] == "id"}
    if by_discogs:
        for pk, discogs_id in Artist.objects.filter(discogs_id__in=list(by_discogs)).values_list("pk", "discogs_id"):
            found[by_discogs[discogs_id]] = pk
    keys = {k: name_key(_display_name(c)) for k, c in wanted.items() if k not in found}
    if keys:
        known = {key: (pk, discogs_id) for pk, key, discogs_id in
                 Artist.objects.filter(name_key__in=set(keys.values())).values_list("pk", "name_key", "discogs_id")}
        claimed: list[tuple[int, int]] = []
        for k, key in keys.items():
            if key in known:
                pk, discogs_id = known[key]
                found[k] = pk
                if discogs_id is None and k[0] == "id":  # the listening artist learns its Discogs id
                    claimed.append((pk, k[1]))
                    known[key] = (pk, k[1])
        for pk, discogs_id in claimed:
            Artist.objects.filter(pk=pk, discogs_id__isnull=True).update(discogs_id=discogs_id)
        new: dict[str, Artist] = {}
        for k, key in keys.items():
            if k not in found and key not in new:
                new[key] = Artist(name=_display_name(wanted[k]), name_key=key,
                                  discogs_id=k[1] if k[0] == "id" else None)
        if new:
            Artist.objects.bulk_create(list(new.values()), ignore_conflicts=True)
            counts.artists_created += len(new)
            rows = Artist.objects.filter(name_key__in=list(new)).values_list("name_key", "pk")
            created = dict(rows)
            for k, key in keys.items():
                if k not in found:
                    found[k] = created[key]
    return found


def credit_key(credit: dict) -> tuple:
    if _is_various(credit):
        return ("id", VARIOUS_DISCOGS_ID)
    if credit.get("id"):
        return ("id", int(credit["id"]))
    return ("name", name_key(credit.get("name", "")))


def _labels_resolve(labels: Iterable[dict]) -> dict[int | str, int]:
    """Label pk by Discogs label id (or name key when Discogs gave no id)."""
    wanted = {}
    for label in labels:
        name = _label_name(label)
        if not name:
            continue
        wanted[int(label["id"]) if label.get("id") else name_key(name)] = name
    found = dict(Label.objects.filter(discogs_id__in=[k for k in wanted if isinstance(k, int)])
                 .values_list("discogs_id", "pk"))
    by_key = [k for k in wanted if isinstance(k, str)]
    if by_key:
        found.update(Label.objects.filter(discogs_id__isnull=True, name_key__in=by_key).values_list("name_key", "pk"))
    missing = [k for k in wanted if k not in found]
    if missing:
        Label.objects.bulk_create(
            [Label(name=wanted[k], name_key=name_key(wanted[k]), discogs_id=k if isinstance(k, int) else None)
             for k in missing], ignore_conflicts=True)
        found.update(Label.objects.filter(discogs_id__in=[k for k in missing if isinstance(k, int)])
                     .values_list("discogs_id", "pk"))
        names = [k for k in missing if isinstance(k, str)]
        if names:
            found.update(Label.objects.filter(discogs_id__isnull=True, name_key__in=names)
                         .values_list("name_key", "pk"))
    return found


def _tags_resolve(names: Iterable[str]) -> dict[str, int]:
    wanted = {_tag_key(n): n[:TAG_MAX] for n in names if n and n.strip()}
    found = dict(Tag.objects.filter(name_key__in=list(wanted)).values_list("name_key", "pk"))
    missing = [Tag(name=wanted[k], name_key=k) for k in wanted if k not in found]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        found.update(Tag.objects.filter(name_key__in=[t.name_key for t in missing]).values_list("name_key", "pk"))
    return found


def page_store(*, items: list[dict], folders: dict[int, str], fields: dict[int, str], seen_at: datetime) -> PageCounts:
    """Upsert the releases and copies of one collection page; run inside a transaction."""
    counts = PageCounts()
    infos: dict[int, dict] = {}
    for item in items:
        info = item.get("basic_information") or {}
        release_id = int(item.get("release_id") or info.get("id") or 0)
        if release_id:
            infos[release_id] = info
    if not infos:
        return counts
    artist_ids = artists_resolve([c for info in infos.values() for c in info.get("artists") or []], counts)
    label_ids = _labels_resolve(label for info in infos.values() for label in (info.get("labels") or [])[:1])
    tag_ids = _tags_resolve([n for info in infos.values()
                             for n in [*(info.get("genres") or []), *(info.get("styles") or [])]])

    album_ids = _albums_upsert(infos=infos, artist_ids=artist_ids, label_ids=label_ids, counts=counts)
    _credits_sync(infos=infos, album_ids=album_ids, artist_ids=artist_ids)
    _tags_sync(infos=infos, album_ids=album_ids, tag_ids=tag_ids)
    _copies_upsert(items=items, album_ids=album_ids, folders=folders, fields=fields, seen_at=seen_at, counts=counts)
    return counts


def _album_values(info: dict, artist_ids: dict[tuple, int], label_ids: dict) -> dict:
    credits = info.get("artists") or []
    label = next(iter(info.get("labels") or []), None) or {}
    label_key = int(label["id"]) if label.get("id") else name_key(_label_name(label))
    support, descriptions = format_of(info.get("formats") or [])
    title = (info.get("title") or "").strip()[:500] or "Untitled"
    cover = info.get("cover_image") or ""
    thumb = info.get("thumb") or ""
    return {
        "title": title,
        "title_key": title_key(title),
        "year": int(info.get("year") or 0) or None,
        "artist_id": artist_ids.get(credit_key(credits[0])) if credits else None,
        "label_id": label_ids.get(label_key) if label else None,
        "catalog_number": ((label.get("catno") or "").strip()[:100]
                           if (label.get("catno") or "").lower() != "none" else ""),
        "format": support,
        "format_descriptions": descriptions,
        "discogs_master_id": int(info.get("master_id") or 0) or None,
        # Discogs answers a spacer image when a release has no picture.
        "cover_url": "" if cover.endswith("spacer.gif") else cover[:500],
        "thumb_url": "" if thumb.endswith("spacer.gif") else thumb[:500],
    }


def _albums_upsert(*, infos: dict[int, dict], artist_ids, label_ids, counts: PageCounts) -> dict[int, int]:
    existing = {a.discogs_release_id: a for a in Album.objects.filter(discogs_release_id__in=list(infos))}
    changed, new = [], []
    for release_id, info in infos.items():
        values = _album_values(info, artist_ids, label_ids)
        album = existing.get(release_id)
        if album is None:
            new.append(Album(discogs_release_id=release_id, **values))
            continue
        if any(getattr(album, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(album, name, value)
            changed.append(album)
    if changed:
        Album.objects.bulk_update(changed, list(_ALBUM_FIELDS))
        counts.albums_updated += len(changed)
    if new:
        Album.objects.bulk_create(new, ignore_conflicts=True)
        counts.albums_created += len(new)
    return dict(Album.objects.filter(discogs_release_id__in=list(infos)).values_list("discogs_release_id", "pk"))


def _credits_sync(*, infos: dict[int, dict], album_ids: dict[int, int], artist_ids: dict[tuple, int]) -> None:
    wanted: dict[int, list[tuple[int, str, str]]] = {}
    for release_id, info in infos.items():
        rows, seen = [], set()
        for credit in info.get("artists") or []:
            artist_id = artist_ids.get(credit_key(credit))
            if artist_id is None or artist_id in seen:
                continue
            seen.add(artist_id)
            credited = (credit.get("anv") or "").strip()[:255]
            rows.append((artist_id, credited, (credit.get("join") or "").strip()[:20]))
        wanted[album_ids[release_id]] = rows
    have: dict[int, list[tuple[int, str, str]]] = {pk: [] for pk in wanted}
    for album_id, artist_id, credited, join in (AlbumArtist.objects.filter(album_id__in=list(wanted))
                                                 .order_by("album_id", "position")
                                                 .values_list("album_id", "artist_id", "credited_name", "join_phrase")):
        have[album_id].append((artist_id, credited, join))
    stale = [pk for pk, rows in wanted.items() if have[pk] != rows]
    if not stale:
        return
    AlbumArtist.objects.filter(album_id__in=stale).delete()
    AlbumArtist.objects.bulk_create([
        AlbumArtist(album_id=pk, artist_id=artist_id, position=position, credited_name=credited, join_phrase=join)
        for pk in stale for position, (artist_id, credited, join) in enumerate(wanted[pk])
    ])


def _tags_sync(*, infos: dict[int, dict], album_ids: dict[int, int], tag_ids: dict[str, int]) -> None:
    wanted: dict[tuple[int, int], int] = {}
    for release_id, info in infos.items():
        for names, weight in ((info.get("genres") or [], GENRE_WEIGHT), (info.get("styles") or [], STYLE_WEIGHT)):
            for n in names:
                tag_id = tag_ids.get(_tag_key(n))
                if tag_id is not None:
                    wanted.setdefault((album_ids[release_id], tag_id), weight)
    have = {(a, t): (pk, w) for pk, a, t, w in AlbumTag.objects.filter(
        album_id__in=list(album_ids.values()), source=TAG_SOURCE).values_list("pk", "album_id", "tag_id", "weight")}
    gone = [pk for key, (pk, _) in have.items() if key not in wanted]
    if gone:
        AlbumTag.objects.filter(pk__in=gone).delete()
    reweighed = [AlbumTag(pk=have[key][0], weight=w) for key, w in wanted.items() if key in have and have[key][1] != w]
    if reweighed:
        AlbumTag.objects.bulk_update(reweighed, ["weight"])
    new = [AlbumTag(album_id=a, tag_id=t, source=TAG_SOURCE, weight=w)
           for (a, t), w in wanted.items() if (a, t) not in have]
    if new:
        AlbumTag.objects.bulk_create(new, ignore_conflicts=True)


def _copies_upsert(*, items, album_ids, folders, fields, seen_at, counts: PageCounts) -> None:
    wanted: dict[int, dict] = {}
    for item in items:
        release_id = int(item.get("release_id") or (item.get("basic_information") or {}).get("id") or 0)
        if not item.get("instance_id") or release_id not in album_ids:
            continue
        folder_id = int(item.get("folder_id") or 0)
        wanted[int(item["instance_id"])] = {
            "album_id": album_ids[release_id],
            "folder_id": folder_id,
            "folder_name": (folders.get(folder_id) or "")[:100],
            "date_added": _aware(item.get("date_added")),
            "rating": max(0, min(5, int(item.get("rating") or 0))),
            **_notes(item.get("notes") or [], fields),
            "removed_at": None,
        }
    existing = {c.discogs_instance_id: c for c in CollectionItem.objects.filter(discogs_instance_id__in=list(wanted))}
    changed, new = [], []
    for instance_id, values in wanted.items():
        copy = existing.get(instance_id)
        if copy is None:
            new.append(CollectionItem(discogs_instance_id=instance_id, synced_at=seen_at, **values))
            continue
        if copy.removed_at is not None:
            counts.copies_restored += 1
        if any(getattr(copy, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(copy, name, value)
            changed.append(copy)
    if changed:
        CollectionItem.objects.bulk_update(changed, list(_COPY_FIELDS))
        counts.copies_updated += len(changed)
    if new:
        CollectionItem.objects.bulk_create(new, ignore_conflicts=True)
        counts.copies_created += len(new)
    CollectionItem.objects.filter(Q(discogs_instance_id__in=list(wanted))).update(synced_at=seen_at)
