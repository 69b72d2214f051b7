"""Job progress: the kernel every long task reports to, its progress bar and its API."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import Job
from core.services.jobs import job_active, job_create, job_fail, job_finish, job_progress, job_resumable, job_start

pytestmark = pytest.mark.django_db


def test_it_tracks_a_job_from_start_to_finish():
    job = job_create(kind="discogs_sync")
    assert job_active(kind="discogs_sync") == job
    job_start(job=job, total=400)
    job_progress(job=job, done=100, message="Page 1 of 4", checkpoint={"page": 1})
    stored = Job.objects.get(pk=job.pk)
    assert (stored.done, stored.total, stored.percent, stored.checkpoint) == (100, 400, 25, {"page": 1})
    job_finish(job=job, message="400 releases")
    assert Job.objects.get(pk=job.pk).status == Job.Status.SUCCEEDED
    assert job_active(kind="discogs_sync") is None


def test_a_failed_job_keeps_its_checkpoint_to_resume_from():
    job = job_create(kind="lastfm_backfill")
    job_start(job=job)
    job_progress(job=job, done=600, checkpoint={"page": 3, "to": 1700000000})
    job_fail(job=job, error="Last.fm: unavailable after 3 retries\ndetails")
    assert job_resumable(kind="lastfm_backfill").checkpoint == {"page": 3, "to": 1700000000}
    assert Job.objects.get(pk=job.pk).message == "Last.fm: unavailable after 3 retries"


def test_a_running_job_silent_for_long_is_not_active():
    job = job_create(kind="lastfm_backfill")
    job_start(job=job)
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    assert job_active(kind="lastfm_backfill") is None
    assert job_resumable(kind="lastfm_backfill") is None  # nothing to resume without a checkpoint


def test_the_progress_bar_polls_while_running_and_stops_when_done(owner_client, client):
    job = job_create(kind="import")
    job_start(job=job, total=10)
    job_progress(job=job, done=5, message="Reading file 1 of 2")
    html = owner_client.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' in html and "Reading file 1 of 2" in html and 'value="50"' in html
    job_finish(job=job, message="10 plays added")
    html = owner_client.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert "hx-trigger" not in html and "10 plays added" in html
    client.logout()
    assert client.get(f"/jobs/{job.pk}/progress/").status_code == 302


def test_the_api_reports_a_jobs_progress(owner_client):
    job = job_create(kind="discogs_sync")
    job_start(job=job, total=200)
    job_progress(job=job, done=50)
    body = owner_client.get(f"/api/v1/jobs/{job.pk}").json()
    assert body["status"] == "running" and body["percent"] == 25 and body["done"] == 50
    assert owner_client.get("/api/v1/jobs/999999").status_code == 404
