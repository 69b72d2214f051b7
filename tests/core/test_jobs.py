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


def test_a_claim_returns_the_live_job_or_a_new_one_that_takes_over_the_stopped_runs_checkpoint():
    from core.services.jobs import job_claim

    stopped = job_create(kind="discogs_sync")
    job_start(job=stopped)
    job_progress(job=stopped, checkpoint={"next_page": 4})
    job_fail(job=stopped, error="Discogs failed on page 4")
    job, created = job_claim(kind="discogs_sync", params={"requested_by": "test"})
    assert created and job.pk != stopped.pk and job.checkpoint == {"next_page": 4}
    assert Job.objects.get(pk=job.pk).checkpoint == {"next_page": 4}
    assert Job.objects.get(pk=stopped.pk).checkpoint == {}  # handed over once, never resumed twice
    again, created_again = job_claim(kind="discogs_sync")
    assert (again.pk, created_again) == (job.pk, False)


def test_a_requested_job_is_queued_once_and_a_worker_runs_only_a_waiting_one(django_capture_on_commit_callbacks,
                                                                             monkeypatch):
    from core.services import jobs

    queued = []
    monkeypatch.setattr(jobs, "async_task", lambda task, job_id, **kw: queued.append((task, job_id)))
    with django_capture_on_commit_callbacks(execute=True):
        job, created = jobs.job_request(kind="lastfm_backfill", task="tracker.tasks.lastfm_backfill_task")
        same, created_again = jobs.job_request(kind="lastfm_backfill", task="tracker.tasks.lastfm_backfill_task")
    assert created and not created_again and same.pk == job.pk
    assert queued == [("tracker.tasks.lastfm_backfill_task", job.pk)]
    assert jobs.job_to_run(job_id=job.pk, kind="lastfm_backfill") == job
    assert jobs.job_to_run(job_id=job.pk, kind="discogs_sync") is None
    jobs.job_finish(job=job, message="done", result={"pages": 3})
    assert jobs.job_to_run(job_id=job.pk, kind="lastfm_backfill") is None
    assert Job.objects.get(pk=job.pk).result == {"pages": 3}
