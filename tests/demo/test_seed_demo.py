"""seed_demo: deterministic for a seed, idempotent, realistic in shape, and a well-behaved command."""

import hashlib
import random
import re
from datetime import date, datetime, timedelta
from io import StringIO
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from catalog.models import (
    Album,
    AlbumArtist,
    AlbumTag,
    Artist,
    ArtistSimilar,
    ArtistTag,
    CollectionItem,
    Label,
    Tag,
    Track,
)
from demo.services.catalog import catalog_plan
from demo.services.seed import DemoSeedError, demo_seed
from tests.factories import make_listening_history
from tracker.models import Scrobble

END = date(2025, 6, 30)
SMALL = {"scrobbles": 2_000, "artists": 20, "albums": 60, "tracks": 600, "end": END}
MODELS = [Tag, Label, Artist, Album, AlbumArtist, Track, ArtistTag, AlbumTag, ArtistSimilar, CollectionItem, Scrobble]


def seed(**overrides):
    return demo_seed(**{**SMALL, "seed": 7, **overrides})


def fingerprint() -> str:
    """A hash of what a user sees: names, titles, years, formats, plays and their times."""
    parts = [
        Artist.objects.order_by("name").values_list("name", "sort_name", "bio", "popularity", "followers"),
        Album.objects.order_by("artist__name", "title", "format").values_list(
            "artist__name", "title", "year", "format", "format_descriptions", "catalog_number", "label__name",
            "discogs_release_id"),
        Track.objects.order_by("album__artist__name", "album__title", "number").values_list(
            "artist__name", "album__title", "number", "title", "duration_ms", "position"),
        Scrobble.objects.order_by("played_at").values_list(
            "track__title", "artist__name", "album__title", "played_at", "local_date", "local_hour", "source",
            "loved", "ms_played"),
        CollectionItem.objects.order_by("discogs_instance_id").values_list(
            "album__title", "album__format", "discogs_instance_id", "folder_name", "date_added", "rating"),
        ArtistSimilar.objects.order_by("artist__name", "similar__name").values_list(
            "artist__name", "similar__name", "match"),
    ]
    return hashlib.sha256(repr([list(rows) for rows in parts]).encode()).hexdigest()


def empty_library() -> None:
    Scrobble.objects.all().delete()
    CollectionItem.objects.all().delete()
    Track.objects.all().delete()
    AlbumArtist.objects.all().delete()
    Album.objects.filter(listened_album__isnull=False).delete()
    Album.objects.all().delete()
    Artist.objects.all().delete()
    Label.objects.all().delete()
    Tag.objects.all().delete()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.mark.django_db
def test_it_gives_the_same_library_for_the_same_seed():
    seed()
    first = fingerprint()
    empty_library()
    seed()
    assert fingerprint() == first


@pytest.mark.django_db
def test_it_gives_another_library_for_another_seed():
    seed()
    first = fingerprint()
    empty_library()
    seed(seed=8)
    assert fingerprint() != first


@pytest.mark.django_db
def test_it_writes_the_same_rows_whatever_the_chunk_size():
    seed(chunk_size=50_000)
    first = fingerprint()
    empty_library()
    seed(chunk_size=150)
    assert fingerprint() == first


@pytest.mark.django_db
def test_it_is_idempotent_when_run_twice():
    first = seed()
    after_once, print_once = counts(), fingerprint()
    second = seed()
    assert counts() == after_once
    assert fingerprint() == print_once
    assert (first.new_scrobbles, second.new_scrobbles) == (2_000, 0)
    assert not Artist.objects.values("name_key").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert not Album.objects.values("artist", "title_key", "format").annotate(n=Count("id")).filter(n__gt=1).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("order", ["-played_at", "played_at"])
def test_it_restores_deleted_demo_plays(order):
    seed()
    complete = fingerprint()
    cut = list(Scrobble.objects.order_by(order).values_list("id", flat=True)[:700])
    Scrobble.objects.filter(id__in=cut).delete()
    result = seed()
    assert result.new_scrobbles == 700
    assert fingerprint() == complete


