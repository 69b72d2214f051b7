"""Generators drawn from the history and the shelf: rediscover, shelf, time of day, on this day.

Each on a small hand-made history: the right tracks with their reasons, the parameters checked,
the same playlist for the same seed under the common constraints, a clear message when nothing fits.
"""

import random
from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from catalog.models import Album, Track
from playlists.generators import generator_get
from playlists.generators.base import GeneratorError, params_clean
from playlists.generators.on_this_day import same_day_in
from playlists.services.playlists import playlist_generate
from tests.factories import make_album, make_artist, make_copy, make_scrobble, make_track, utc

pytestmark = pytest.mark.django_db

PARIS = "Europe/Paris"


def _candidates(algorithm: str, **raw) -> dict[str, tuple[str, float]]:
    """{track title: (reason, weight)} of the generator's draft for `raw` parameters."""
    generator = generator_get(algorithm)
    draft = generator.draft(params_clean(generator, raw), random.Random(1))
    titles = {c.track_id: c for c in draft.candidates}
    names = dict(Track.objects.filter(pk__in=titles).values_list("pk", "title"))
    return {names[pk]: (c.reason, c.weight) for pk, c in titles.items()}


def _entries(playlist) -> list[tuple[int, int, str]]:
    return [(e.track_id, e.track.artist_id, e.reason) for e in playlist.entries.select_related("track")]


def _assert_same_for_a_seed_and_constrained(algorithm: str, params: dict, *, max_per_artist: int = 2) -> None:
    params = {**params, "max_per_artist": max_per_artist, "length": 9}
    first = _entries(playlist_generate(algorithm=algorithm, params=params, seed=11))
    again = _entries(playlist_generate(algorithm=algorithm, params=params, seed=11))
    assert first == again
    others = [_entries(playlist_generate(algorithm=algorithm, params=params, seed=seed)) for seed in range(1, 6)]
    assert any(other != first for other in others), "the seed changes the draw"
    for entries in [first, *others]:
        artists = [artist for _, artist, _ in entries]
        assert len(entries) == 9
        assert all(a != b for a, b in zip(artists, artists[1:])), "one artist twice in a row"
        assert max(Counter(artists).values()) <= max_per_artist
        assert len({track for track, _, _ in entries}) == len(entries)


def _band_tracks(bands: int = 5, tracks: int = 4):
    """`bands` artists with an album of `tracks` tracks each."""
    result = []
    for b in range(bands):
        artist = make_artist(f"Band {b}")
        album = make_album(f"Album {b}", artist)
        result += [make_track(f"Song {b}.{t}", album, duration_ms=200_000) for t in range(tracks)]
    return result


def _error(algorithm: str, **params) -> str:
    with pytest.raises(GeneratorError) as caught:
        playlist_generate(algorithm=algorithm, params=params, seed=1)
    return str(caught.value)


# --- rediscover ---------------------------------------------------------------------------------
@pytest.fixture
def old_favourites():
    portishead, massive = make_artist("Portishead"), make_artist("Massive Attack")
    dummy, mezzanine = make_album("Dummy", portishead), make_album("Mezzanine", massive)
    roads, glory_box = make_track("Roads", dummy), make_track("Glory Box", dummy)
    angel, teardrop = make_track("Angel", mezzanine), make_track("Teardrop", mezzanine)
    for n in range(6):
        make_scrobble(roads, utc(2019, 3, 1 + n, 20))
        make_scrobble(glory_box, utc(2019, 3, 1 + n, 21))
    make_scrobble(glory_box, timezone.now() - timedelta(days=10))  # played again lately
    make_scrobble(angel, utc(2018, 5, 1, 20))
    make_scrobble(angel, utc(2018, 5, 2, 20))
    make_scrobble(teardrop, utc(2020, 7, 4, 20), loved=True)


def test_it_rediscovers_much_played_and_loved_tracks_left_aside(old_favourites):
    chosen = _candidates("rediscover")
    assert set(chosen) == {"Roads", "Teardrop"}  # Glory Box was played lately, Angel only twice
    assert chosen["Roads"][0] == "Played 6 times, last in March 2019"
    assert chosen["Teardrop"][0] == "Loved, played once, last in July 2020"


