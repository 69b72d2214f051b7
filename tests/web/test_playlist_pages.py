"""The playlist pages: recipes and cards, the create form per algorithm, one playlist's edits and exports."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from playlists.models import Playlist
from playlists.services.playlists import playlist_generate
from tests.factories import make_album, make_artist, make_scrobble, make_track

pytestmark = pytest.mark.django_db


@pytest.fixture
def library():
    """Three artists of four tracks; track t of each played t+1 times in the last days."""
    now = timezone.now()
    for a, name in enumerate(("Portishead", "Massive Attack", "Tricky")):
        album = make_album(f"Album of {name}", make_artist(name), cover_url=f"https://img.example/{a}.jpg")
        for t in range(4):
            track = make_track(f"{name} song {t}", album, duration_ms=200_000)
            for p in range(t + 1):
                make_scrobble(track, now - timedelta(days=p, hours=a + 1))


def entries(playlist: Playlist) -> list[str]:
    return list(playlist.entries.order_by("position").values_list("track__title", flat=True))


def test_the_list_offers_every_recipe_and_names_only_a_real_command(owner_client):
    html = owner_client.get(reverse("playlists")).content.decode()
    assert "No playlists yet" in html
    assert f'href="{reverse("playlist_new")}?algorithm=top"' in html
    assert "python manage.py generate_playlist top" in html


def test_the_list_shows_a_card_with_covers_length_and_badges(owner_client, library):
    playlist = playlist_generate(algorithm="top", params={"length": "6"}, refresh_weekly=True)
    html = owner_client.get(reverse("playlists")).content.decode()
    assert playlist.get_absolute_url() in html
    assert "6 tracks · 20 min" in html and ">weekly</span>" in html
    assert html.count('src="https://img.example/') == 3  # a mosaic of the three different covers


def test_the_form_swaps_the_parameters_of_the_chosen_algorithm(owner_client):
    page = owner_client.get(reverse("playlist_new"), {"algorithm": "top"})
    assert page.status_code == 200 and 'name="p-period"' in page.content.decode()
    swapped = owner_client.get(reverse("playlist_new"), {"algorithm": "top"}, headers={"HX-Request": "true"})
    html = swapped.content.decode()
    assert html.lstrip().startswith('<fieldset id="playlist-params"') and 'name="p-shuffle"' in html
    assert "<html" not in html
    assert 'name="p-period"' in owner_client.get(reverse("playlist_new"), {"algorithm": "nope"}).content.decode()


def test_making_a_playlist_stores_it_and_opens_it(owner_client, library):
    response = owner_client.post(reverse("playlist_new"), {
        "algorithm": "top", "p-length": "5", "p-max_per_artist": "2", "p-period": "30d", "name": "Mine",
        "refresh_weekly": "on"})
    playlist = Playlist.objects.get()
    assert response.status_code == 302 and response["Location"] == playlist.get_absolute_url()
    assert (playlist.name, playlist.refresh_weekly, playlist.params["length"]) == ("Mine", True, 5)
    assert len(entries(playlist)) == 5


def test_a_bad_parameter_or_an_empty_library_is_shown_on_the_form(owner_client):
    bad = owner_client.post(reverse("playlist_new"), {"algorithm": "top", "p-length": "0"})
    assert bad.status_code == 422
    assert "Ensure this value is greater than or equal to 1." in bad.content.decode()
    empty = owner_client.post(reverse("playlist_new"), {"algorithm": "top", "p-length": "10"})
    assert empty.status_code == 422 and "No plays in last 30 days" in empty.content.decode()
    assert not Playlist.objects.exists()


def test_the_detail_page_shows_each_track_with_its_reason_and_plays(owner_client, library):
    playlist = playlist_generate(algorithm="top", params={"length": "4"}, seed=1)
    html = owner_client.get(playlist.get_absolute_url()).content.decode()
    first = playlist.entries.get(position=1)
    assert first.reason in html and "4 plays" in html
    assert "Top of a period" not in html or "Period" in html
    for fmt in ("m3u8", "xspf", "csv"):
        assert reverse("playlist_export", args=[playlist.pk, fmt]) in html


def test_moving_and_removing_a_track_answers_htmx_with_the_track_list(owner_client, library):
    playlist = playlist_generate(algorithm="top", params={"length": "4"}, seed=1)
    before = entries(playlist)
    second = playlist.entries.get(position=2)
    url = reverse("playlist_entry_edit", args=[playlist.pk, second.pk, "up"])
    response = owner_client.post(url, headers={"HX-Request": "true", "HX-Target": "playlist-tracks"})
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<ol class="tracklist playlist-tracks" id="playlist-tracks">')
    assert entries(playlist) == [before[1], before[0], *before[2:]]
    response = owner_client.post(reverse("playlist_entry_edit", args=[playlist.pk, second.pk, "remove"]))
    assert response.status_code == 302
    assert entries(playlist) == [before[0], *before[2:]]
    assert owner_client.post(reverse("playlist_entry_edit", args=[playlist.pk, second.pk, "up"])).status_code == 404
    other = playlist_generate(algorithm="top", params={"length": "2"})
    foreign = other.entries.first()
    assert owner_client.post(reverse("playlist_entry_edit", args=[playlist.pk, foreign.pk, "down"])).status_code == 404
    assert owner_client.get(reverse("playlist_entry_edit", args=[playlist.pk, foreign.pk, "down"])).status_code == 405


def test_regenerate_duplicate_weekly_rename_and_delete(owner_client, library):
    playlist = playlist_generate(algorithm="top", params={"length": "4", "shuffle": "on"}, seed=1)
    owner_client.post(reverse("playlist_regenerate", args=[playlist.pk]))
    playlist.refresh_from_db()
    assert playlist.seed != 1 and Playlist.objects.count() == 1
    response = owner_client.post(reverse("playlist_duplicate", args=[playlist.pk]))
    copy = Playlist.objects.exclude(pk=playlist.pk).get()
    assert response["Location"] == copy.get_absolute_url() and entries(copy) == entries(playlist)
    owner_client.post(reverse("playlist_edit", args=[playlist.pk]), {"refresh_weekly": "on"})
    playlist.refresh_from_db()
    assert playlist.refresh_weekly
    assert "✓ Refreshes weekly" in owner_client.get(playlist.get_absolute_url()).content.decode()
    owner_client.post(reverse("playlist_edit", args=[playlist.pk]), {"name": "Renamed", "description": "Rainy"})
    playlist.refresh_from_db()
    assert (playlist.name, playlist.description, playlist.refresh_weekly) == ("Renamed", "Rainy", True)
    response = owner_client.post(reverse("playlist_delete", args=[playlist.pk]), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == reverse("playlists")
    assert list(Playlist.objects.all()) == [copy]


def test_exports_stream_as_downloads(owner_client, library):
    playlist = playlist_generate(algorithm="top", params={"length": "3"}, name="Late / night")
    response = owner_client.get(reverse("playlist_export", args=[playlist.pk, "m3u8"]))
    assert response.streaming and response["Content-Type"].startswith("audio/x-mpegurl")
    assert 'attachment; filename="late-night.m3u8"' == response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("#EXTM3U") and body.count("#EXTINF:") == 3
    assert owner_client.get(reverse("playlist_export", args=[playlist.pk, "mp3"])).status_code == 404


def test_playlist_pages_need_a_login(client, library):
    playlist = playlist_generate(algorithm="top", params={"length": "2"})
    for url in (playlist.get_absolute_url(), reverse("playlist_new"),
                reverse("playlist_export", args=[playlist.pk, "csv"])):
        assert client.get(url).status_code == 302
    assert client.post(reverse("playlist_delete", args=[playlist.pk])).status_code == 302
    assert Playlist.objects.filter(pk=playlist.pk).exists()


def test_a_length_typed_on_the_form_wins_over_a_rules_limit(owner_client, library):
    response = owner_client.post(reverse("playlist_new"), {
        "algorithm": "rules", "p-rules": "plays at least 1\nlimit 12", "p-length": "5", "p-max_per_artist": "3"})
    assert response.status_code == 302
    assert Playlist.objects.get().entries.count() == 5


def test_the_form_shows_the_algorithms_own_settings_first(owner_client):
    html = owner_client.get(reverse("playlist_new"), {"algorithm": "rules"}).content.decode()
    assert html.index('name="p-rules"') < html.index('name="p-length"')
    assert "not played in the last 3 years" in html  # the example in the box


def test_the_ai_form_says_which_settings_it_still_needs(owner_client, settings):
    settings.AI_API_KEY = ""
    html = owner_client.get(reverse("playlist_new"), {"algorithm": "ai"}).content.decode()
    assert "The language model is not set up yet: set AI_API_KEY" in html
    settings.AI_API_KEY = "sk-test"
    html = owner_client.get(reverse("playlist_new"), {"algorithm": "ai"}).content.decode()
    assert "not set up yet" not in html and 'name="p-prompt"' in html
