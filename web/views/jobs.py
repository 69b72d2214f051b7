"""A long job's progress bar, polled by htmx while the job runs."""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from core.models import Job


@require_GET
def job_progress(request, job_id: int):
    job = get_object_or_404(Job, pk=job_id)
    return render(request, "core/partials/job_progress.html", {"job": job})
