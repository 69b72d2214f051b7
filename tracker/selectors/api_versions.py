"""Versions of the listening history for the API's conditional GETs (core.api_caching)."""

from datetime import datetime, time

from django.db.models import Max, Sum
from django.utils import timezone

from catalog.selectors.api_versions import collection_data_version
from core.api_caching import DataVersion, versions_combined
from core.selectors.data_changes import data_change_latest
from tracker.models import MonthHour, Scrobble


def history_data_version(**_) -> DataVersion:
    """The newest play, the number of plays and the local date: a new play, a removed one (an
    undone turntable session) or a new day (which moves "today" and every "last N days") gives
    a new version. Three cheap queries: the primary key's last entry, that play's row and a sum
    over the month-hour rollup (a few thousand rows); and the newest data change, for an edit or a
    merge that changes neither (a loved flag, a name fixed in the admin). Last modified: when the
    newest play was stored, or today's local midnight if later."""
    newest = Scrobble.objects.aggregate(newest=Max("id"))["newest"]  # the rowid's last entry: no walk
    stored = Scrobble.objects.filter(pk=newest).values_list("created_at", flat=True).first() if newest else None
    plays = MonthHour.objects.aggregate(n=Sum("plays"))["n"] or 0
    today = timezone.localdate()
    midnight = timezone.make_aware(datetime.combine(today, time.min))
    tag = f"h{newest or 0}:{plays}:{today.isoformat()}:{data_change_latest()}"
    return DataVersion(tag, max(stored, midnight) if stored else midnight)


def library_data_version(**_) -> DataVersion:
    """The history and the collection: for figures that join plays to the shelf (analytics)."""
    return versions_combined(history_data_version(), collection_data_version())
