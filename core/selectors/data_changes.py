"""The newest data change (core.services.data_changes): part of every conditional read's version."""

from django.db.models import Max

from core.models import DataChange


def data_change_latest() -> int:
    return DataChange.objects.aggregate(latest=Max("id"))["latest"] or 0
