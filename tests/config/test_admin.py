"""The admin: every registered model's pages render for the owner, lists stay cheap, evidence is read-only."""

import uuid

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_q.models import OrmQ, Schedule, Task
from django_q.signing import SignedPackage

from catalog.models import AlbumInfo, AlbumTag, ArtistSimilar, ArtistTag, Image, Tag, Track
from core.models import ApiToken, Job, ServiceMetric
from enrichment.models import Fact
from playlists.models import Playlist, PlaylistTrack
from tests.factories import (
    make_album,
    make_artist,
    make_copy,
    make_label,
    make_listening_history,
    make_scrobble,
    make_track,
    utc,
)
from tracker.admin import CappedCountPaginator
from tracker.models import Scrobble, TrackerState

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def journal(owner):
    """At least one row in every table the admin shows."""
    plays = make_listening_history(plays_per_day=4, days=2)
    track = plays[0].track
    album, artist = track.album, track.artist
    album.label = make_label("Go! Discs")
    album.save()
    tag = Tag.objects.create(name="trip hop")
    ArtistTag.objects.create(artist=artist, tag=tag, weight=80)
    AlbumTag.objects.create(album=album, tag=tag)
    other = Track.objects.exclude(artist=artist).first().artist
    ArtistSimilar.objects.create(artist=artist, similar=other, match=0.7)
    Image.objects.create(album=album, url="https://i.discogs.com/dummy.jpg", source="discogs")
    AlbumInfo.objects.create(album=album, summary="Bristol, 1994.", model_used="mistral", generated_at=timezone.now())
    make_copy(album, instance_id=42, folder_name="Uncategorized", date_added=timezone.now())
    Job.objects.create(kind="lastfm_backfill", status=Job.Status.RUNNING, done=40, total=200, checkpoint={"page": 3})
    ApiToken.issue(user=owner, name="home assistant")
    Group.objects.create(name="listeners")
    ServiceMetric.objects.create(service="spotify", requests=10, successes=9, failures=1, latency_ms_total=1200)
    Fact.objects.create(
        entity_type="artist", entity_id=artist.pk, field="followers", provider="spotify", value=123456,
        evidence=["https://api.spotify.com/v1/artists/6liAMWkVf5LH7YR9yfFy1Y", "<b>request</b> 42"],
    )
    playlist = Playlist.objects.create(name="Bristol", algorithm="top_tracks")
    PlaylistTrack.objects.create(playlist=playlist, track=track, position=1)
    state = TrackerState.load()
    state.now_playing_track = track
    state.save()
    Schedule.objects.create(name="lastfm_poll", func="tracker.tasks.lastfm_poll", schedule_type=Schedule.MINUTES,
                            minutes=2)
    now = timezone.now()
    for success in (True, False):
        Task.objects.create(
            id=uuid.uuid4().hex, name=f"task-{success}", func="math.floor", started=now, stopped=now, success=success
        )
    OrmQ.objects.create(
        key="default", payload=SignedPackage.dumps({"id": uuid.uuid4().hex, "name": "queued", "func": "math.floor"}),
        lock=now,
    )
    return {"plays": plays, "artist": artist, "album": album, "track": track}


@pytest.mark.parametrize("model, model_admin", REGISTERED, ids=[m._meta.label for m, _ in REGISTERED])
def test_it_renders_every_admin_page_for_the_owner(owner_client, journal, rf, owner, model, model_admin):
    assert owner_client.get(url(model, "changelist")).status_code == 200
    if model_admin.get_search_fields(rf.get("/")):
        assert owner_client.get(url(model, "changelist"), {"q": "a"}).status_code == 200

    request = rf.get("/")
    request.user = owner
    if model_admin.has_add_permission(request):
        assert owner_client.get(url(model, "add")).status_code == 200

    obj = model_admin.get_queryset(request).first()
    assert obj is not None, f"the fixture should hold a {model._meta.label}"
    assert owner_client.get(url(model, "change", obj.pk)).status_code == 200


