"""django-q2 tasks of the playlists: thin callers of their services."""

from playlists.services.playlists import playlists_refresh_due


def playlists_refresh_weekly_task() -> str:
    """Hourly: every weekly playlist drawn a week or more ago is drawn again, keeping its id."""
    return f"{playlists_refresh_due()} weekly playlists refreshed"
