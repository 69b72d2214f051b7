"""Read-side queries of playlists."""
