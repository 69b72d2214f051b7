"""Signals the catalog sends so higher layers can follow its changes without being imported.

`artists_merged` is sent inside the merge transaction, after every foreign key has moved and
before the merged artists are deleted. Keyword arguments:

- `target_id`: the artist that was kept;
- `merged_ids`: ids of the artists merged into it (about to be deleted);
- `track_map`: `{merged_track_id: kept_track_id}` for tracks that clashed and were merged.

A receiver returns how many rows it moved (an int), which the merge reports. A receiver that
raises rolls the whole merge back.

`albums_linked` is sent after collection releases were linked to albums of the listening
history (`album_ids`: the releases just linked); `collection_synced` after a Discogs sync
stored a complete pass (`album_ids=None`: anything may have changed). The tracker refreshes
the albums' play figures on both.
"""

from django.dispatch import Signal

artists_merged = Signal()
albums_linked = Signal()
collection_synced = Signal()
