"""Listening history: one row per play, and the state of the Last.fm poller."""

from django.db import models
from django.utils import timezone

from catalog.models import Album, Artist, Track


class Scrobble(models.Model):
    """One play of a track. Unique on (track, played_at), so every ingest is idempotent.

    `artist`, `album`, `local_date` and `local_hour` are denormalized from the track and
    `played_at` (in TIME_ZONE) so journal and timeline queries need no joins and the rollups
    below can group them. Day and hour figures come from the rollups, so those columns need no index.
    """

    class Source(models.TextChoices):
        LASTFM = "lastfm", "Last.fm"
        SPOTIFY = "spotify", "Spotify"
        LISTENBRAINZ = "listenbrainz", "ListenBrainz"
        MANUAL = "manual", "Manual"

    # No single-column FK indexes: (track, played_at), (artist, played_at) and (album, played_at)
    # below start with these columns and serve the same lookups; every index costs each insert.
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="scrobbles", db_index=False)
    artist = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="scrobbles", db_index=False)
    album = models.ForeignKey(Album, null=True, blank=True, on_delete=models.SET_NULL, related_name="scrobbles",
                              db_index=False)
    played_at = models.DateTimeField(help_text="Start of the play, UTC.")
    local_date = models.DateField(help_text="Day of the play in TIME_ZONE.")
    local_hour = models.PositiveSmallIntegerField(help_text="Hour of the play in TIME_ZONE.")
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.LASTFM)
    loved = models.BooleanField(default=False)
    ms_played = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-played_at"]
        constraints = [models.UniqueConstraint(fields=["track", "played_at"], name="scrobble_unique_play")]
        indexes = [
            # The journal's order, ties included: no planner statistics can make a sort look cheaper.
            models.Index(fields=["-played_at", "-id"], name="scrobble_newest"),
            models.Index(fields=["artist", "played_at"], name="scrobble_artist_time"),
            models.Index(fields=["album", "played_at"], name="scrobble_album_time"),
            models.Index(fields=["source", "played_at"], name="scrobble_source_time"),
            # Few plays are loved: a partial index finds the loved tracks without reading every play.
            models.Index(fields=["track"], condition=models.Q(loved=True), name="scrobble_loved"),
        ]

    def __str__(self):
        return f"{self.track} at {self.played_at:%Y-%m-%d %H:%M}"


class TrackerState(models.Model):
    """The Last.fm poller's settings and last results (a single row, pk=1)."""

    enabled = models.BooleanField(default=True)
    interval_seconds = models.PositiveIntegerField(default=120)
    last_poll_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    now_playing_track = models.ForeignKey(Track, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    now_playing_since = models.DateTimeField(null=True, blank=True)
    now_playing_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "tracker state"
        verbose_name_plural = "tracker state"

    def __str__(self):
        return "Last.fm tracker"

    @classmethod
    def load(cls) -> "TrackerState":
        state, _ = cls.objects.get_or_create(pk=1)
        return state


class _Rollup(models.Model):
    """Plays and listening time summed over a group of plays, so pages read a few thousand rows
    instead of a million (see tracker.services.rollups, which keeps them exact).

    `ms_played` sums the plays whose length is known (Spotify's `ms_played`), `ms_plays` counts
    them; the others are `plays - ms_plays`, to be estimated from the track's duration. Ids
    are plain integers, not foreign keys: a rollup follows the plays (an artist merge moves
    the plays, the triggers move their sums), it is never moved or cascaded on its own.
    """

    plays = models.PositiveIntegerField(default=0)
    ms_played = models.BigIntegerField(default=0)
    ms_plays = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class _Totals(_Rollup):
    first_played_at = models.DateTimeField()
    last_played_at = models.DateTimeField()

    class Meta:
        abstract = True


class TrackTotal(_Totals):
    """All the plays of one track: its play count, listening time, first and last play."""

    track_id = models.BigIntegerField(primary_key=True)
    artist_id = models.BigIntegerField()
    album_id = models.BigIntegerField(null=True)

    class Meta:
        # (group, plays) covers the artist and album pages' per-track figures: no row lookups.
        indexes = [
            models.Index(fields=["-plays", "track_id"], name="tracktotal_top"),
            models.Index(fields=["artist_id", "plays"], name="tracktotal_artist"),
            models.Index(fields=["album_id", "plays"], name="tracktotal_album"),
        ]


class ArtistTotal(_Totals):
    """All the plays of one artist: the all-time tops and the artist page's figures."""

    artist_id = models.BigIntegerField(primary_key=True)

    class Meta:
        indexes = [models.Index(fields=["-plays", "artist_id"], name="artisttotal_top"),
                   # The habits' discoveries: the newest of a period, and every one in order.
                   models.Index(fields=["first_played_at", "artist_id"], name="artisttotal_first")]


class AlbumTotal(_Totals):
    """All the plays of one album of the listening history (editions count through it)."""

    album_id = models.BigIntegerField(primary_key=True)

    class Meta:
        indexes = [models.Index(fields=["-plays", "album_id"], name="albumtotal_top")]


class ArtistMonth(_Rollup):
    """The plays of one artist in one local calendar month (`month` is its first day)."""

    pk = models.CompositePrimaryKey("artist_id", "month")
    artist_id = models.BigIntegerField()
    month = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["month", "artist_id", "plays"], name="artistmonth_month")]


class AlbumMonth(_Rollup):
    """The plays of one album in one local calendar month (plays without an album have none)."""

    pk = models.CompositePrimaryKey("album_id", "month")
    album_id = models.BigIntegerField()
    month = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["month", "album_id", "plays"], name="albummonth_month")]


