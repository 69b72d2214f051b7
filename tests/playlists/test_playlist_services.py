"""The draw every generator shares, and the edits a user makes to a playlist."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from playlists.generators.base import Candidate, Draft, GeneratorError, assemble, params_clean
from playlists.generators.top import GENERATOR as TOP
from playlists.models import Playlist
from playlists.services.playlists import (
    playlist_duplicate,
    playlist_entry_move,
    playlist_entry_remove,
    playlist_generate,
    playlist_regenerate,
    playlist_tracks_set,
    playlist_update,
    playlists_refresh_due,
)
from tests.factories import make_album, make_artist, make_scrobble, make_track

pytestmark = pytest.mark.django_db


def candidates(per_artist: int, artists: int, duration_ms: int | None = 200_000) -> list[Candidate]:
    return [Candidate(track_id=a * 100 + t, artist_id=a, duration_ms=duration_ms, reason=f"{a}/{t}")
            for a in range(artists) for t in range(per_artist)]


def drawn(draft: Draft, seed: int = 7, **params) -> list[Candidate]:
    return assemble(draft, params={"length": 30, "max_per_artist": 3, **params}, rng=random.Random(seed))


def test_the_draw_never_plays_an_artist_twice_in_a_row_nor_more_than_allowed():
    chosen = drawn(Draft(candidates(per_artist=10, artists=4)), length=12, max_per_artist=3)
    artists = [c.artist_id for c in chosen]
    assert len(chosen) == 12
    assert all(a != b for a, b in zip(artists, artists[1:]))
    assert max(artists.count(a) for a in set(artists)) == 3


def test_the_same_seed_draws_the_same_playlist_and_another_seed_another():
    draft = Draft(candidates(per_artist=10, artists=10))
    assert drawn(draft, seed=1) == drawn(draft, seed=1)
    assert drawn(draft, seed=1) != drawn(draft, seed=2)


def test_a_chart_keeps_its_order():
    draft = Draft(candidates(per_artist=1, artists=8), keep_order=True)
    assert [c.artist_id for c in drawn(draft)] == list(range(8))


def test_a_target_duration_wins_over_the_length_and_unknown_lengths_count_as_average():
    assert len(drawn(Draft(candidates(per_artist=5, artists=10, duration_ms=600_000)), minutes=30)) == 3
    assert len(drawn(Draft(candidates(per_artist=5, artists=10, duration_ms=None)), minutes=35)) == 10  # 3.5 min


def test_one_artist_alone_gives_one_track_rather_than_a_repeat():
    assert len(drawn(Draft(candidates(per_artist=10, artists=1)))) == 1


def test_heavier_candidates_are_drawn_first_more_often():
    heavy = [Candidate(1, 1, None, "heavy", weight=50.0)] + [
        Candidate(10 + i, 10 + i, None, "light", weight=1.0) for i in range(9)]
    firsts = [drawn(Draft(heavy), seed=seed, length=1)[0].track_id for seed in range(200)]
    assert firsts.count(1) > 100


def test_parameters_are_cleaned_from_text_with_a_one_line_error_naming_the_bad_one():
    assert params_clean(TOP, {"length": "12", "period": "2024"}) == {
        "length": 12, "minutes": None, "max_per_artist": 3, "period": "2024", "shuffle": False}
    with pytest.raises(GeneratorError, match="^length: Ensure this value is greater than or equal to 1.$"):
        params_clean(TOP, {"length": "0"})
    with pytest.raises(GeneratorError, match="^period: Unknown period 'yesterday'"):
        params_clean(TOP, {"period": "yesterday"})
    with pytest.raises(GeneratorError, match="^length: Ensure this value is less than or equal to 500.$"):
        params_clean(TOP, {"length": "9" * 30})


@pytest.fixture
def library():
    """Four artists of five tracks; track t of each artist played t+1 times in the last days."""
    now = timezone.now()
    for a in range(4):
        album = make_album(f"Album {a}", make_artist(f"Artist {a}"))
        for t in range(5):
            track = make_track(f"Track {a}.{t}", album, duration_ms=180_000)
            for p in range(t + 1):
                make_scrobble(track, now - timedelta(days=p, hours=a + 1))


def titles(playlist: Playlist) -> list[str]:
    return list(playlist.entries.order_by("position").values_list("track__title", flat=True))


def test_generate_stores_the_cleaned_parameters_seed_reasons_and_positions(library):
    playlist = playlist_generate(algorithm="top", params={"length": "6", "max_per_artist": "2"}, seed=5)
    assert (playlist.algorithm, playlist.seed, playlist.params["length"]) == ("top", 5, 6)
    assert playlist.name == "Top of last 30 days"
    assert titles(playlist) == ["Track 0.4", "Track 1.4", "Track 2.4", "Track 3.4", "Track 0.3", "Track 1.3"]
    assert list(playlist.entries.values_list("position", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert playlist.entries.first().reason == "#1 of the last 30 days · 5 plays"
    assert playlist.refreshed_at is not None


def test_an_empty_library_is_a_clear_message_not_an_empty_playlist():
    with pytest.raises(GeneratorError, match="No plays in last 30 days"):
        playlist_generate(algorithm="top")
    with pytest.raises(GeneratorError, match="No algorithm 'nope'; choose one of: top"):
        playlist_generate(algorithm="nope")
    assert not Playlist.objects.exists()


def test_regenerate_keeps_the_id_and_draws_again(library):
    playlist = playlist_generate(algorithm="top", params={"length": "8", "shuffle": "on"}, seed=1)
    first = titles(playlist)
    again = playlist_regenerate(playlist, seed=1)
    assert again.pk == playlist.pk and titles(again) == first
    other = next(titles(playlist_regenerate(playlist, seed=s)) for s in range(2, 50)
                 if titles(playlist_regenerate(playlist, seed=s)) != first)
    assert sorted(other) != [] and other != first
    assert Playlist.objects.count() == 1


def test_the_weekly_refresh_regenerates_only_playlists_due(library):
    due = playlist_generate(algorithm="top", params={"length": "5"}, refresh_weekly=True)
    fresh = playlist_generate(algorithm="top", params={"length": "5"}, refresh_weekly=True)
    kept = playlist_generate(algorithm="top", params={"length": "5"})
    week_ago = timezone.now() - timedelta(days=8)
    Playlist.objects.filter(pk__in=[due.pk, kept.pk]).update(refreshed_at=week_ago)
    assert playlists_refresh_due() == 1
    due.refresh_from_db(), fresh.refresh_from_db(), kept.refresh_from_db()
    assert due.refreshed_at > week_ago and kept.refreshed_at == week_ago
    assert due.entries.count() == 5


def test_a_weekly_playlist_that_no_longer_draws_keeps_its_tracks_and_says_why(library):
    playlist = playlist_generate(algorithm="top", params={"length": "5", "period": "7d"}, refresh_weekly=True)
    Playlist.objects.filter(pk=playlist.pk).update(refreshed_at=timezone.now() - timedelta(days=8))
    from tracker.models import Scrobble
    Scrobble.objects.all().delete()
    assert playlists_refresh_due() == 0
    playlist.refresh_from_db()
    assert playlist.entries.count() == 5
    assert playlist.details["refresh_error"].startswith("No plays in last 7 days")


def test_move_remove_duplicate_and_set_keep_positions_one_to_n(library):
    playlist = playlist_generate(algorithm="top", params={"length": "4"}, seed=3)
    ids = list(playlist.entries.order_by("position").values_list("pk", flat=True))
    before = titles(playlist)
    playlist_entry_move(playlist, entry_id=ids[0], offset=1)
    assert titles(playlist) == [before[1], before[0], *before[2:]]
    playlist_entry_move(playlist, entry_id=ids[3], offset=1)  # already last: nothing
    assert titles(playlist) == [before[1], before[0], *before[2:]]
    playlist_entry_remove(playlist, entry_id=ids[2])
    assert titles(playlist) == [before[1], before[0], before[3]]
    assert list(playlist.entries.order_by("position").values_list("position", flat=True)) == [1, 2, 3]
    copy = playlist_duplicate(playlist)
    assert copy.pk != playlist.pk and titles(copy) == titles(playlist) and copy.name.endswith("(copy)")
    assert not copy.refresh_weekly
    track_ids = list(playlist.entries.order_by("-position").values_list("track_id", flat=True))
    playlist_tracks_set(playlist, track_ids=track_ids)
    assert titles(playlist) == [before[3], before[0], before[1]]
    assert playlist.entries.get(position=1).reason  # reasons of tracks that stay are kept


def test_update_refuses_an_empty_name(library):
    playlist = playlist_generate(algorithm="top", params={"length": "2"})
    with pytest.raises(GeneratorError, match="needs a name"):
        playlist_update(playlist, name="  ")
    playlist_update(playlist, name="Mine", refresh_weekly=True)
    playlist.refresh_from_db()
    assert (playlist.name, playlist.refresh_weekly) == ("Mine", True)


def test_the_hourly_schedule_refreshes_weekly_playlists(library, settings):
    from django.utils.module_loading import import_string

    declared = next(s for s in settings.JOURNAL_SCHEDULES if s["name"] == "weekly playlists")
    playlist = playlist_generate(algorithm="top", params={"length": "3"}, refresh_weekly=True)
    Playlist.objects.filter(pk=playlist.pk).update(refreshed_at=timezone.now() - timedelta(days=7, minutes=1))
    assert import_string(declared["func"])() == "1 weekly playlists refreshed"
    assert declared["schedule_type"] == "H"
    from django_q.models import Schedule
    assert Schedule.objects.filter(name="weekly playlists", func=declared["func"]).exists()  # made by migrate


def test_a_name_the_algorithm_gave_follows_the_new_draw_and_a_users_name_stays(library):
    named_by_algorithm = playlist_generate(algorithm="top", params={"length": "3"})
    named_by_user = playlist_generate(algorithm="top", params={"length": "3"}, name="Mine")
    for playlist in (named_by_algorithm, named_by_user):
        playlist.params["period"] = "all"
        playlist.save()
    assert playlist_regenerate(named_by_algorithm).name == "Top of all time"
    assert playlist_regenerate(named_by_user).name == "Mine"


def test_a_flag_reads_yes_and_no_in_every_spelling_and_missing_means_its_default():
    from playlists.generators import generator_get

    similar = generator_get("similar")
    for raw, expected in (("no", False), ("off", False), ("0", False), ("false", False), (False, False),
                          ("yes", True), ("on", True), ("TRUE", True), (True, True)):
        assert params_clean(TOP, {"shuffle": raw})["shuffle"] is expected, raw
    assert params_clean(TOP, {})["shuffle"] is False
    assert params_clean(similar, {"artists": "Portishead"})["include_seeds"] is True
    with pytest.raises(GeneratorError, match="^shuffle: Enter yes or no.$"):
        params_clean(TOP, {"shuffle": "maybe"})


def test_an_unticked_box_sends_no_and_a_ticked_one_yes():
    from django.http import QueryDict

    from playlists.generators import generator_get
    from playlists.generators.base import params_form

    html = str(params_form(generator_get("similar"))["include_seeds"])
    assert html.startswith('<input type="hidden" name="include_seeds" value="no">') and "checked" in html
    unticked = QueryDict("artists=Tricky&include_seeds=no")
    ticked = QueryDict("artists=Tricky&include_seeds=no&include_seeds=on")
    for data, expected in ((unticked, False), (ticked, True)):
        form = params_form(generator_get("similar"), data)
        assert form.is_valid() and form.cleaned_data["include_seeds"] is expected


def test_names_and_descriptions_lose_what_no_database_stores(library):
    playlist = playlist_generate(algorithm="top", params={"length": "2"}, name="Late\x00 night\n" + "x" * 300)
    assert playlist.name == "Late night " + "x" * 189
    playlist_update(playlist, name="  Mine\x0b ", description="Line one\x00\nline two")
    playlist.refresh_from_db()
    assert (playlist.name, playlist.description) == ("Mine", "Line one\nline two")