def test_it_weighs_plays_and_loving(old_favourites):
    chosen = _candidates("rediscover", min_plays=2)
    assert set(chosen) == {"Roads", "Teardrop", "Angel"}
    assert chosen["Roads"][1] > chosen["Angel"][1]  # 6 plays against 2
    assert chosen["Teardrop"][1] > chosen["Angel"][1]  # loved, with fewer plays


def test_it_keeps_only_loved_tracks_when_asked(old_favourites):
    assert set(_candidates("rediscover", loved_only=True)) == {"Teardrop"}
    assert set(_candidates("rediscover", loved_only="false")) == {"Roads", "Teardrop"}


def test_it_says_what_to_change_when_nothing_is_old_enough(old_favourites):
    assert _error("rediscover", months=120) == (
        "Nothing played more than 120 months ago with 5 plays or more: lower min_plays or months.")
    assert "loved_only" in _error("rediscover", months=120, loved_only=True)


def test_it_checks_the_rediscover_parameters():
    for params, name in (({"months": 0}, "months"), ({"months": 601}, "months"), ({"min_plays": "many"}, "min_plays"),
                         ({"length": 0}, "length")):
        assert _error("rediscover", **params).startswith(f"{name}: ")


def test_it_rediscovers_the_same_for_a_seed_under_the_constraints():
    for n, track in enumerate(_band_tracks()):
        for day in range(1 + n % 3, 7):
            make_scrobble(track, utc(2018, 1, day, n % 24))
    _assert_same_for_a_seed_and_constrained("rediscover", {})


def test_it_rediscovers_nothing_in_an_empty_library():
    assert "lower min_plays or months" in _error("rediscover")


# --- from the shelf -----------------------------------------------------------------------------
@pytest.fixture
def shelf():
    portishead, massive = make_artist("Portishead"), make_artist("Massive Attack")
    radiohead = make_artist("Radiohead")
    # Dummy on vinyl, two copies, its Discogs tracklist never played.
    dummy = make_album("Dummy", portishead, format="Vinyl")
    make_track("Mysterons", dummy)
    make_track("Sour Times", dummy)
    make_copy(dummy, 1, date_added=utc(2021, 3, 10, 12))
    make_copy(dummy, 2, date_added=utc(2023, 5, 1, 12))
    # A CD edition of Mezzanine as heard (last played in 2019), with its own tracklist too.
    heard = make_album("Mezzanine", massive)
    teardrop = make_track("Teardrop", heard)
    make_scrobble(teardrop, utc(2019, 8, 3, 20))
    make_scrobble(make_track("Angel", heard), utc(2019, 8, 3, 21))
    mezzanine_cd = make_album("Mezzanine (CD)", massive, format="CD", listened_album=heard)
    make_track("Teardrop", mezzanine_cd)  # the same song as the history's: counted once
    make_track("Exchange", mezzanine_cd)
    make_copy(mezzanine_cd, 3, date_added=utc(2020, 1, 15, 12))
    # OK Computer on vinyl, played lately.
    ok_computer = make_album("OK Computer", radiohead, format="Vinyl")
    make_scrobble(make_track("Airbag", ok_computer), timezone.now() - timedelta(days=5))
    make_copy(ok_computer, 4, date_added=utc(2022, 6, 1, 12))
    # Sold, and a cassette without a known track.
    blue_lines = make_album("Blue Lines", massive, format="Vinyl")
    make_track("Safe from Harm", blue_lines)
    make_copy(blue_lines, 5, date_added=utc(2019, 1, 1, 12), removed_at=utc(2024, 1, 1, 12))
    make_copy(make_album("Demo tape", radiohead, format="Cassette"), 6, date_added=utc(2024, 2, 2, 12))


def test_it_draws_owned_records_tracks_with_their_story(shelf):
    chosen = _candidates("shelf")
    assert set(chosen) == {"Mysterons", "Sour Times", "Teardrop", "Angel", "Exchange", "Airbag"}
    assert chosen["Mysterons"][0] == "On your shelf (Vinyl, added March 2021), never played"
    assert chosen["Exchange"][0] == "On your shelf (CD, added January 2020), last played August 2019"
    assert chosen["Airbag"][0].startswith("On your shelf (Vinyl, added June 2022), last played ")


