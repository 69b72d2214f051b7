"""Album page of an owned record: plays over time, related albums, lazily fetched tracklist."""

from django.urls import reverse

from catalog.models import Track
from tests.factories import make_album, make_artist, make_copy, make_scrobble, make_track, utc
from tests.fakes.discogs_gen import DiscogsCollection
from tracker.services.album_plays import album_play_stats_refresh


def test_it_shows_plays_over_time_and_related_albums(owner_client):
    air = make_artist("Air")
    listened = make_album("Moon Safari", air, year=1998)
    release = make_album("Moon Safari (Remastered)", air, year=2008, format="Vinyl", discogs_release_id=9,
                         discogs_master_id=77, listened_album=listened)
    other_pressing = make_album("Moon Safari", air, year=1998, format="CD", discogs_release_id=10, discogs_master_id=77)
    talkie = make_album("Talkie Walkie", air, year=2004)
    make_copy(release, instance_id=1)
    make_scrobble(make_track("Sexy Boy", listened), utc(2024, 2, 3, 20))
    album_play_stats_refresh()
    response = owner_client.get(reverse("album_detail", args=[release.pk]))
    view = response.context["view"]
    assert sum(bar["value"] for bar in view.months) == 1
    assert [a.pk for a in view.related] == [other_pressing.pk, talkie.pk]
    html = response.content.decode()
    assert "Plays over time" in html and "Related albums" in html and "Talkie Walkie" in html


def test_it_fetches_a_missing_tracklist_once_when_the_album_is_opened(owner_client, fake_services,
                                                                      django_capture_on_commit_callbacks):
    collection = DiscogsCollection()
    collection.add_release(release_id=42, title="Dummy",
                           artists=[{"name": "Portishead", "id": 2568, "anv": "", "join": ""}],
                           tracks=[("A1", "Mysterons", "5:02"), ("A2", "Sour Times", "4:11")])
    collection.install(fake_services)
    album = make_album("Dummy", make_artist("Portishead"), discogs_release_id=42)
    make_copy(album, instance_id=1)
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.get(reverse("album_detail", args=[album.pk]))
    assert list(Track.objects.filter(album=album).order_by("number").values_list("title", flat=True)) == [
        "Mysterons", "Sour Times"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        html = owner_client.get(reverse("album_detail", args=[album.pk])).content.decode()
    assert not callbacks and "Sour Times" in html
    assert len(fake_services.requests_to("discogs", "/releases/42")) == 1
