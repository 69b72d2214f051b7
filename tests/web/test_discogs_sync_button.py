"""The ways into the sync: the "Sync Discogs" button, the API, the command, the schedule."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from catalog.models import Album, CollectionItem
from catalog.services.discogs_sync import JOB_KIND
from catalog.tasks import discogs_sync_scheduled
from core.models import ApiToken, Job
from core.services.jobs import job_create, job_start
from tests.fakes.discogs_gen import DiscogsCollection


def htmx_post(client, url, **extra):
    return client.post(url, HTTP_HX_REQUEST="true", **extra)


class TestButton:
    def test_it_starts_a_sync_and_answers_with_its_progress_bar(self, owner_client, fake_services,
                                                                django_capture_on_commit_callbacks):
        DiscogsCollection.generate(150).install(fake_services)
        with django_capture_on_commit_callbacks(execute=True):
            response = htmx_post(owner_client, reverse("collection_sync"))
        html = response.content.decode()
        job = Job.objects.get(kind=JOB_KIND)
        assert response.status_code == 200
        assert f'id="job-{job.pk}"' in html and 'class="job-progress' in html
        job.refresh_from_db()
        assert job.status == Job.Status.SUCCEEDED and (job.done, job.total) == (150, 150)
        assert CollectionItem.objects.count() == 150
        bar = owner_client.get(reverse("job_progress", args=[job.pk])).content.decode()
        assert 'value="100"' in bar and "hx-trigger" not in bar  # finished: stops polling

    def test_it_shows_the_running_sync_instead_of_starting_another(self, owner_client, fake_services,
                                                                   django_capture_on_commit_callbacks):
        running = job_start(job=job_create(kind=JOB_KIND), total=500, message="Page 2 of 5")
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = htmx_post(owner_client, reverse("collection_sync"))
        assert not callbacks and Job.objects.filter(kind=JOB_KIND).count() == 1
        html = response.content.decode()
        assert f'id="job-{running.pk}"' in html and "already running" in html
        assert 'hx-get="/jobs/' in html  # the bar keeps polling

    def test_it_disables_the_button_and_explains_when_discogs_is_not_configured(self, owner_client, settings):
        settings.DISCOGS_TOKEN = ""
        html = owner_client.get(reverse("collection")).content.decode()
        assert '<button type="button" class="button" disabled' in html and "DISCOGS_TOKEN" in html
        assert owner_client.post(reverse("collection_sync")).status_code == 409
        assert not Job.objects.exists()
        settings_html = owner_client.get(reverse("settings")).content.decode()
        assert 'id="discogs-sync-help"' in settings_html

    def test_it_shows_the_last_sync_summary_on_the_settings_page(self, owner_client, fake_services):
        call_command("sync_discogs", stdout=StringIO(), stderr=StringIO())
        html = owner_client.get(reverse("settings")).content.decode()
        assert "Sync Discogs" in html and "Last sync" in html and "5 copies seen" in html

    def test_it_shows_a_clear_error_when_the_token_is_rejected(self, owner_client, fake_services,
                                                               django_capture_on_commit_callbacks):
        fake_services.reject_auth("discogs")
        with django_capture_on_commit_callbacks(execute=True):
            htmx_post(owner_client, reverse("collection_sync"))
        html = owner_client.get(reverse("collection")).content.decode()
        assert "Discogs refused the token (HTTP 401): check DISCOGS_TOKEN" in html
        assert not Album.objects.exists()

    def test_it_refuses_anonymous_visitors(self, client, fake_services):
        response = client.post(reverse("collection_sync"))
        assert response.status_code == 302 and "/login/" in response["Location"]
        assert not Job.objects.exists()

    def test_it_refuses_get(self, owner_client, fake_services):
        assert owner_client.get(reverse("collection_sync")).status_code == 405


class TestApi:
    def test_it_starts_a_sync_and_reports_progress_through_the_job(self, owner, client, fake_services,
                                                                   django_capture_on_commit_callbacks):
        _, raw = ApiToken.issue(user=owner)
        auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/api/v1/services/discogs/sync", **auth)
        assert response.status_code == 202
        body = response.json()
        assert body["created"] is True and body["progress_url"] == f"/api/v1/jobs/{body['job_id']}"
        progress = client.get(body["progress_url"], **auth).json()
        assert progress["status"] == "succeeded" and progress["percent"] == 100
        again = client.post("/api/v1/services/discogs/sync", **auth).json()
        assert again["created"] is True and again["job_id"] != body["job_id"]

    def test_it_answers_503_when_discogs_is_not_configured(self, owner_client, settings):
        settings.DISCOGS_USERNAME = ""
        response = owner_client.post("/api/v1/services/discogs/sync")
        assert response.status_code == 503 and "DISCOGS_USERNAME" in response.json()["detail"]

    def test_it_lists_filters_and_sorts_collection_albums(self, owner_client, fake_services):
        DiscogsCollection.generate(130).install(fake_services)
        call_command("sync_discogs", stdout=StringIO(), stderr=StringIO())
        body = owner_client.get("/api/v1/collection/albums", {"format": "Cassette", "sort": "title"}).json()
        expected = Album.objects.filter(format="Cassette", copies__isnull=False).distinct().count()
        assert body["total"] == expected and len(body["items"]) == min(60, expected)
        titles = [a["title"] for a in body["items"]]
        assert titles == sorted(titles)
        assert all(a["format"] == "Cassette" and a["copies"] >= 1 and a["url"].startswith("/albums/")
                   for a in body["items"])
        first = owner_client.get("/api/v1/collection/albums").json()
        second = owner_client.get("/api/v1/collection/albums", {"cursor": first["next_cursor"]}).json()
        third = owner_client.get("/api/v1/collection/albums", {"cursor": second["next_cursor"]}).json()
        assert first["total"] == 130 and [len(p["items"]) for p in (first, second, third)] == [60, 60, 10]
        assert third["next_cursor"] is None
        ids = [a["id"] for page in (first, second, third) for a in page["items"]]
        assert len(set(ids)) == 130

    def test_it_lists_collection_artists(self, owner_client, fake_services):
        call_command("sync_discogs", stdout=StringIO(), stderr=StringIO())
        body = owner_client.get("/api/v1/collection/artists").json()
        names = [a["name"] for a in body["items"]]
        assert "Air" in names and "Air (2)" not in names and body["total"] == 5

    def test_it_refuses_anonymous_api_calls(self, client, fake_services):
        assert client.get("/api/v1/collection/albums").status_code == 401
        assert client.post("/api/v1/services/discogs/sync").status_code == 401


class TestCommand:
    def test_it_shows_progress_and_ends_with_a_summary(self, fake_services):
        DiscogsCollection.generate(210).install(fake_services)
        out, err = StringIO(), StringIO()
        call_command("sync_discogs", "--tracklists", "3", stdout=out, stderr=err)
        assert "Page 3 of 3: 210 copies stored" in err.getvalue()
        lines = out.getvalue().strip().splitlines()
        assert (len(lines) == 1 and lines[0].startswith("Discogs: 210 copies seen")
                and "3 tracklists fetched" in lines[0])

    def test_it_fails_with_a_one_line_reason_on_a_rejected_token(self, fake_services):
        fake_services.reject_auth("discogs")
        with pytest.raises(CommandError, match=r"^Discogs refused the token \(HTTP 401\): check DISCOGS_TOKEN"):
            call_command("sync_discogs", stdout=StringIO(), stderr=StringIO())

    def test_it_fails_clearly_when_not_configured(self, settings, db):
        settings.DISCOGS_TOKEN = ""
        with pytest.raises(CommandError, match="Discogs is not configured: set DISCOGS_TOKEN"):
            call_command("sync_discogs", stdout=StringIO(), stderr=StringIO())


class TestSchedule:
    def test_it_declares_the_weekly_sync(self, settings):
        declared = {s["name"]: s for s in settings.JOURNAL_SCHEDULES}
        assert declared["discogs weekly sync"]["func"] == "catalog.tasks.discogs_sync_scheduled"
        assert declared["discogs weekly sync"]["schedule_type"] == "W"

    def test_the_scheduled_sync_skips_when_one_is_running(self, fake_services):
        job_start(job=job_create(kind=JOB_KIND))
        assert "already running" in discogs_sync_scheduled()
        assert not fake_services.requests_to("discogs")

    def test_the_scheduled_sync_waits_without_a_discogs_account_and_leaves_no_failed_job(self, settings, db):
        settings.DISCOGS_TOKEN = ""
        assert discogs_sync_scheduled().endswith("the weekly sync waits")
        assert not Job.objects.filter(kind=JOB_KIND).exists()

    def test_the_scheduled_sync_runs_the_same_service(self, fake_services):
        assert discogs_sync_scheduled().startswith("5 copies seen")
        assert CollectionItem.objects.count() == 5