def test_it_takes_a_song_on_the_record_and_in_the_history_once_as_heard(shelf):
    generator = generator_get("shelf")
    draft = generator.draft(params_clean(generator, {}), random.Random(1))
    teardrops = Track.objects.filter(pk__in=[c.track_id for c in draft.candidates], title="Teardrop")
    assert [t.album.title for t in teardrops] == ["Mezzanine"]  # the history's, not the CD's tracklist entry


def test_it_draws_from_a_bounded_number_of_records_picked_by_the_seed(monkeypatch):
    monkeypatch.setattr("playlists.generators.shelf.RECORDS", 2)
    tracks = _band_tracks(bands=5, tracks=2)
    for n, album in enumerate(Album.objects.filter(pk__in={t.album_id for t in tracks}).order_by("pk")):
        make_copy(album, n + 1)
    generator = generator_get("shelf")

    def albums_drawn(seed: int) -> set[int]:
        draft = generator.draft(params_clean(generator, {}), random.Random(seed))
        return set(Track.objects.filter(pk__in=[c.track_id for c in draft.candidates]).values_list("album_id",
                                                                                                  flat=True))

    assert len(albums_drawn(1)) == 2
    assert albums_drawn(1) == albums_drawn(1)
    assert len(set().union(*(albums_drawn(seed) for seed in range(10)))) > 2


def test_it_keeps_never_or_not_recently_played_records(shelf):
    assert set(_candidates("shelf", played="never")) == {"Mysterons", "Sour Times"}
    assert set(_candidates("shelf", played="not_recently")) == {"Mysterons", "Sour Times", "Teardrop", "Angel",
                                                                "Exchange"}
    assert set(_candidates("shelf", played="not_recently", months=600)) == {"Mysterons", "Sour Times"}


def test_it_keeps_one_format(shelf):
    assert set(_candidates("shelf", format="Vinyl")) == {"Mysterons", "Sour Times", "Airbag"}
    assert _error("shelf", format="CD", played="never") == (
        "Every CD record on your shelf has been played: choose played any or not_recently.")


def test_it_weighs_each_record_alike_and_better_rated_higher():
    artist = make_artist("Stereolab")
    long_one = make_album("Long", artist, format="Vinyl")
    short_one = make_album("Short", artist, format="Vinyl")
    for n in range(4):
        make_track(f"Long {n}", long_one)
    make_track("Short 0", short_one)
    make_copy(long_one, 1, rating=0)
    make_copy(short_one, 2, rating=4)
    chosen = _candidates("shelf")
    assert sum(weight for title, (_, weight) in chosen.items() if title.startswith("Long")) == pytest.approx(1)
    assert chosen["Short 0"][1] == pytest.approx(5)


def test_it_says_when_no_record_fits(shelf):
    assert _error("shelf", format="Cassette") == (
        "No Cassette record that fits has known tracks yet: tracklists come from Discogs after a sync, or from plays.")
    assert _error("shelf", format="Box Set") == "No Box Set record on your shelf: choose another format, or any."
    assert _error("shelf", played="not_recently", format="CD", months=600) == (
        "Every CD record on your shelf was played in the last 600 months: lower months or choose played any.")


def test_it_checks_the_shelf_parameters():
    for params, name in (({"played": "sometimes"}, "played"), ({"format": "8-track"}, "format"),
                         ({"months": 0}, "months")):
        assert _error("shelf", **params).startswith(f"{name}: ")


def test_it_draws_the_same_shelf_for_a_seed_under_the_constraints():
    tracks = _band_tracks()
    for n, album_id in enumerate(sorted({t.album_id for t in tracks})):
        make_copy(Album.objects.get(pk=album_id), n + 1)
    _assert_same_for_a_seed_and_constrained("shelf", {"played": "never"})


def test_it_says_the_shelf_is_empty():
    make_track("Roads", make_album("Dummy", make_artist("Portishead")))  # known, not owned
    assert _error("shelf") == "No record on your shelf: sync your Discogs collection first."


