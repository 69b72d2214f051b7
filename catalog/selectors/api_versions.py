"""Versions of the collection for the API's conditional GETs (core.api_caching)."""

from django.db.models import Count, Max, Sum

from catalog.models import CollectionItem
from core.api_caching import DataVersion


def collection_data_version(**_) -> DataVersion:
    """The owned copies and their albums' figures, in one query over the copies (thousands of rows,
    not the whole catalog): a sync (which marks every copy it sees), a copy added or removed, new
    plays of an owned album (its denormalized play count) or its enrichment give a new version.
    An edit made by hand in the admin does not: it is seen at the next of those."""
    figures = CollectionItem.objects.aggregate(
        copies=Count("id"), newest=Max("id"), synced=Max("synced_at"), removed=Max("removed_at"),
        added=Max("date_added"), plays=Sum("album__play_count"), played=Max("album__last_played_at"),
        enriched=Max("album__enriched_at"),
    )
    moments = [figures[k] for k in ("synced", "removed", "added", "played", "enriched") if figures[k]]
    tag = "c" + ":".join(str(figures[k]) for k in sorted(figures))
    return DataVersion(tag, max(moments) if moments else None)