@pytest.mark.django_db
def test_it_keeps_real_data_and_never_overwrites_an_artist():
    history = make_listening_history(plays_per_day=4, days=2)
    plan = catalog_plan(rng=random.Random("demo-catalog:7"), artists=20, albums=60, tracks=600, copies=30,
                        end=datetime(2025, 6, 30, tzinfo=ZoneInfo("UTC")))
    namesake = Artist.objects.create(name=plan.artists[0].name, bio="Written by hand.", popularity=3)
    seed()
    namesake.refresh_from_db()
    assert (namesake.bio, namesake.popularity) == ("Written by hand.", 3)
    assert Artist.objects.filter(name__in=["Portishead", "Massive Attack"]).count() == 2
    assert Scrobble.objects.filter(id__in=[play.id for play in history]).count() == len(history)
    assert Scrobble.objects.count() == len(history) + 2_000
    assert Artist.objects.count() == 2 + 20


@pytest.mark.django_db
@pytest.mark.parametrize("other", [{"end": END + timedelta(days=1)}, {"end": END - timedelta(days=1)},
                                   {"scrobbles": 1_500}, {"days": 1_000}])
def test_it_refuses_a_second_different_history_over_the_demo_tracks(other):
    seed()
    before = counts()
    with pytest.raises(DemoSeedError, match="different listening history"):
        seed(**other)
    assert counts() == before


@pytest.mark.django_db
def test_it_builds_a_library_of_the_requested_size():
    result = seed()
    assert (Artist.objects.count(), Track.objects.count(), Scrobble.objects.count()) == (20, 600, 2_000)
    assert Album.objects.filter(listened_album__isnull=True).count() == 60
    assert CollectionItem.objects.count() == result.copies == 30
    track_counts = (Album.objects.filter(listened_album__isnull=True).annotate(n=Count("tracks"))
                    .values_list("n", flat=True))
    assert 8 <= sum(track_counts) / len(track_counts) <= 12
    assert (Track.objects.filter(duration_ms__lt=120_000).count()
            == Track.objects.filter(duration_ms__gt=420_000).count() == 0)


@pytest.mark.django_db
def test_it_spreads_plays_over_the_period_with_daily_rhythms():
    seed()
    dates = Scrobble.objects.order_by("local_date").values_list("local_date", flat=True)
    assert dates.first() <= END - timedelta(days=1096 - 10)
    assert dates.last() >= END - timedelta(days=5)
    by_hour = dict(Scrobble.objects.values_list("local_hour").annotate(n=Count("id")))
    assert by_hour.get(20, 0) > 5 * by_hour.get(4, 0)
    assert by_hour.get(8, 0) > by_hour.get(5, 0)  # the morning commute
    quiet_days = 1096 - Scrobble.objects.values("local_date").distinct().count()
    assert quiet_days > 20
    top_artist_plays = Scrobble.objects.values("artist").annotate(n=Count("id")).order_by("-n")[0]["n"]
    assert top_artist_plays > 2_000 / 20 * 2  # Zipf-like: a few artists dominate
    sources = set(Scrobble.objects.values_list("source", flat=True))
    assert sources == {"lastfm", "spotify", "listenbrainz"}
    assert not Scrobble.objects.filter(ms_played__isnull=True).exists()


@pytest.mark.django_db
def test_it_keeps_the_daily_rhythm_when_more_is_played_than_a_day_holds():
    seed(days=8)  # 250 plays a day: packed by hour
    by_hour = dict(Scrobble.objects.values_list("local_hour").annotate(n=Count("id")))
    assert by_hour[21] > 10 * by_hour[4]
    assert by_hour[8] > by_hour[5]
    plays = list(Scrobble.objects.order_by("played_at").values_list("played_at", "ms_played", "track__duration_ms"))
    assert all(a[0] < b[0] for a, b in pairwise(plays))
    assert all(0 < ms_played <= duration for _, ms_played, duration in plays)


