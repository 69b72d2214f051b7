"""The Discogs sync against the fake Discogs, through the real discogs_client."""

import pytest

from catalog.models import Album, AlbumArtist, AlbumTag, Artist, CollectionItem, Label, Track
from catalog.services.discogs_sync import JOB_KIND, DiscogsSyncError, discogs_sync
from catalog.services.discogs_tracklists import discogs_tracklists_fetch
from core.models import Job
from core.resilience import breaker_reset
from tests.factories import make_album, make_artist, make_scrobble, make_track, utc
from tests.fakes.discogs_gen import DiscogsCollection


def page_requests(fake):
    return [r for r in fake.requests_to("discogs", "/releases") if "/collection/" in r.path]


def snapshot():
    """Every catalog row the sync writes, as plain values."""
    return {
        "albums": sorted(Album.objects.values_list(
            "pk", "title", "year", "artist_id", "label_id", "catalog_number", "format", "format_descriptions",
            "discogs_release_id", "discogs_master_id", "cover_url", "thumb_url", "listened_album_id", "play_count")),
        "copies": sorted(CollectionItem.objects.values_list(
            "pk", "album_id", "discogs_instance_id", "folder_id", "folder_name", "date_added", "rating", "notes",
            "media_condition", "removed_at")),
        "artists": sorted(Artist.objects.values_list("pk", "name", "name_key", "discogs_id")),
        "credits": sorted(AlbumArtist.objects.values_list(
            "album_id", "artist_id", "position", "credited_name", "join_phrase")),
        "tags": sorted(AlbumTag.objects.values_list("album_id", "tag_id", "source", "weight")),
        "labels": sorted(Label.objects.values_list("pk", "name", "discogs_id")),
    }


class TestFixtureCollection:
    """The five releases of the shared fixtures (two pages of three)."""

    def test_it_stores_every_release_and_copy_of_the_fixture_pages(self, fake_services):
        result = discogs_sync()
        assert result.complete and result.copies_seen == 5 and result.pages_fetched == 2
        assert Album.objects.filter(discogs_release_id__isnull=False).count() == 5
        assert CollectionItem.objects.filter(removed_at__isnull=True).count() == 5
        rainbows = Album.objects.get(discogs_release_id=11793225)
        assert (rainbows.title, rainbows.year, rainbows.format) == ("In Rainbows", 2016, "Vinyl")
        assert rainbows.format_descriptions == "LP, Album, Reissue, 180g"
        assert rainbows.label.name == "XL Recordings" and rainbows.catalog_number == "XLLP324"
        assert rainbows.discogs_master_id == 21491 and rainbows.cover_url.endswith(".jpeg") and rainbows.thumb_url
        assert {t.tag.name for t in rainbows.tag_links.select_related("tag")} == {
            "Electronic", "Rock", "Alternative Rock", "Experimental"}
        copy = rainbows.copies.get()
        assert (copy.discogs_instance_id, copy.rating, copy.folder_id, copy.folder_name) == (
            912345001, 5, 1, "Uncategorized")
        assert copy.media_condition == "Near Mint (NM or M-)" and copy.sleeve_condition == "Very Good Plus (VG+)"
        assert copy.date_added == utc(2024, 3, 2, 17, 14, 55)
        homogenic = Album.objects.get(discogs_release_id=18409752)
        assert homogenic.format == "Cassette" and homogenic.discogs_master_id is None

    def test_it_keeps_joins_and_credited_names(self, fake_services):
        discogs_sync()
        album = Album.objects.get(discogs_release_id=63540)
        credits = list(album.credits.select_related("artist"))
        assert [(c.artist.name, c.credited_name, c.join_phrase) for c in credits] == [
            ("Massive Attack", "", "V"), ("Mad Professor", "The Mad Professor", "")]
        assert album.artist.name == "Massive Attack"

    def test_it_merges_suffixed_artists_with_the_artists_from_listening(self, fake_services):
        air = make_artist("Air")
        moon = make_album("Moon Safari", air)
        make_scrobble(make_track("Sexy Boy", moon), utc(2024, 5, 1, 20))
        portishead = make_artist("Portishead")
        discogs_sync()
        release = Album.objects.get(discogs_release_id=4530917)
        assert release.artist_id == air.pk
        assert Artist.objects.filter(name_key="air").count() == 1
        air.refresh_from_db()
        assert air.name == "Air" and air.discogs_id == 1359
        assert Album.objects.get(discogs_release_id=1165484).artist_id == portishead.pk
        assert release.listened_album_id == moon.pk and release.play_count == 1

    def test_it_changes_nothing_when_run_again(self, fake_services):
        discogs_sync()
        before = snapshot()
        again = discogs_sync()
        assert snapshot() == before
        c = again.counts
        assert (c.albums_created, c.albums_updated, c.copies_created, c.copies_updated, again.copies_removed) == (
            0, 0, 0, 0, 0)

    def test_it_leaves_the_collection_untouched_and_explains_a_rejected_token(self, fake_services):
        discogs_sync()
        before = snapshot()
        fake_services.reject_auth("discogs")
        with pytest.raises(DiscogsSyncError, match="refused the token.*DISCOGS_TOKEN"):
            discogs_sync()
        assert snapshot() == before
        job = Job.objects.filter(kind=JOB_KIND).order_by("-pk").first()
        assert job.status == Job.Status.FAILED and "DISCOGS_TOKEN" in job.message
        assert fake_services.credentials["discogs_token"] not in job.error


