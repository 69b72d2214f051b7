"""The settings page's backups: a backup file, streamed from the backup folder (the newest is offered)."""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.selectors.backups import backup_find


@require_GET
@never_cache
def backup_download(request, name: str) -> FileResponse:
    """A copy of the whole database holds every account's password hash: for the owner (staff) only.

    `name` is looked up in the folder's own listing, so nothing outside the folder can be asked for.
    """
    if not request.user.is_staff:
        raise PermissionDenied
    backup = backup_find(name=name)
    if backup is None:
        raise Http404("no such backup")
    try:
        stream = backup.path.open("rb")
    except FileNotFoundError:  # rotated away since the listing
        raise Http404("no such backup") from None
    return FileResponse(stream, as_attachment=True, filename=backup.name, content_type="application/octet-stream")
