"""A long job's progress bar (polled by htmx while the job runs) and its "Resume" button."""

from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.models import Job
from core.services.jobs import job_resume as job_resume_service


@require_GET
def job_progress(request, job_id: int):
    job = get_object_or_404(Job, pk=job_id)
    return render(request, "core/partials/job_progress.html", {"job": job})


@require_POST
def job_resume(request, job_id: int):
    """Hand an interrupted or stopped job back to a worker; answers the (new) job's progress bar."""
    job = job_resume_service(job=get_object_or_404(Job, pk=job_id))
    if request.htmx:
        return render(request, "core/partials/job_progress.html", {"job": job})
    return redirect("settings")
