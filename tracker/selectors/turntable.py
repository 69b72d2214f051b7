"""What "I'm playing this" can log for a record: its sides (from the Discogs positions) with their tracks and
lengths, and the record's latest logged session (the one an undo is offered for)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Prefetch
from django.utils import timezone

from catalog.models import Album, CollectionItem, Track
from tracker.models import TurntablePlay, TurntableSession

AVERAGE_TRACK_MS = 4 * 60 * 1000  # counted for a track the tracklist gives no length
UNDO_WITHIN = timedelta(days=1)  # a session older than this is history: no undo is offered
MAX_TRACKS = 300
WHOLE = ""  # the side key of the whole record

# Vinyl and cassette sides: "A1", "B", "AA2", "C3a" (a sub-track), "A1.2". CD positions: "1-3",
# "2.05", "CD2-1", "Disc 1-4"; a bare number ("7") names no disc.
_SIDE = re.compile(r"([A-Z]{1,2})\d{0,3}(?:[a-z]|\.\d{1,2})?")
_DISC = re.compile(r"(?:(?:CD|DVD|Disc|Disk)\s*)?(\d{1,2})\s*[-.]\s*\d{1,3}", re.IGNORECASE)


@dataclass(frozen=True)
class TurntableTrack:
    track: Track
    position: str
    duration_ms: int  # the tracklist's length, or the average when it gives none
    estimated: bool


@dataclass(frozen=True)
class TurntableSide:
    key: str  # "A", "B"… (a side), "1", "2"… (a disc), "" (the whole record)
    label: str
    tracks: list[TurntableTrack]

    @property
    def duration_ms(self) -> int:
        return sum(track.duration_ms for track in self.tracks)

    @property
    def estimated_count(self) -> int:
        return sum(1 for track in self.tracks if track.estimated)

    @property
    def span(self) -> str:
        """The positions it runs over, e.g. "A1–A5"."""
        first, last = self.tracks[0].position, self.tracks[-1].position
        return first if first == last else f"{first}–{last}" if first and last else ""


@dataclass(frozen=True)
class TurntableRecord:
    album: Album
    owned: bool  # a copy is in the collection (not removed)
    listened_title: str  # the title the plays are stored under: the listening history's album's
    sides: list[TurntableSide] = field(default_factory=list)  # each side, then the whole record; [] without tracks

    def side(self, key: str) -> TurntableSide | None:
        return next((side for side in self.sides if side.key == key), None)

    @property
    def whole(self) -> TurntableSide | None:
        return self.side(WHOLE)


def side_key(*, position: str, disc_number: int | None = None) -> tuple[str, str] | None:
    """(kind, key) of the side or disc a track is on: ("side", "A"), ("disc", "2"); None when
    neither its position nor its disc number names one. A side letter wins over the disc number
    Discogs also gives the tracks of an LP (disc 1 holds sides A and B)."""
    position = (position or "").strip()
    if match := _SIDE.fullmatch(position):
        return ("side", match[1])
    if match := _DISC.fullmatch(position):
        return ("disc", str(int(match[1])))
    if disc_number:
        return ("disc", str(disc_number))
    return None


def turntable_side_key(text: str) -> str:
    """A side as asked for (" a ", "whole", "01"): the key `TurntableRecord.side` knows."""
    text = (text or "").strip()
    if text.casefold() in ("", "whole", "all"):
        return WHOLE
    return str(int(text)) if text.isdigit() else text.upper()


def turntable_record(*, album: Album) -> TurntableRecord:
    """The record as "I'm playing this" sees it: whether it is owned, and its sides, in tracklist order.

    The tracks are the release's own (the Discogs tracklist), else its listened album's. Sides are
    offered when every track's position names one and there are two or more; the whole record
    always. A track without a length counts AVERAGE_TRACK_MS, marked as estimated.
    """
    owned = CollectionItem.objects.present().filter(album=album).exists()
    listened = album.listened_album if album.listened_album_id else None
    listened_title = listened.title if listened else album.title
    tracks = _tracks(album_ids=[album.pk]) or (_tracks(album_ids=[listened.pk]) if listened else [])
    if any(track.position for track in tracks):  # plays the tracklist does not list have no position
        tracks = [track for track in tracks if track.position]
    tracks = [track for track in tracks if track.title.strip()]
    if not tracks:
        return TurntableRecord(album=album, owned=owned, listened_title=listened_title)
    planned = [TurntableTrack(track=track, position=track.position, duration_ms=track.duration_ms or AVERAGE_TRACK_MS,
                              estimated=not track.duration_ms) for track in tracks]
    return TurntableRecord(album=album, owned=owned, listened_title=listened_title,
                           sides=[*_sides(planned), TurntableSide(key=WHOLE, label="Whole record", tracks=planned)])


def _tracks(*, album_ids: list[int]) -> list[Track]:
    return list(Track.objects.filter(album_id__in=album_ids).select_related("artist")
                .order_by("disc_number", "number", "position", "title")[:MAX_TRACKS])


def _sides(tracks: list[TurntableTrack]) -> list[TurntableSide]:
    keys = [side_key(position=t.position, disc_number=t.track.disc_number) for t in tracks]
    if None in keys or len({kind for kind, _ in keys}) != 1:
        return []
    grouped: dict[str, list[TurntableTrack]] = {}
    for (_, key), track in zip(keys, tracks, strict=True):
        grouped.setdefault(key, []).append(track)
    if len(grouped) < 2:
        return []
    word = "Side" if keys[0][0] == "side" else "Disc"
    return [TurntableSide(key=key, label=f"{word} {key}", tracks=side_tracks) for key, side_tracks in grouped.items()]


def turntable_session_get(*, session_id: int) -> TurntableSession | None:
    """The session with its album and its plays in order; None if unknown."""
    return (TurntableSession.objects.select_related("album")
            .prefetch_related(Prefetch("plays", queryset=TurntablePlay.objects.order_by("order")))
            .filter(pk=session_id).first())


def turntable_session_latest(*, album_id: int, now: datetime | None = None) -> TurntableSession | None:
    """The record's newest session logged within UNDO_WITHIN and not undone: the one the album page
    shows, with its undo."""
    since = (now or timezone.now()) - UNDO_WITHIN
    latest = (TurntableSession.objects.filter(album_id=album_id, undone_at__isnull=True, created_at__gte=since)
              .order_by("-created_at", "-pk").values_list("pk", flat=True).first())
    return turntable_session_get(session_id=latest) if latest else None
