"""The album page's "I'm playing this": offered only for an owned record and to its owner; a side logged
from the page (htmx or a plain form), the confirmation with its undo, and what stays on Last.fm."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.services.service_accounts import service_account_connect
from tests.factories import make_album, make_artist, make_track
from tests.tracker.test_turntable import owned_record
from tracker.models import Scrobble, TurntableSession

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def page(client, album) -> str:
    return client.get(reverse("album_detail", args=[album.pk])).content.decode()


def log(client, album, **data):
    return client.post(reverse("turntable_log", args=[album.pk]), data, **HTMX)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def test_an_owned_record_offers_its_sides_and_the_whole(owner_client):
    html = page(owner_client, owned_record())
    assert "I&#x27;m playing this" in html or "I'm playing this" in html
    assert 'value="A" checked' in html and 'value="B"' in html and 'value="whole"' in html
    assert "Side A" in html and "(A1–A3)" in html and "1 without a length" in html
    assert 'type="datetime-local" name="started_at"' in html
    assert "1 track has no length on Discogs: each counts 4 min." in html


def test_a_record_not_owned_offers_nothing(owner_client):
    album = make_album("Mezzanine", make_artist("Massive Attack"))
    make_track("Teardrop", album, position="A1", duration_ms=330_000)
    assert reverse("turntable_log", args=[album.pk]) not in page(owner_client, album)
    removed = owned_record()
    removed.copies.update(removed_at=timezone.now())
    assert reverse("turntable_log", args=[removed.pk]) not in page(owner_client, removed)


def test_an_owned_record_without_tracklist_says_why(owner_client):
    album = owned_record([])
    html = page(owner_client, album)
    assert "The tracklist of this record is not known yet" in html
    assert reverse("turntable_log", args=[album.pk]) not in html


def test_a_visitor_can_neither_see_nor_use_it(client, other_user):
    album = owned_record()
    client.force_login(other_user)
    assert reverse("turntable_log", args=[album.pk]) not in page(client, album)
    assert log(client, album, side="A").status_code == 403
    assert not Scrobble.objects.exists()


def test_logging_a_side_answers_the_confirmation_with_its_undo(owner_client):
    album = owned_record()
    response = log(owner_client, album, side="A")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Logged side A of “Dummy”: 1 play stored, 2 more as each starts." in html
    assert "stored when it starts" in html and "(length unknown: 4 min counted)" in html
    session = TurntableSession.objects.get()
    assert reverse("turntable_undo", args=[album.pk, session.pk]) in html
    assert Scrobble.objects.filter(source="manual").count() == 1
    html = page(owner_client, album)
    assert reverse("turntable_undo", args=[album.pk, session.pk]) in html  # for a day
    assert 'value="B" checked' in html  # the side to turn to next


def test_a_chosen_start_is_read_in_the_time_zone(owner_client, settings):
    settings.TIME_ZONE = "Europe/Paris"
    album = owned_record()
    local = timezone.localtime(timezone.now() - timedelta(hours=2)).replace(second=0, microsecond=0)
    log(owner_client, album, side="whole", started_at=local.strftime("%Y-%m-%dT%H:%M"))
    first = Scrobble.objects.order_by("played_at").first()
    assert first.played_at == local and first.local_hour == local.hour
    assert Scrobble.objects.count() == 5


def test_a_bad_start_is_refused_in_the_panel(owner_client):
    album = owned_record()
    response = log(owner_client, album, side="A", started_at="yesterday evening")
    assert response.status_code == 200 and "is not a date and time" in response.content.decode()
    response = log(owner_client, album, side="A", started_at="2099-05-01T20:00")
    assert "The start is in the future" in response.content.decode()
    assert not TurntableSession.objects.exists()


def test_without_htmx_it_redirects_back_with_a_message(owner_client):
    album = owned_record()
    started = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = owner_client.post(reverse("turntable_log", args=[album.pk]), {"side": "B", "started_at": started})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('album_detail', args=[album.pk])}#turntable"
    assert messages_of(response) == ["Logged side B of “Dummy”: 2 plays stored."]


def test_undo_removes_the_plays_and_says_what_stays_on_lastfm(owner_client, fake_services, settings, recorded_sleeps,
                                                              django_capture_on_commit_callbacks):
    settings.LASTFM_SESSION_KEY = ""
    service_account_connect(service="lastfm", account_name="rj_demo",
                            refresh_token=fake_services.lastfm_user.session_key)
    album = owned_record()
    html = page(owner_client, album)
    assert "and scrobbled to Last.fm as rj_demo" in html
    started = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    with django_capture_on_commit_callbacks(execute=True):
        log(owner_client, album, side="A", started_at=started)
    session = TurntableSession.objects.get()
    html = page(owner_client, album)
    assert "plays already scrobbled stay on Last.fm, which has no way to unscrobble" in html
    assert html.count("· on Last.fm") == 3
    response = owner_client.post(reverse("turntable_undo", args=[album.pk, session.pk]), **HTMX)
    html = response.content.decode()
    assert "Undone: 3 plays taken out of the journal." in html
    assert "3 already scrobbled stay on Last.fm, which has no way to unscrobble" in html
    assert not Scrobble.objects.exists()
    assert reverse("turntable_undo", args=[album.pk, session.pk]) not in page(owner_client, album)


def test_a_lastfm_failure_is_shown_with_the_plays_kept(owner_client, fake_services, settings, recorded_sleeps,
                                                        django_capture_on_commit_callbacks):
    settings.LASTFM_SESSION_KEY = fake_services.lastfm_user.session_key
    fake_services.fail("lastfm", status=503, times=None)
    album = owned_record()
    started = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    with django_capture_on_commit_callbacks(execute=True):
        assert log(owner_client, album, side="A", started_at=started).status_code == 200
    html = page(owner_client, album)
    assert "Last.fm failed:" in html and "The plays stay in your journal." in html
    assert Scrobble.objects.count() == 3


def test_undo_of_another_records_session_is_404(owner_client):
    album, other = owned_record(), owned_record(title="Other", discogs_release_id=77)
    log(owner_client, album, side="A")
    session = TurntableSession.objects.get()
    assert owner_client.post(reverse("turntable_undo", args=[other.pk, session.pk])).status_code == 404
    assert Scrobble.objects.exists()