@pytest.mark.django_db
def test_it_plays_albums_in_track_order():
    seed(days=120)  # about 17 plays a day, as in the default library
    plays = list(Scrobble.objects.order_by("played_at").values_list("album_id", "track__number", "played_at",
                                                                    "ms_played"))
    in_order = sum(1 for a, b in pairwise(plays) if a[0] == b[0] and b[1] == a[1] + 1)
    assert in_order > len(plays) / 3
    gaps = [(b[2] - a[2]).total_seconds() * 1000 - a[3]
            for a, b in pairwise(plays) if a[0] == b[0] and b[1] == a[1] + 1]
    assert sorted(gaps)[len(gaps) // 2] == pytest.approx(0, abs=1000)  # the next track starts when one ends


@pytest.mark.django_db
def test_it_stores_local_date_and_hour_of_the_time_zone(settings):
    settings.TIME_ZONE = "America/New_York"
    seed(scrobbles=800)
    zone = ZoneInfo("America/New_York")
    for played_at, local_date, local_hour in Scrobble.objects.values_list("played_at", "local_date", "local_hour"):
        local = played_at.astimezone(zone)
        assert (local.date(), local.hour) == (local_date, local_hour)


@pytest.mark.django_db
def test_it_loves_some_tracks_and_marks_their_plays():
    seed()
    loved = Scrobble.objects.filter(loved=True)
    assert 0 < loved.count() < Scrobble.objects.count() / 5
    loved_tracks = set(loved.values_list("track_id", flat=True))
    assert not Scrobble.objects.filter(track_id__in=loved_tracks, loved=False).exists()


@pytest.mark.django_db
def test_it_fills_a_record_collection_with_formats_labels_and_years():
    seed()
    owned = Album.objects.filter(copies__isnull=False).distinct()
    assert not owned.filter(format="").exists()
    assert not owned.filter(label__isnull=True).exists()
    assert not owned.filter(year__isnull=True).exists()
    assert owned.filter(format="Vinyl", format_descriptions__contains="LP").exists()
    assert not owned.filter(discogs_release_id__isnull=True).exists()
    assert owned.exclude(catalog_number="").count() == owned.count()
    assert owned.filter(scrobbles__isnull=True, listened_album__isnull=True).exists()  # owned, never played
    copies = CollectionItem.objects.all()
    assert copies.exclude(folder_name="").count() == copies.count()
    assert not copies.filter(date_added__isnull=True).exists()
    assert copies.filter(rating__gt=0).exists()


@pytest.mark.django_db
def test_it_links_similar_artists_and_tags():
    seed()
    assert ArtistSimilar.objects.filter(source="lastfm").count() >= 20 * 3
    assert not ArtistSimilar.objects.filter(match__lt=0).exists()
    assert not ArtistSimilar.objects.filter(match__gt=1).exists()
    assert ArtistTag.objects.values("artist").distinct().count() == 20
    assert AlbumTag.objects.exists()
    assert Artist.objects.exclude(bio="").exists()
    assert Artist.objects.filter(lastfm_listeners__isnull=False).exists()
    assert not Artist.objects.exclude(image_url="").exists()  # placeholders are drawn by the page
    assert not Album.objects.exclude(cover_url="").exists()


@pytest.mark.django_db
def test_it_invents_some_names_with_accents():
    seed(artists=150, albums=300, tracks=3_000, scrobbles=0)
    names = list(Artist.objects.values_list("name", flat=True))
    assert any(not name.isascii() for name in names)
    assert len(set(names)) == 150


@pytest.mark.django_db
def test_the_command_prints_a_one_line_summary():
    out, err = StringIO(), StringIO()
    call_command("seed_demo", "--scrobbles", "500", "--artists", "10", "--albums", "30", "--tracks", "300",
                 "--end", "2025-06-30", stdout=out, stderr=err)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    assert re.fullmatch(
        r"Seeded 10 artists, 30 albums, 300 tracks, 500 scrobbles, 15 copies in [\d.]+ s \([\d,]+ scrobbles/s\)",
        lines[0])
    assert "Scrobbles 500/500 (100%)" in err.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("args, reason", [
    (["--scrobbles", "-5"], "--scrobbles must be 0 or more"),
    (["--artists", "10", "--albums", "5"], "must be at least --artists"),
    (["--albums", "60", "--tracks", "10", "--artists", "5"], "must be at least --albums"),
    (["--end", "yesterday"], "--end must be a date"),
    (["--days", "0"], "--days must be 1 or more"),
])
def test_the_command_rejects_bad_arguments(args, reason):
    with pytest.raises(CommandError, match=reason):
        call_command("seed_demo", *args, stdout=StringIO(), stderr=StringIO())
    assert Scrobble.objects.count() == Artist.objects.count() == 0
