"""Small builders for test data: realistic enough, one call per object.

Use these instead of hand-building rows, so a model change is fixed in one place.
"""

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from zoneinfo import ZoneInfo

from django.conf import settings

from catalog.models import Album, AlbumArtist, Artist, CollectionItem, Label, Track
from tracker.models import Scrobble


def make_artist(name: str = "Portishead", **fields) -> Artist:
    return Artist.objects.create(name=name, **fields)


def make_album(title: str = "Dummy", artist: Artist | None = None, **fields) -> Album:
    artist = artist or make_artist()
    album = Album.objects.create(title=title, artist=artist, **fields)
    AlbumArtist.objects.create(album=album, artist=artist, position=0)
    return album


def make_track(title: str = "Roads", album: Album | None = None, artist: Artist | None = None, **fields) -> Track:
    if album is None and artist is None:
        album = make_album()
    artist = artist or album.artist
    return Track.objects.create(title=title, artist=artist, album=album, **fields)


def make_scrobble(track: Track, played_at: datetime, **fields) -> Scrobble:
    local = played_at.astimezone(ZoneInfo(settings.TIME_ZONE))
    return Scrobble.objects.create(
        track=track,
        artist=track.artist,
        album=track.album,
        played_at=played_at,
        local_date=local.date(),
        local_hour=local.hour,
        **fields,
    )


def make_copy(album: Album, instance_id: int = 1, **fields) -> CollectionItem:
    return CollectionItem.objects.create(album=album, discogs_instance_id=instance_id, **fields)


def make_label(name: str = "Go! Discs") -> Label:
    return Label.objects.create(name=name)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=dt_timezone.utc)


def make_listening_history(plays_per_day: int = 5, days: int = 3, end: datetime | None = None) -> list[Scrobble]:
    """A few artists, albums and tracks, played over the last `days` days: each day's plays end at
    `end`'s time of day and stay on one local day, even just after midnight."""
    end = end or datetime.now(dt_timezone.utc).replace(microsecond=0)
    local = end.astimezone(ZoneInfo(settings.TIME_ZONE))
    since_midnight = local - local.replace(hour=0, minute=0, second=0)
    if since_midnight < timedelta(minutes=1):
        end += timedelta(minutes=1) - since_midnight
        since_midnight = timedelta(minutes=1)
    step = min(timedelta(minutes=7), since_midnight / (plays_per_day + 1))
    portishead = make_artist("Portishead")
    massive = make_artist("Massive Attack")
    dummy = make_album("Dummy", portishead, year=1994)
    mezzanine = make_album("Mezzanine", massive, year=1998)
    tracks = [
        make_track("Roads", dummy, number=5, duration_ms=305_000),
        make_track("Glory Box", dummy, number=11, duration_ms=306_000),
        make_track("Teardrop", mezzanine, number=3, duration_ms=330_000),
        make_track("Angel", mezzanine, number=1, duration_ms=379_000),
    ]
    plays = []
    for day in range(days):
        for n in range(plays_per_day):
            track = tracks[(day + n) % len(tracks)]
            plays.append(make_scrobble(track, end - timedelta(days=day) - step * n - step / 7))
    return plays