class TestGeneratedCollection:
    def test_it_counts_albums_and_copies_exactly_over_several_pages(self, fake_services):
        collection = DiscogsCollection.generate(250, doubles=4).install(fake_services)
        result = discogs_sync()
        assert result.pages_fetched == 3 and result.copies_seen == 250
        assert Album.objects.filter(discogs_release_id__isnull=False).count() == 246 == len(collection.releases)
        assert CollectionItem.objects.filter(removed_at__isnull=True).count() == 250
        assert len(page_requests(fake_services)) == 3
        assert all(r.param("per_page") == "100" and r.param("token") for r in page_requests(fake_services))

    def test_it_keeps_two_copies_of_one_release(self, fake_services):
        DiscogsCollection.generate(10, doubles=1).install(fake_services)
        discogs_sync()
        album = Album.objects.get(discogs_release_id=1_000_000)
        assert sorted(album.copies.values_list("discogs_instance_id", flat=True)) == [5_000_000, 6_000_000]

    def test_it_keeps_various_artists_as_one_artist(self, fake_services):
        DiscogsCollection.generate(60).install(fake_services)
        discogs_sync()
        various = Artist.objects.get(discogs_id=194)
        assert various.name == "Various Artists"
        assert Album.objects.filter(artist=various).count() == 3  # releases 0, 23 and 46
        assert not Artist.objects.filter(name__iexact="various").exists()

    def test_it_marks_a_removed_copy_and_restores_it_when_it_returns(self, fake_services):
        collection = DiscogsCollection.generate(120).install(fake_services)
        discogs_sync()
        collection.remove(instance_id=5_000_007)
        result = discogs_sync()
        assert result.copies_removed == 1
        gone = CollectionItem.objects.get(discogs_instance_id=5_000_007)
        assert gone.removed_at is not None and gone.album.discogs_release_id == 1_000_007  # kept, not deleted
        assert CollectionItem.objects.filter(removed_at__isnull=True).count() == 119
        collection.add_copy(release_id=1_000_007, instance_id=5_000_007)
        again = discogs_sync()
        gone.refresh_from_db()
        assert gone.removed_at is None and again.counts.copies_restored == 1

    def test_it_retries_a_failing_page(self, fake_services, recorded_sleeps):
        collection = DiscogsCollection.generate(250).install(fake_services)
        collection.fail_page(2, status=500)
        collection.fail_page(3, status=429, retry_after=2)
        result = discogs_sync()
        assert result.complete and CollectionItem.objects.count() == 250
        assert len(page_requests(fake_services)) == 5
        assert len(recorded_sleeps) == 2  # one backoff wait per failed try, not a failed sync

    def test_it_resumes_from_the_failed_page_and_marks_nothing_removed_halfway(self, fake_services, recorded_sleeps,
                                                                               settings):
        settings.ENRICHMENT_MAX_RETRIES = 1
        collection = DiscogsCollection.generate(250).install(fake_services)
        discogs_sync()
        collection.remove(instance_id=5_000_001)  # on page 1
        collection.remove(instance_id=5_000_240)  # on page 3
        collection.fail_page(2, status=503, times=2)
        with pytest.raises(DiscogsSyncError, match="page 2; the next sync resumes there"):
            discogs_sync()
        failed = Job.objects.filter(kind=JOB_KIND).order_by("-pk").first()
        assert failed.status == Job.Status.FAILED and failed.checkpoint["next_page"] == 2
        assert not CollectionItem.objects.filter(removed_at__isnull=False).exists()
        breaker_reset(service="discogs")
        fake_services.recorded.clear()
        result = discogs_sync()
        assert result.resumed_from_page == 2 and result.pages_fetched == 2
        assert [r.param("page") for r in page_requests(fake_services)] == ["2", "3"]
        assert set(CollectionItem.objects.filter(removed_at__isnull=False)
                   .values_list("discogs_instance_id", flat=True)) == {5_000_001, 5_000_240}

    def test_it_fetches_missing_tracklists_from_the_release_endpoint(self, fake_services):
        DiscogsCollection.generate(3).install(fake_services)
        discogs_sync()
        assert discogs_tracklists_fetch(limit=10) == 3
        album = Album.objects.get(discogs_release_id=1_000_001)
        assert list(album.tracks.order_by("number").values_list("position", "number")) == [
            ("A1", 1), ("A2", 2), ("B1", 3)]
        assert album.tracks.get(position="A1").duration_ms == 237_000
        fake_services.recorded.clear()
        assert discogs_tracklists_fetch(limit=10) == 0 and not fake_services.requests_to("discogs")
        assert Track.objects.count() == 9


