"""Versions of one entity's facts for the API's conditional GETs (core.api_caching)."""

from django.db.models import Count, Max

from core.api_caching import DataVersion
from enrichment.models import Fact


def facts_data_version(*, entity_type: str, entity_id: int) -> DataVersion:
    """How many facts the entity has and when the newest was retrieved: one query on the
    (entity_type, entity_id, field) index."""
    figures = Fact.objects.filter(entity_type=entity_type, entity_id=entity_id).aggregate(
        n=Count("id"), newest=Max("retrieved_at"))
    return DataVersion(f"f{figures['n']}:{figures['newest']}", figures["newest"])