# --- time of day --------------------------------------------------------------------------------
def _local(day: date, hour: int, minute: int = 10) -> datetime:
    """An instant of the local day and hour in TIME_ZONE (as the test set it)."""
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def _weekday_before(weekday: int, *, days_ago: int) -> date:
    """The last `weekday` (0 = Monday) at least `days_ago` days before today."""
    day = timezone.localdate() - timedelta(days=days_ago)
    return day - timedelta(days=(day.weekday() - weekday) % 7)


@pytest.fixture
def paris(settings):
    settings.TIME_ZONE = PARIS


def test_it_draws_what_is_played_at_this_hour_this_weekday_most(paris):
    artists = [make_artist(name) for name in ("Nick Drake", "Low", "Slowdive", "Cocteau Twins", "Mogwai")]
    morning, near, monday, evening, old = (make_track(title, artist=artist) for title, artist in
                                           zip(("Pink Moon", "Sunflower", "Alison", "Heaven", "Auto Rock"), artists))
    sunday = _weekday_before(6, days_ago=10)
    for week in range(3):
        make_scrobble(morning, _local(sunday - timedelta(weeks=week), 9))
    make_scrobble(near, _local(sunday, 8, 30))
    make_scrobble(monday, _local(sunday + timedelta(days=1), 9))
    make_scrobble(monday, _local(sunday - timedelta(days=6), 9))
    make_scrobble(evening, _local(sunday, 20))
    make_scrobble(old, _local(sunday - timedelta(weeks=60), 9))
    chosen = _candidates("time_of_day", hour=9, weekday=6)
    assert set(chosen) == {"Pink Moon", "Sunflower", "Alison"}
    assert chosen["Pink Moon"] == ("You played it 3 times on Sunday mornings around 9", 18)
    assert chosen["Sunflower"] == ("You played it once on Sunday mornings around 9", 3)
    assert chosen["Alison"] == ("You played it 2 times around 9 on other days", 4)
    assert "Auto Rock" in _candidates("time_of_day", hour=9, weekday=6, days=500)
    assert playlist_generate(algorithm="time_of_day", params={"hour": 9, "weekday": 6}, seed=1).name == \
        "Sunday, 9 o'clock"


def test_it_counts_the_local_day_of_a_play_near_midnight(paris):
    after, before, other = (make_track(title, artist=make_artist(name)) for title, name in
                            (("Night", "Burial"), ("Eve", "Boards of Canada"), ("Late", "Aphex Twin")))
    monday = _weekday_before(0, days_ago=10)
    # 23:30 UTC on Sunday is already Monday in Paris (00:30 or 01:30).
    sunday_utc = datetime(monday.year, monday.month, monday.day, tzinfo=ZoneInfo("UTC")) - timedelta(minutes=30)
    make_scrobble(after, sunday_utc)
    make_scrobble(before, _local(monday - timedelta(days=1), 23, 30))  # the hour before Monday's midnight
    make_scrobble(other, _local(monday, 23, 30))  # Monday, but the eve of Tuesday
    chosen = _candidates("time_of_day", hour=0, weekday=0)
    assert chosen["Night"][0] == "You played it once on Monday nights around 0"
    assert chosen["Eve"][0] == "You played it once on Monday nights around 0"
    assert chosen["Late"][0] == "You played it once around 0 on other days"


def test_blank_hour_and_weekday_follow_the_clock_at_each_draw(paris, monkeypatch):
    """Stored blank, so a weekly refresh draws for the hour it runs at, not the one it was made at."""
    sunday_nine, monday_eighteen = utc(2024, 6, 2, 7, 15), utc(2024, 6, 3, 16, 5)  # in Paris
    morning, evening = _band_tracks()[:2]
    make_scrobble(morning, utc(2024, 5, 26, 7, 10))
    make_scrobble(evening, utc(2024, 5, 27, 16, 20))
    cleaned = params_clean(generator_get("time_of_day"), {})
    assert (cleaned["hour"], cleaned["weekday"], cleaned["days"]) == (None, None, 365)
    drafts = []
    for now in (sunday_nine, monday_eighteen):
        monkeypatch.setattr(timezone, "now", lambda now=now: now)
        drafts.append(generator_get("time_of_day").draft(cleaned, random.Random(1)))
    assert [d.name for d in drafts] == ["Sunday, 9 o'clock", "Monday, 18 o'clock"]
    assert [[c.track_id for c in d.candidates] for d in drafts] == [[morning.pk], [evening.pk]]