class TestOwnedListenedLink:
    def test_it_links_an_edition_to_its_listened_album_ignoring_edition_noise(self, fake_services):
        collection = DiscogsCollection()
        for release_id, title in [(1, "Abbey Road (Remastered 2009)"), (2, "Blue [Deluxe Edition]"),
                                  (3, "Song - Single")]:
            collection.add_release(release_id=release_id, title=title,
                                   artists=[{"name": "Band (2)", "id": 77, "anv": "", "join": ""}])
            collection.add_copy(release_id=release_id, instance_id=100 + release_id)
        collection.install(fake_services)
        band = make_artist("Band")
        listened = {title: make_album(title, band) for title in ("Abbey Road", "Blue", "Song")}
        for n, album in enumerate(listened.values()):
            track = make_track(f"Track {n}", album)
            for day in range(n + 1):
                make_scrobble(track, utc(2024, 1, 1 + day))
        discogs_sync()
        for release_id, title in [(1, "Abbey Road"), (2, "Blue"), (3, "Song")]:
            release = Album.objects.get(discogs_release_id=release_id)
            assert release.listened_album_id == listened[title].pk
        assert Album.objects.get(discogs_release_id=3).play_count == 3


def test_an_empty_page_answered_mid_pass_marks_nothing_removed(fake_services):
    from tests.fakes.server import Reply

    DiscogsCollection.generate(250).install(fake_services)
    discogs_sync()

    def empty_page_two(request, match):
        if request.param("page") != "2":
            return None  # the generated collection answers
        return Reply(body={"pagination": {"page": 2, "pages": 3, "per_page": 100, "items": 250, "urls": {}},
                           "releases": []})

    fake_services.route("discogs", "GET", r"/users/[^/]+/collection/folders/\d+/releases", empty_page_two)
    discogs_sync()
    assert not CollectionItem.objects.filter(removed_at__isnull=False).exists()


def test_a_retried_sync_that_fails_at_once_keeps_the_checkpoint_it_inherited(fake_services, recorded_sleeps, settings):
    settings.ENRICHMENT_MAX_RETRIES = 0
    collection = DiscogsCollection.generate(250).install(fake_services)
    collection.fail_page(2, status=503, times=1)
    with pytest.raises(DiscogsSyncError):
        discogs_sync()
    breaker_reset(service="discogs")
    collection.fail_page(2, status=503, times=1)
    with pytest.raises(DiscogsSyncError):
        discogs_sync()  # inherits "resume at page 2", fails on it again
    breaker_reset(service="discogs")
    fake_services.recorded.clear()
    assert discogs_sync().resumed_from_page == 2
    assert [r.param("page") for r in page_requests(fake_services)] == ["2", "3"]


def test_an_overlong_artist_label_or_genre_name_is_cut_to_fit(fake_services):
    collection = DiscogsCollection(username=fake_services.credentials["discogs_username"]).install(fake_services)
    collection.add_release(release_id=42, title="Long", artists=[{"id": 9, "name": "A" * 400}])
    collection.releases[42]["labels"] = [{"id": 0, "name": "L" * 400, "catno": "X1"}]
    collection.releases[42]["genres"] = ["G" * 300]
    collection.add_copy(release_id=42, instance_id=4242)
    discogs_sync()
    assert len(Artist.objects.get(discogs_id=9).name) == 255
    assert len(Label.objects.get().name) == 255
