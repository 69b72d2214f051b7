"""Versions of the playlists for the API's conditional GETs (core.api_caching)."""

from django.db.models import Count, F, Max, Sum

from core.api_caching import DataVersion, versions_combined
from playlists.models import Playlist, PlaylistTrack
from tracker.selectors.api_versions import history_data_version


def playlists_data_version(**_) -> DataVersion:
    """The playlists (created, renamed, regenerated: `updated_at`), their entries (added, removed,
    moved: the sum of position × track changes on a move) and the history (entries show plays)."""
    lists = Playlist.objects.aggregate(n=Count("id"), updated=Max("updated_at"))
    entries = PlaylistTrack.objects.aggregate(n=Count("id"), newest=Max("id"), order=Sum(F("position") * F("track_id")))
    own = DataVersion(f"p{lists['n']}:{lists['updated']}:{entries['n']}:{entries['newest']}:{entries['order']}",
                      lists["updated"])
    return versions_combined(own, history_data_version())