def test_it_covers_the_journals_models():
    labels = {m._meta.label for m in admin.site._registry}
    assert {
        "catalog.Artist", "catalog.Album", "catalog.Track", "catalog.Label", "catalog.Tag", "catalog.Image",
        "catalog.AlbumInfo", "catalog.ArtistSimilar", "catalog.CollectionItem", "tracker.Scrobble",
        "tracker.TrackerState", "enrichment.Fact", "playlists.Playlist", "core.Job", "core.ApiToken",
    } <= labels


def test_it_redirects_a_non_staff_user_away_from_the_admin(client, other_user):
    client.force_login(other_user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert client.get(url(Scrobble, "changelist")).status_code == 302


def test_it_redirects_an_anonymous_visitor(client):
    assert client.get("/admin/").status_code == 302


def test_it_searches_scrobbles_by_track_and_artist(owner_client, journal):
    by_track = owner_client.get(url(Scrobble, "changelist"), {"q": "Teardrop"})
    assert by_track.status_code == 200
    shown = list(by_track.context["cl"].result_list)
    assert shown and {s.track.title for s in shown} == {"Teardrop"}

    by_artist = owner_client.get(url(Scrobble, "changelist"), {"q": "Portishead"})
    assert {s.artist.name for s in by_artist.context["cl"].result_list} == {"Portishead"}


def test_it_searches_and_filters_albums(owner_client, journal):
    by_title = owner_client.get(url(journal["album"].__class__, "changelist"), {"q": "Mezzanine"})
    assert [a.title for a in by_title.context["cl"].result_list] == ["Mezzanine"]

    by_artist = owner_client.get(url(journal["album"].__class__, "changelist"), {"q": "Portishead"})
    assert [a.title for a in by_artist.context["cl"].result_list] == ["Dummy"]

    by_decade = owner_client.get(url(journal["album"].__class__, "changelist"), {"decade": "1990"})
    assert {a.title for a in by_decade.context["cl"].result_list} == {"Dummy", "Mezzanine"}
    assert not owner_client.get(
        url(journal["album"].__class__, "changelist"), {"decade": "2000"}
    ).context["cl"].result_list


def add_more_of_everything(n: int) -> None:
    for i in range(n):
        album = make_album(f"Album {i}", make_artist(f"Artist {i}"), year=1990 + i, label=make_label(f"Label {i}"))
        track = make_track(f"Song {i}", album)
        make_scrobble(track, utc(2023, 1, 1, 12, i))
        make_copy(album, instance_id=1000 + i, date_added=utc(2023, 1, 1))
        Fact.objects.create(entity_type="album", entity_id=album.pk, field="year", provider="discogs", value=1990 + i)


@pytest.mark.parametrize("model_name", ["scrobble", "artist", "album", "track", "collectionitem", "fact"])
def test_it_lists_without_a_query_per_row(owner_client, journal, model_name):
    model = next(m for m in admin.site._registry if m._meta.model_name == model_name)
    with CaptureQueriesContext(connection) as few:
        owner_client.get(url(model, "changelist"))
    add_more_of_everything(10)
    with CaptureQueriesContext(connection) as many:
        owner_client.get(url(model, "changelist"))
    assert len(many) <= len(few) + 1  # the date hierarchy may show one more level


def test_it_shows_scrobbles_newest_first_with_a_date_hierarchy(owner_client, journal):
    response = owner_client.get(url(Scrobble, "changelist"))
    played = [s.played_at for s in response.context["cl"].result_list]
    assert played == sorted(played, reverse=True)
    assert response.context["cl"].date_hierarchy == "played_at"


def test_it_caps_the_scrobble_count_instead_of_counting_everything(journal, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "cap", 3)
    paginator = CappedCountPaginator(Scrobble.objects.filter(loved=False), 2)
    assert paginator.count == 4  # "more than 3"
    assert CappedCountPaginator(Scrobble.objects.filter(track=journal["track"]), 2).count == 2


def test_it_fills_the_denormalized_columns_of_a_scrobble_added_by_hand(owner_client, journal):
    track = journal["track"]
    response = owner_client.post(
        url(Scrobble, "add"),
        {"track": track.pk, "played_at_0": "2024-06-30", "played_at_1": "23:30:00", "source": "manual",
         "ms_played": ""},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    scrobble = Scrobble.objects.get(source="manual")
    assert scrobble.artist_id == track.artist_id and scrobble.album_id == track.album_id
    assert scrobble.local_date is not None and scrobble.local_hour is not None


def test_it_never_shows_a_token_hash_and_offers_no_add_page(owner_client, journal):
    token = ApiToken.objects.get()
    page = owner_client.get(url(ApiToken, "change", token.pk)).content.decode()
    assert token.token_hash not in page
    assert token.prefix in page
    assert owner_client.get(url(ApiToken, "add")).status_code == 403


def test_it_shows_job_progress_read_only(owner_client, journal):
    job = Job.objects.get()
    listing = owner_client.get(url(Job, "changelist")).content.decode()
    assert '<progress max="100" value="20">' in listing
    page = owner_client.get(url(Job, "change", job.pk)).content.decode()
    assert 'name="status"' not in page  # read-only
    assert owner_client.get(url(Job, "add")).status_code == 403


def test_it_shows_fact_evidence_as_escaped_links(owner_client, journal):
    fact = Fact.objects.get()
    page = owner_client.get(url(Fact, "change", fact.pk)).content.decode()
    assert '<a href="https://api.spotify.com/v1/artists/6liAMWkVf5LH7YR9yfFy1Y"' in page
    assert "&lt;b&gt;request&lt;/b&gt; 42" in page
    assert 'name="value"' not in page and 'name="provider"' not in page
    assert 'name="confidence"' in page


def test_it_edits_an_album_with_its_inlines(owner_client, journal):
    album = journal["album"]
    page = owner_client.get(url(album.__class__, "change", album.pk)).content.decode()
    for prefix in ("credits-TOTAL_FORMS", "tracks-TOTAL_FORMS", "copies-TOTAL_FORMS", "tag_links-TOTAL_FORMS"):
        assert prefix in page


def test_it_allows_one_tracker_state_only(owner_client, journal):
    assert owner_client.get(url(TrackerState, "add")).status_code == 403
    TrackerState.objects.all().delete()
    assert owner_client.get(url(TrackerState, "add")).status_code == 200


def test_it_lists_most_played_artists_with_their_counts(owner_client, journal):
    make_scrobble(journal["track"], utc(2020, 1, 1))
    response = owner_client.get(url(journal["artist"].__class__, "changelist"), {"o": "-3"})
    first = response.context["cl"].result_list[0]
    assert first.pk == journal["artist"].pk
    assert first.play_total == journal["artist"].scrobbles.count()
    assert first.album_total == 1


def test_it_draws_the_scrobble_date_hierarchy_from_the_plays(owner_client, journal):
    make_scrobble(journal["track"], utc(2019, 5, 3, 12))
    make_scrobble(journal["track"], utc(2021, 2, 1, 12))
    make_scrobble(journal["track"], utc(2021, 11, 1, 12))

    years = owner_client.get(url(Scrobble, "changelist")).context["hierarchy"]["choices"]
    titles = [c["title"] for c in years]
    assert titles[:2] == ["2019", "2021"] and "2020" not in titles  # a year without plays is not offered

    months = owner_client.get(url(Scrobble, "changelist"), {"played_at__year": "2021"})
    assert [c["title"] for c in months.context["hierarchy"]["choices"]] == ["February 2021", "November 2021"]
    assert len(months.context["cl"].result_list) == 2

    days = owner_client.get(url(Scrobble, "changelist"), {"played_at__year": "2021", "played_at__month": "11"})
    assert days.context["hierarchy"] is None  # Django's own tag draws a month's days
    assert "November 1" in days.content.decode()


def test_renaming_an_artist_onto_anothers_name_is_a_form_error_not_a_crash(owner_client):
    from catalog.models import Artist

    Artist.objects.create(name="Air")
    other = Artist.objects.create(name="Other")
    response = owner_client.post(f"/admin/catalog/artist/{other.pk}/change/", {
        "name": "AIR", "sort_name": "", "lastfm_url": "", "image_url": "", "bio": "", "management": "",
        "official_website": "",
        **{f"{prefix}-{key}": value for prefix in ("tag_links", "similar_links", "images")
           for key, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))},
    })
    assert response.status_code == 200
    assert "already has this name once normalized" in response.content.decode()
    other.refresh_from_db()
    assert other.name == "Other"
