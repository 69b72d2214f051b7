"""Merging duplicate artists moves every play, album, track, tag, link and fact, and orphans nothing."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from catalog.models import Album, AlbumArtist, Artist, ArtistSimilar, ArtistTag, CollectionItem, Image, Tag, Track
from catalog.services.artist_merge import ArtistMergeError, artist_merge, references_to
from enrichment.models import Fact
from playlists.models import Playlist, PlaylistTrack
from tests.factories import make_album, make_artist, make_copy, make_scrobble, make_track, utc
from tracker.models import Scrobble, TrackerState

pytestmark = pytest.mark.django_db

T0 = utc(2024, 3, 1, 20, 0)


def at(minutes: int):
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def air():
    """Three spellings of one band, with overlapping tracks, plays, tags, links and facts."""
    kept = make_artist("Air", discogs_id=1111)
    dup = make_artist("AIR (FR)", discogs_id=2222, spotify_id="4hdBmx6cV9VpaxNqHGhW5k", bio="French duo.",
                      followers=900)
    dup2 = make_artist("Air French Band", wikidata_id="Q407553", mbid="cb67438a-7f50-4f2b-a6f1-2bb2729fd538")
    daft = make_artist("Daft Punk")

    moon = make_album("Moon Safari", kept, year=1998)
    moon_vinyl = make_album("Moon Safari", dup, year=1998, format=Album.Format.VINYL)
    talkie = make_album("Talkie Walkie", kept, year=2004)
    AlbumArtist.objects.create(album=talkie, artist=dup, position=1)  # credited twice: becomes one credit
    AlbumArtist.objects.create(album=talkie, artist=dup2, position=2)
    make_copy(moon_vinyl, instance_id=77)

    femme = make_track("La Femme d'Argent", moon, number=1)
    femme_dup = make_track("La femme d’argent", moon, artist=dup, number=1, duration_ms=428_000, spotify_id="sp-femme")
    femme_dup2 = make_track("La Femme d'Argent", moon, artist=dup2)
    sexy = make_track("Sexy Boy", moon, artist=dup, number=2)
    cherry = make_track("Cherry Blossom Girl", talkie, artist=dup2)
    kelly = make_track("Kelly Watch the Stars", artist=kept)  # no album
    kelly_dup = make_track("Kelly Watch the Stars", artist=dup)  # no album: clashes on the conditional key
    vinyl_side = make_track("Remember", moon_vinyl, artist=dup)

    make_scrobble(femme, at(0))
    make_scrobble(femme, at(10))
    make_scrobble(femme_dup, at(10))  # same play seen twice: a duplicate
    make_scrobble(femme_dup, at(20), loved=True)
    make_scrobble(femme_dup2, at(30))
    make_scrobble(sexy, at(40))
    make_scrobble(cherry, at(50))
    make_scrobble(kelly, at(60))
    make_scrobble(kelly_dup, at(60))  # duplicate
    make_scrobble(kelly_dup, at(70))
    make_scrobble(vinyl_side, at(80))

    electronic, french = Tag.objects.create(name="electronic"), Tag.objects.create(name="french")
    ArtistTag.objects.create(artist=kept, tag=electronic, weight=50)
    ArtistTag.objects.create(artist=dup, tag=electronic, weight=90)
    ArtistTag.objects.create(artist=dup2, tag=french, weight=40)

    ArtistSimilar.objects.create(artist=dup, similar=kept, match=0.9)
    ArtistSimilar.objects.create(artist=kept, similar=dup, match=0.8)
    ArtistSimilar.objects.create(artist=dup, similar=dup2, match=0.7)
    ArtistSimilar.objects.create(artist=kept, similar=daft, match=0.5)
    ArtistSimilar.objects.create(artist=dup, similar=daft, match=0.8)
    ArtistSimilar.objects.create(artist=daft, similar=dup2, match=0.6)

    Image.objects.create(artist=dup, url="https://i.scdn.co/image/air", kind=Image.Kind.PICTURE, source="spotify")

    Fact.objects.create(entity_type="artist", entity_id=kept.pk, field="followers", provider="spotify", value=10,
                        retrieved_at=at(0))
    Fact.objects.create(entity_type="artist", entity_id=dup.pk, field="followers", provider="spotify", value=900,
                        retrieved_at=at(100))
    Fact.objects.create(entity_type="artist", entity_id=dup.pk, field="bio", provider="lastfm", value="French duo.")
    Fact.objects.create(entity_type="artist", entity_id=dup2.pk, field="followers", provider="spotify", value=1,
                        retrieved_at=at(-100))
    Fact.objects.create(entity_type="track", entity_id=femme_dup.pk, field="duration", provider="spotify", value=428000)

    playlist = Playlist.objects.create(name="Late night")
    PlaylistTrack.objects.create(playlist=playlist, track=femme_dup, position=1)
    PlaylistTrack.objects.create(playlist=playlist, track=cherry, position=2)
    state = TrackerState.load()
    state.now_playing_track = femme_dup
    state.save()

    return {"kept": kept, "dup": dup, "dup2": dup2, "daft": daft, "femme": femme, "femme_dup": femme_dup,
            "kelly": kelly, "moon": moon, "moon_vinyl": moon_vinyl, "talkie": talkie, "playlist": playlist}


def assert_nothing_dangles():
    """Every foreign key to an artist, album or track points at a row that exists."""
    connection.check_constraints()
    for model in (Artist, Album, Track):
        for fk in references_to(model):
            dangling = fk.model._base_manager.exclude(**{f"{fk.name}__isnull": True}).exclude(
                **{f"{fk.name}__in": model._base_manager.values("pk")}
            )
            assert not dangling.exists(), f"{fk.model._meta.label}.{fk.name} points at a deleted {model.__name__}"


def assert_merged(data):
    kept, dup, dup2 = data["kept"], data["dup"], data["dup2"]
    assert not Artist.objects.filter(pk__in=[dup.pk, dup2.pk]).exists()
    assert_nothing_dangles()

    # 11 plays, minus the two seen twice; every play now belongs to Air, consistently with its track.
    assert Scrobble.objects.count() == 9
    assert set(Scrobble.objects.values_list("artist", flat=True)) == {kept.pk}
    assert not Scrobble.objects.exclude(artist=kept).exists()
    for scrobble in Scrobble.objects.select_related("track"):
        assert scrobble.artist_id == scrobble.track.artist_id and scrobble.album_id == scrobble.track.album_id

    # The three "La Femme d'Argent" are one track holding all its plays; the album-less Kelly too.
    femme = Track.objects.get(pk=data["femme"].pk)
    assert not Track.objects.filter(pk=data["femme_dup"].pk).exists()
    assert femme.scrobbles.count() == 4
    assert femme.spotify_id == "sp-femme" and femme.duration_ms == 428_000
    assert Track.objects.get(pk=data["kelly"].pk).scrobbles.count() == 2
    assert Track.objects.filter(artist=kept).count() == 5
    assert not Track.objects.exclude(artist=kept).exists()

    # Albums keep an artist and one credit per artist; the owned copy is untouched.
    assert set(Album.objects.values_list("artist", flat=True)) == {kept.pk}
    assert list(AlbumArtist.objects.filter(album=data["talkie"]).values_list("artist", flat=True)) == [kept.pk]
    assert AlbumArtist.objects.filter(album=data["moon_vinyl"], artist=kept).exists()
    assert CollectionItem.objects.get(discogs_instance_id=77).album_id == data["moon_vinyl"].pk

    # Tags keep the higher weight; similar links never point at themselves and keep the best match.
    assert dict(ArtistTag.objects.filter(artist=kept).values_list("tag__name", "weight")) == {
        "electronic": 90, "french": 40}
    assert not ArtistSimilar.objects.filter(artist=kept, similar=kept).exists()
    links = set(ArtistSimilar.objects.values_list("artist__name", "similar__name", "match"))
    assert links == {("Air", "Daft Punk", 0.8), ("Daft Punk", "Air", 0.6)}
    assert Image.objects.get().artist_id == kept.pk

    # Facts follow; on a clash the newest survives.
    facts = {(f.field, f.provider): f.value for f in Fact.objects.filter(entity_type="artist", entity_id=kept.pk)}
    assert facts == {("followers", "spotify"): 900, ("bio", "lastfm"): "French duo."}
    assert not Fact.objects.filter(entity_type="artist", entity_id__in=[dup.pk, dup2.pk]).exists()
    assert Fact.objects.get(entity_type="track").entity_id == femme.pk

    # Playlist and now-playing point at the kept track.
    assert list(data["playlist"].entries.values_list("track", flat=True)) == [
        femme.pk, Track.objects.get(title="Cherry Blossom Girl").pk]
    assert TrackerState.load().now_playing_track_id == femme.pk

    # Ids the kept artist lacked come from the merged ones; its own are kept.
    kept.refresh_from_db()
    assert kept.discogs_id == 1111
    assert kept.spotify_id == "4hdBmx6cV9VpaxNqHGhW5k"
    assert kept.wikidata_id == "Q407553"
    assert str(kept.mbid) == "cb67438a-7f50-4f2b-a6f1-2bb2729fd538"
    assert kept.bio == "French duo." and kept.followers == 900


def test_it_moves_everything_onto_the_kept_artist(air):
    result = artist_merge(target=air["kept"], others=[air["dup"], air["dup2"]])

    assert_merged(air)
    assert result.merged_ids == (air["dup"].pk, air["dup2"].pk)
    assert result.tracks_merged == 3
    assert result.moved["tracker.Scrobble"] == 9 - 3  # the kept artist's own three plays did not move
    assert result.external_moved == 3
    assert {"spotify_id", "wikidata_id", "mbid", "bio"} <= set(result.fields_copied)
    assert "discogs_id" not in result.fields_copied
    assert result.duplicates_dropped >= 2


def test_it_merges_through_the_admin_action_after_confirmation(owner_client, air):
    changelist = reverse("admin:catalog_artist_changelist")
    selected = [air["kept"].pk, air["dup"].pk, air["dup2"].pk]

    page = owner_client.post(changelist, {"action": "merge_artists", "_selected_action": selected})
    assert page.status_code == 200
    html = page.content.decode()
    assert "AIR (FR)" in html and "Air French Band" in html
    # The artist with the most plays is chosen by default (AIR (FR): six plays).
    assert f'value="{air["dup"].pk}" checked' in html
    assert Artist.objects.filter(pk__in=selected).count() == 3  # nothing happens before confirming

    done = owner_client.post(
        changelist, {"action": "merge_artists", "_selected_action": selected, "post": "yes", "target": air["kept"].pk},
        follow=True,
    )
    assert done.status_code == 200
    assert "Merged 2 artists into Air" in done.content.decode()
    assert_merged(air)


def test_it_refuses_a_single_artist(owner_client, air):
    response = owner_client.post(
        reverse("admin:catalog_artist_changelist"), {"action": "merge_artists", "_selected_action": [air["kept"].pk]},
        follow=True,
    )
    assert "Select at least two artists" in response.content.decode()
    assert Artist.objects.count() == 4


def test_it_refuses_a_target_outside_the_selection(owner_client, air):
    response = owner_client.post(
        reverse("admin:catalog_artist_changelist"),
        {"action": "merge_artists", "_selected_action": [air["kept"].pk, air["dup"].pk], "post": "yes",
         "target": air["daft"].pk},
    )
    assert response.status_code == 200  # back on the confirmation page
    assert Artist.objects.count() == 4


def test_it_rejects_merging_an_artist_into_itself(air):
    with pytest.raises(ArtistMergeError):
        artist_merge(target=air["kept"], others=[air["kept"]])
    with pytest.raises(ArtistMergeError):
        artist_merge(target=air["kept"], others=[])


def test_it_rolls_back_when_a_receiver_fails(air):
    from catalog.signals import artists_merged

    def broken(**kwargs):
        raise RuntimeError("enrichment down")

    artists_merged.connect(broken, dispatch_uid="test-broken")
    try:
        with pytest.raises(RuntimeError):
            artist_merge(target=air["kept"], others=[air["dup"]])
    finally:
        artists_merged.disconnect(dispatch_uid="test-broken")
    assert Artist.objects.filter(pk=air["dup"].pk).exists()
    assert Scrobble.objects.filter(artist=air["dup"]).count() == 6
    assert Artist.objects.get(pk=air["dup"].pk).spotify_id == "4hdBmx6cV9VpaxNqHGhW5k"


def test_it_covers_every_foreign_key_to_artist_in_the_project():
    labels = {f"{fk.model._meta.label}.{fk.name}" for fk in references_to(Artist)}
    assert {"tracker.Scrobble.artist", "catalog.Track.artist", "catalog.ArtistSimilar.similar",
            "catalog.Image.artist"} <= labels
    assert "tracker.TrackerState.now_playing_track" in {
        f"{fk.model._meta.label}.{fk.name}" for fk in references_to(Track)}
    assert apps.get_model("playlists", "PlaylistTrack")._meta.get_field("track") in references_to(Track)
