"""Versions of the collection for the API's conditional GETs (core.api_caching)."""

from django.db.models import Count, Max, Sum

from catalog.models import CollectionItem
from core.api_caching import DataVersion
from core.selectors.data_changes import data_change_latest


def collection_data_version(**_) -> DataVersion:
    """The owned copies and their albums' figures, in one query over the copies (thousands of rows,
    not the whole catalog): a sync (which marks every copy it sees), a copy added or removed, new
    plays of an owned album (its denormalized play count) or its enrichment give a new version.
    An edit by hand in the admin shows as a new data change (core.services.data_changes)."""
    figures = CollectionItem.objects.aggregate(
        copies=Count("id"), newest=Max("id"), synced=Max("synced_at"), removed=Max("removed_at"),
        added=Max("date_added"), plays=Sum("album__play_count"), played=Max("album__last_played_at"),
        enriched=Max("album__enriched_at"),
    )
    moments = [figures[k] for k in ("synced", "removed", "added", "played", "enriched") if figures[k]]
    tag = "c" + ":".join(str(figures[k]) for k in sorted(figures)) + f":{data_change_latest()}"
    return DataVersion(tag, max(moments) if moments else None)