class _YearRollup(_Rollup):
    year = models.PositiveSmallIntegerField()

    class Meta:
        abstract = True


class ArtistYear(_YearRollup):
    """The plays of one artist in one local calendar year: a year's top artists read its first rows."""

    pk = models.CompositePrimaryKey("artist_id", "year")
    artist_id = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["year", "-plays", "artist_id"], name="artistyear_top")]


class AlbumYear(_YearRollup):
    """The plays of one album in one local calendar year."""

    pk = models.CompositePrimaryKey("album_id", "year")
    album_id = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["year", "-plays", "album_id"], name="albumyear_top")]


class TrackYear(_YearRollup):
    """The plays of one track in one local calendar year."""

    pk = models.CompositePrimaryKey("track_id", "year")
    track_id = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["year", "-plays", "track_id"], name="trackyear_top")]


class DayHour(_Rollup):
    """The plays of one local hour of one local day: day and hour charts, calendars, totals."""

    pk = models.CompositePrimaryKey("local_date", "local_hour")
    local_date = models.DateField()
    local_hour = models.PositiveSmallIntegerField()


class MonthHour(_Rollup):
    """The plays of one local hour of one weekday (0 = Monday) in one local month: the listening
    clock, the week's heatmap and plays per month, of any stretch of whole months, in a few
    thousand rows where the day-hour rollup holds a hundred thousand."""

    pk = models.CompositePrimaryKey("month", "weekday", "local_hour")
    month = models.DateField()
    weekday = models.PositiveSmallIntegerField()
    local_hour = models.PositiveSmallIntegerField()

    class Meta:
        # Covers the all-time week heatmap's GROUP BY weekday, hour: read in order, no sort.
        indexes = [models.Index(fields=["weekday", "local_hour", "plays"], name="monthhour_week")]


class HabitDay(models.Model):
    """What the plays of one local day tell the habits page (tracker.selectors.habit_days.DaySummary):
    how many, its most played tracks, and its stretch (tracker.selectors.stretch, as JSON), which a
    period's sessions, streaks and runs of one artist merge with its months' instead of streaming
    its plays. Only days with plays have one; tracker.services.habit_days keeps them."""

    local_date = models.DateField(primary_key=True)
    plays = models.PositiveIntegerField()
    tracks = models.JSONField(help_text="[track id, plays] of the day's most played tracks, ties by id.")
    stretch = models.JSONField()


class HabitMonth(models.Model):
    """The stretch of one local month (`month` is its first day): its days' stretches merged."""

    month = models.DateField(primary_key=True)
    stretch = models.JSONField()


class HabitDayStale(models.Model):
    """A local day whose plays changed since its stretch (and its month's) was stored: marked in the
    writer's own transaction (tracker.services.rollups), summarized from its plays by reads until
    tracker.services.habit_days stores it again."""

    local_date = models.DateField(primary_key=True)


class TurntableSession(models.Model):
    """A record, or one side of it, logged as played on the turntable ("I'm playing this").

    Its tracks are planned back to back from `started_at` (tracker.services.turntable); each play
    is stored through the ingest once it has started, and, when Last.fm is connected for writing,
    scrobbled there once played. An undo removes exactly the plays this session stored.
    """

    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="turntable_sessions",
                              help_text="The owned release that was played.")
    side = models.CharField(max_length=10, blank=True, help_text="A, B… (vinyl side), 1, 2… (disc); empty: whole.")
    side_label = models.CharField(max_length=40)
    started_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)
    lastfm_error = models.CharField(max_length=300, blank=True, help_text="Why the last scrobbling to Last.fm failed.")
    lastfm_failures = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["album", "-created_at"], name="turntable_album_latest")]

    def __str__(self):
        return f"{self.side_label} of {self.album} from {self.started_at:%Y-%m-%d %H:%M}"


class TurntablePlay(models.Model):
    """One planned play of a turntable session, and what became of it in the journal and on Last.fm."""

    class State(models.TextChoices):
        PENDING = "pending", "Not started yet"
        STORED = "stored", "Stored"
        KNOWN = "known", "Already in the journal"  # another source (or an earlier log) had it: not ours to undo
        CUT = "cut", "Not played"  # undone, or another record was put on, before it started

    class Lastfm(models.TextChoices):
        OFF = "off", "Last.fm not connected"
        DUE = "due", "To scrobble"
        SENT = "sent", "Scrobbled"
        IGNORED = "ignored", "Ignored by Last.fm"
        SKIPPED = "skipped", "Not sent"
        FAILED = "failed", "Failed"

    session = models.ForeignKey(TurntableSession, on_delete=models.CASCADE, related_name="plays")
    order = models.PositiveSmallIntegerField()
    position = models.CharField(max_length=10, blank=True, help_text="As printed, e.g. A1.")
    artist = models.CharField(max_length=255)
    title = models.CharField(max_length=500)
    album = models.CharField(max_length=500, help_text="The listening history's album title the play joins.")
    played_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(help_text="The length counted: the tracklist's, or the average.")
    estimated = models.BooleanField(default=False, help_text="The tracklist gives no length: the average was counted.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    # A plain id, not a foreign key: deleting plays (a merge, a cascade) must stay a fast DELETE.
    scrobble_id = models.BigIntegerField(null=True, blank=True, help_text="The play this session stored.")
    lastfm = models.CharField(max_length=10, choices=Lastfm.choices, default=Lastfm.OFF)
    lastfm_note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["session", "order"]
        constraints = [models.UniqueConstraint(fields=["session", "order"], name="turntable_play_order")]

    def __str__(self):
        return f"{self.title} at {self.played_at:%Y-%m-%d %H:%M}"
