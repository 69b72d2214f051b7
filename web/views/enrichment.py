"""The "Refresh from the sources" button of the artist and album pages."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from catalog.models import Album, Artist
from enrichment.services.runs import enrich_refresh_request


@require_POST
def enrich_refresh(request, entity: str, entity_id: int):
    """Queue a refresh of one artist or album; htmx gets the job's progress bar in the button's place."""
    model = {"artist": Artist, "album": Album}[entity]
    if not model.objects.filter(pk=entity_id).exists():
        raise Http404(f"No such {entity}.")
    job = enrich_refresh_request(entity=entity, entity_id=entity_id)
    if request.htmx:
        return render(request, "core/partials/job_progress.html", {"job": job})
    return redirect(f"{entity}_detail", entity_id)
