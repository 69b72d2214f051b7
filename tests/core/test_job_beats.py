"""A job survives a dead worker: it beats while it runs, a silent one is interrupted, and it resumes."""

import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from core.models import Job
from core.services import jobs
from core.tasks import HEARTBEAT_KEY, worker_started


@pytest.fixture
def queued(monkeypatch):
    """What was handed to a worker (instead of running it at once)."""
    handed = []
    monkeypatch.setattr(jobs, "async_task", lambda task, job_id, **kw: handed.append((task, job_id)))
    return handed


def silent_for(job, seconds):
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(seconds=seconds))
    job.refresh_from_db()
    return job


def running_with_checkpoint(kind="discogs_sync", checkpoint=None):
    job = jobs.job_start(job=jobs.job_create(kind=kind), message="Page 15 of 60")
    jobs.job_progress(job=job, done=1500, total=6000, checkpoint=checkpoint or {"next_page": 16})
    return job


@pytest.mark.django_db(transaction=True)
def test_a_running_job_beats_while_its_work_waits():
    job = silent_for(running_with_checkpoint(), 600)
    with jobs.job_beating(job=job, every=0.05):
        time.sleep(0.4)  # a long wait on a rate limit: no progress is reported, the beat goes on
        assert not Job.objects.get(pk=job.pk).is_interrupted
    assert (timezone.now() - Job.objects.get(pk=job.pk).updated_at).total_seconds() < 5


@pytest.mark.django_db
def test_work_that_escapes_with_an_unexpected_error_leaves_its_job_failed_not_running():
    job = running_with_checkpoint()
    with pytest.raises(ZeroDivisionError), jobs.job_beating(job=job, every=60):
        1 / 0
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "unexpected error" in job.message
    assert job.checkpoint == {"next_page": 16} and job.can_resume


@pytest.mark.django_db
def test_a_job_silent_for_two_minutes_is_interrupted_and_a_new_request_starts_at_once(queued):
    dead = silent_for(running_with_checkpoint(), 120)
    assert dead.is_interrupted and not dead.is_active and dead.can_resume
    assert jobs.job_active(kind="discogs_sync") is None
    job, created = jobs.job_request(kind="discogs_sync")
    assert created and job.checkpoint == {"next_page": 16}  # the new run goes on from the dead one's page
    dead.refresh_from_db()
    assert dead.status == Job.Status.FAILED and "Interrupted" in dead.message and dead.checkpoint == {}


@pytest.mark.django_db
def test_a_starting_worker_resumes_interrupted_jobs_from_their_checkpoint(queued, django_capture_on_commit_callbacks,
                                                                         monkeypatch):
    import threading

    from core import tasks

    beating = threading.Event()
    beating.set()  # as if this process beat already: no heartbeat thread outlives the test
    monkeypatch.setattr(tasks, "_beating", beating)
    dead = silent_for(running_with_checkpoint(), 120)
    alive = running_with_checkpoint(kind="lastfm_backfill", checkpoint={"page": 3})
    with django_capture_on_commit_callbacks(execute=True):
        worker_started()
    dead.refresh_from_db()
    assert dead.status == Job.Status.PENDING and dead.checkpoint == {"next_page": 16}
    assert queued == [("catalog.tasks.discogs_sync_task", dead.pk)]  # the beating one is left alone
    assert jobs.job_to_run(job_id=dead.pk, kind="discogs_sync") == dead
    # the task django-q2 delivers again hours later finds it running (and beating): it does not run twice
    assert jobs.job_to_run(job_id=dead.pk, kind="discogs_sync") is None
    assert Job.objects.get(pk=alive.pk).status == Job.Status.RUNNING
    assert cache.get(HEARTBEAT_KEY)  # and the worker says it is alive


@pytest.mark.django_db
def test_the_progress_bar_of_an_interrupted_job_stops_polling_and_offers_resume(owner_client, queued,
                                                                                 django_capture_on_commit_callbacks):
    dead = silent_for(running_with_checkpoint(), 120)
    html = owner_client.get(f"/jobs/{dead.pk}/progress/").content.decode()
    assert "Interrupted" in html and "hx-trigger" not in html and f"/jobs/{dead.pk}/resume/" in html
    with django_capture_on_commit_callbacks(execute=True):
        html = owner_client.post(f"/jobs/{dead.pk}/resume/", HTTP_HX_REQUEST="true").content.decode()
    assert queued == [("catalog.tasks.discogs_sync_task", dead.pk)]
    assert 'hx-trigger="every 1s"' in html and "Resume" not in html
    assert Job.objects.get(pk=dead.pk).status == Job.Status.PENDING


@pytest.mark.django_db
def test_a_failed_job_with_a_checkpoint_resumes_as_a_new_run_taking_it_over(owner_client, queued,
                                                                            django_capture_on_commit_callbacks):
    failed = jobs.job_fail(job=running_with_checkpoint(), error="Discogs failed on page 16")
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"/jobs/{failed.pk}/resume/")
    resumed = Job.objects.exclude(pk=failed.pk).get(kind="discogs_sync")
    assert resumed.checkpoint == {"next_page": 16} and queued == [("catalog.tasks.discogs_sync_task", resumed.pk)]


@pytest.mark.django_db
def test_an_imports_uploaded_files_are_removed_when_its_job_ends_either_way(settings, tmp_path):
    from tracker.services.import_upload import IMPORT_KIND, uploads_folder

    settings.DATA_DIR = tmp_path
    ends = (lambda job: jobs.job_fail(job=job, error="stopped"), lambda job: jobs.job_finish(job=job, message="done"),
            lambda job: jobs.job_cancel(job=job))
    for end in ends:
        job = jobs.job_start(job=jobs.job_create(kind=IMPORT_KIND))
        folder = uploads_folder() / f"import-{job.pk}"
        folder.mkdir(parents=True)
        (folder / "Streaming_History_Audio_2024_0.json").write_text("[]")
        end(job)
        assert not folder.exists()


@pytest.mark.django_db
def test_healthz_says_the_worker_is_gone_within_a_minute(client):
    cache.set(HEARTBEAT_KEY, (timezone.now() - timedelta(seconds=50)).isoformat())
    report = client.get("/healthz").json()
    assert report["status"] == "degraded" and report["worker"]["ok"] is False
    cache.set(HEARTBEAT_KEY, (timezone.now() - timedelta(seconds=10)).isoformat())
    assert client.get("/healthz").json()["worker"]["ok"] is True


@pytest.mark.django_db
def test_a_task_run_in_the_callers_process_starts_no_worker_heartbeat(monkeypatch, settings):
    """In sync mode django-q2 sends post_spawn before every task; no worker started, so nothing beats."""
    from django_q.signals import post_spawn

    from core import tasks

    started = []
    monkeypatch.setattr(tasks, "worker_started", lambda **kw: started.append(kw))
    post_spawn.send(sender="django_q", proc_name="MainProcess")
    assert started == [] and settings.Q_CLUSTER["sync"]
    monkeypatch.setitem(settings.Q_CLUSTER, "sync", False)
    post_spawn.send(sender="django_q", proc_name="Worker-1")
    assert started == [{"proc_name": "Worker-1", "signal": post_spawn, "sender": "django_q"}]
