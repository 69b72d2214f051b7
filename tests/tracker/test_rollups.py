"""The rollups stay equal to counting the plays, whatever writes them: ingest, re-ingest, the ORM,
deletes, cascades, an artist merge, an album deleted under its plays, an edit; and the rebuild."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Max, Min, Sum
from django.test.utils import CaptureQueriesContext

from catalog.models import Album, Artist, Track
from catalog.services.artist_merge import artist_merge
from tests.factories import make_album, make_artist, make_scrobble, make_track, utc
from tracker.models import (
    AlbumMonth,
    AlbumTotal,
    AlbumYear,
    ArtistMonth,
    ArtistTotal,
    ArtistYear,
    DayHour,
    MonthHour,
    Scrobble,
    TrackTotal,
    TrackYear,
)
from tracker.services.ingest import Play, scrobble_ingest
from tracker.services.rollups import rollups_rebuild

pytestmark = pytest.mark.django_db


def _month(day):
    return day.replace(day=1)


def expected() -> dict:
    """The rollups as counting every play from scratch gives them."""
    plays = list(Scrobble.objects.values_list("track_id", "artist_id", "album_id", "played_at", "local_date",
                                              "local_hour", "ms_played"))
    tracks, artists, albums, hours, artist_totals, album_totals, week = {}, {}, {}, {}, {}, {}, {}
    years = {"artist_years": {}, "album_years": {}, "track_years": {}}

    def add(groups, key, ms):
        plays_, total, known = groups.get(key, (0, 0, 0))
        groups[key] = (plays_ + 1, total + (ms or 0), known + (ms is not None))

    for track_id, artist_id, album_id, played_at, day, hour, ms in plays:
        add(tracks, track_id, ms)
        add(artist_totals, artist_id, ms)
        if album_id:
            add(album_totals, album_id, ms)
        add(artists, (artist_id, _month(day)), ms)
        if album_id:
            add(albums, (album_id, _month(day)), ms)
        add(hours, (day, hour), ms)
        add(week, (_month(day), day.weekday(), hour), ms)
        add(years["artist_years"], (artist_id, day.year), ms)
        add(years["track_years"], (track_id, day.year), ms)
        if album_id:
            add(years["album_years"], (album_id, day.year), ms)
    spans = {t: (a, al, first, last) for t, a, al, first, last in Scrobble.objects.values("track_id").annotate(
        first=Min("played_at"), last=Max("played_at"), a=Max("artist_id"), al=Max("album_id"))
        .values_list("track_id", "a", "al", "first", "last")}
    def spans_of(key):
        return {k: (first, last) for k, first, last in Scrobble.objects.filter(**{f"{key}__isnull": False})
                .order_by().values(key).annotate(first=Min("played_at"), last=Max("played_at"))
                .values_list(key, "first", "last")}

    artist_spans, album_spans = spans_of("artist_id"), spans_of("album_id")
    return {
        "tracks": {t: (*figures, *spans[t]) for t, figures in tracks.items()},
        "artist_totals": {a: (*figures, *artist_spans[a]) for a, figures in artist_totals.items()},
        "album_totals": {a: (*figures, *album_spans[a]) for a, figures in album_totals.items()},
        "artists": artists, "albums": albums, "hours": hours, "week": week, **years,
    }


def stored() -> dict:
    figures = ("plays", "ms_played", "ms_plays")
    return {
        "tracks": {row[0]: row[1:] for row in TrackTotal.objects.values_list(
            "track_id", *figures, "artist_id", "album_id", "first_played_at", "last_played_at")},
        "artist_totals": {row[0]: row[1:] for row in ArtistTotal.objects.values_list(
            "artist_id", *figures, "first_played_at", "last_played_at")},
        "album_totals": {row[0]: row[1:] for row in AlbumTotal.objects.values_list(
            "album_id", *figures, "first_played_at", "last_played_at")},
        "artists": {(a, m): rest for a, m, *rest in ArtistMonth.objects.values_list("artist_id", "month", *figures)},
        "albums": {(a, m): rest for a, m, *rest in AlbumMonth.objects.values_list("album_id", "month", *figures)},
        "hours": {(d, h): rest for d, h, *rest in DayHour.objects.values_list("local_date", "local_hour", *figures)},
        "week": {(m, w, h): rest for m, w, h, *rest in MonthHour.objects.values_list("month", "weekday", "local_hour",
                                                                                    *figures)},
        **{name: {(k, y): rest for k, y, *rest in model.objects.values_list(key, "year", *figures)}
           for name, model, key in (("artist_years", ArtistYear, "artist_id"), ("album_years", AlbumYear, "album_id"),
                                    ("track_years", TrackYear, "track_id"))},
    }


def assert_exact():
    assert _tuples(stored()) == _tuples(expected())


def _tuples(rollups: dict) -> dict:
    return {name: {key: tuple(value) for key, value in groups.items()} for name, groups in rollups.items()}


def _history() -> list[Play]:
    start = utc(2024, 3, 30, 22, 0)
    plays = []
    for n in range(60):
        artist = ["Portishead", "Massive Attack", "Björk"][n % 3]
        album, title = ("", "Interlude") if n % 7 == 0 else (f"{artist} LP", f"Song {n % 5}")
        plays.append(Play(artist=artist, title=title, album=album, played_at=start + timedelta(hours=7 * n),
                          ms_played=None if n % 4 == 0 else 200_000 + n))
    return plays


def test_ingest_and_re_ingest_keep_them_exact():
    plays = _history()
    result = scrobble_ingest(plays=plays[:40], source="spotify", batch_size=7)
    assert result.added == 40
    assert_exact()
    again = scrobble_ingest(plays=plays, source="spotify", batch_size=11)  # 40 known, 20 new
    assert (again.added, again.already_present) == (20, 40)
    assert_exact()
    assert sum(DayHour.objects.values_list("plays", flat=True)) == Scrobble.objects.count() == 60


def test_a_play_counts_in_the_local_year(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    plays = [Play(artist="Björk", title="Jóga", album="Homogenic", played_at=utc(2023, 12, 31, 22, 30)),
             Play(artist="Björk", title="Jóga", album="Homogenic", played_at=utc(2023, 12, 31, 23, 30))]
    scrobble_ingest(plays=plays, source="lastfm")
    assert sorted(ArtistYear.objects.values_list("year", "plays")) == [(2023, 1), (2024, 1)]  # 00:30 in Berlin
    assert_exact()


def test_plays_written_through_the_orm_count_too():
    track = make_track("Roads", make_album("Dummy", make_artist("Portishead")), duration_ms=305_000)
    make_scrobble(track, utc(2024, 1, 31, 23, 30), ms_played=1000)
    make_scrobble(track, utc(2024, 2, 1, 0, 30))
    Scrobble.objects.bulk_create([Scrobble(track=track, artist=track.artist, album=track.album,
                                           played_at=utc(2024, 2, 2, 10), local_date=utc(2024, 2, 2).date(),
                                           local_hour=10)])
    assert_exact()
    total = TrackTotal.objects.get(track_id=track.pk)
    assert (total.plays, total.ms_played, total.ms_plays) == (3, 1000, 1)
    assert ArtistMonth.objects.filter(artist_id=track.artist_id).count() == 2  # January and February


def test_deletes_and_cascades_take_plays_away():
    scrobble_ingest(plays=_history(), source="lastfm")
    first = Scrobble.objects.order_by("played_at").first()
    first.delete()
    assert_exact()
    Scrobble.objects.filter(local_hour__lt=6).delete()
    assert_exact()
    Track.objects.filter(title="Song 3").delete()  # cascades to its plays
    Album.objects.filter(title="Björk LP").delete()  # its plays lose their album (SET NULL)
    assert_exact()
    assert not TrackTotal.objects.filter(plays=0).exists() and not ArtistMonth.objects.filter(plays=0).exists()


def test_an_artist_merge_moves_the_figures():
    scrobble_ingest(plays=_history(), source="lastfm")
    # "Björk (IS)" holds the same songs as "Björk" on another album, and one of the same album: tracks clash.
    twin = make_artist("Björk (IS)")
    for track in Track.objects.filter(artist__name="Björk")[:2]:
        copy = Track.objects.create(title=track.title, title_key=track.title_key, artist=twin, album=None)
        make_scrobble(copy, utc(2025, 5, 5, 12, track.pk % 60))
    kept = Artist.objects.get(name="Björk")
    artist_merge(target=kept, others=[twin])
    assert_exact()
    assert ArtistMonth.objects.filter(artist_id=twin.pk).count() == 0
    assert (ArtistMonth.objects.filter(artist_id=kept.pk).aggregate(n=Sum("plays"))["n"]
            == Scrobble.objects.filter(artist=kept).count())


def test_edits_move_plays_between_groups():
    scrobble_ingest(plays=_history(), source="lastfm")
    play = Scrobble.objects.order_by("played_at").first()
    other = Track.objects.exclude(pk=play.track_id).first()
    play.track, play.artist_id, play.album_id = other, other.artist_id, other.album_id
    play.played_at += timedelta(days=40)
    play.local_date += timedelta(days=40)
    play.ms_played = 123
    play.save()
    Scrobble.objects.filter(pk=play.pk).update(loved=True)  # a column that counts for nothing
    assert_exact()


def test_rebuild_recomputes_what_was_broken_and_the_command_reports_it(capsys):
    scrobble_ingest(plays=_history(), source="lastfm")
    with connection.cursor() as cursor:  # someone edits the database by hand, around the triggers
        cursor.execute("DELETE FROM tracker_artistmonth")
        cursor.execute("UPDATE tracker_tracktotal SET plays = plays + 5")
    assert stored() != expected()
    assert rollups_rebuild() == 60
    assert_exact()
    call_command("rollups_rebuild")
    assert "Rollups rebuilt from 60 plays" in capsys.readouterr().out
    assert_exact()


def test_track_totals_know_each_tracks_first_and_last_play_after_deletes():
    track = make_track("Roads", make_album("Dummy", make_artist("Portishead")))
    plays = [make_scrobble(track, utc(2024, 1, day, 12)) for day in (1, 5, 9)]
    plays[0].delete()
    plays[2].delete()
    total = TrackTotal.objects.get(track_id=track.pk)
    assert (total.plays, total.first_played_at, total.last_played_at) == (1, utc(2024, 1, 5, 12), utc(2024, 1, 5, 12))
    assert Scrobble.objects.filter(track=track).aggregate(n=Count("*"))["n"] == 1


def test_an_ingest_under_a_debug_cursor_keeps_the_rollups():
    """DEBUG's cursor formats each statement with its parameters: strftime's '%w' must not reach it."""
    with CaptureQueriesContext(connection):  # the debug cursor, as under DEBUG=True
        result = scrobble_ingest(plays=[Play("Portishead", "Roads", utc(2024, 3, 1, 20, 7, 3))], source="lastfm")
    assert result.added == 1
    assert list(TrackTotal.objects.values_list("plays", flat=True)) == [1]