def test_it_checks_the_time_of_day_parameters():
    for params, name in (({"hour": 24}, "hour"), ({"hour": -1}, "hour"), ({"weekday": 7}, "weekday"),
                         ({"days": 0}, "days"), ({"days": "a year"}, "days")):
        assert _error("time_of_day", **params).startswith(f"{name}: ")


def test_it_draws_the_same_hour_for_a_seed_under_the_constraints():
    wednesday = _weekday_before(2, days_ago=3)
    for n, track in enumerate(_band_tracks()):
        for week in range(1 + n % 3):
            make_scrobble(track, _local(wednesday - timedelta(weeks=week), 18 + n % 3))
    _assert_same_for_a_seed_and_constrained("time_of_day", {"hour": 19, "weekday": 2})


def test_it_finds_no_habit_in_an_empty_library():
    assert _error("time_of_day", hour=9, weekday=6) == (
        "Nothing played around 9 o'clock in the last 365 days: pick another hour or more days.")


# --- on this day --------------------------------------------------------------------------------
def test_it_draws_what_was_played_on_this_day_in_earlier_years(paris):
    titles = ("Unfinished Sympathy", "Karmacoma", "Protection", "Sly", "Hymn of the Big Wheel")
    anniversary, edge, this_year, later, midnight = (make_track(title, artist=make_artist(f"Artist {title}"))
                                                     for title in titles)
    make_scrobble(anniversary, _local(date(2019, 12, 2), 12))
    make_scrobble(anniversary, _local(date(2021, 12, 3), 12))
    make_scrobble(anniversary, _local(date(2022, 11, 30), 12))
    make_scrobble(edge, utc(2020, 11, 28, 23, 30))  # 29 November in Paris: inside the window
    make_scrobble(midnight, utc(2020, 12, 5, 23, 30))  # 6 December in Paris: outside
    make_scrobble(this_year, _local(date(2024, 12, 1), 12))
    make_scrobble(later, _local(date(2020, 12, 10), 12))
    chosen = _candidates("on_this_day", day="2024-12-02")
    assert set(chosen) == {"Unfinished Sympathy", "Karmacoma"}
    assert chosen["Unfinished Sympathy"] == ("Played on 30 November 2022 (and 2 other years)", 9)
    assert chosen["Karmacoma"][0] == "Played on 29 November 2020"
    assert set(_candidates("on_this_day", day="2024-12-02", window=0)) == {"Unfinished Sympathy"}
    assert _candidates("on_this_day", day="2024-12-02", window=0)["Unfinished Sympathy"][0] == \
        "Played on 2 December 2019"
    assert "Sly" in _candidates("on_this_day", day="2024-12-02", window=8)
    assert playlist_generate(algorithm="on_this_day", params={"day": "2024-12-02"}, seed=1).name == \
        "On this day: 2 December"


def test_it_finds_29_february_in_common_years():
    assert same_day_in(2023, date(2024, 2, 29)) == date(2023, 2, 28)
    assert same_day_in(2020, date(2024, 2, 29)) == date(2020, 2, 29)
    make_scrobble(make_track("Leap", artist=make_artist("Kate Bush")), utc(2023, 2, 28, 12))
    assert set(_candidates("on_this_day", day="2024-02-29", window=0)) == {"Leap"}


def test_it_checks_the_on_this_day_parameters():
    for params, name in (({"day": "yesterday"}, "day"), ({"window": 16}, "window"), ({"window": -1}, "window")):
        assert _error("on_this_day", **params).startswith(f"{name}: ")


def test_it_draws_the_same_day_for_a_seed_under_the_constraints():
    for n, track in enumerate(_band_tracks()):
        for year in range(2018, 2019 + n % 4):
            make_scrobble(track, utc(year, 12, 1 + n % 3, 12))
    _assert_same_for_a_seed_and_constrained("on_this_day", {"day": "2024-12-02"})


def test_it_finds_no_day_in_an_empty_library():
    assert _error("on_this_day", day="2024-12-02") == (
        "Nothing played within 3 days of 2 December in earlier years: widen the window or pick another day.")
