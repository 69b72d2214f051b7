"""Keep the evidence trail attached when the catalog merges artists (facts are not foreign keys)."""

from django.dispatch import receiver

from catalog.signals import artists_merged
from enrichment.models import Fact


@receiver(artists_merged, dispatch_uid="enrichment.move_facts_of_merged_artists")
def move_facts_of_merged_artists(sender, *, target_id: int, merged_ids: list[int], track_map: dict[int, int],
                                 **kwargs) -> int:
    """Move the facts of merged artists (and of merged tracks) onto the kept ones; returns rows moved."""
    moved = 0
    for merged_id in merged_ids:
        moved += fact_reassign(entity_type=Fact.Entity.ARTIST, from_id=merged_id, to_id=target_id)
    for merged_track_id, kept_track_id in track_map.items():
        moved += fact_reassign(entity_type=Fact.Entity.TRACK, from_id=merged_track_id, to_id=kept_track_id)
    return moved


def fact_reassign(*, entity_type: str, from_id: int, to_id: int) -> int:
    """Move one entity's facts to another; where both have a fact for (field, provider), keep the newest."""
    moved = 0
    kept = {(f.field, f.provider): f for f in Fact.objects.filter(entity_type=entity_type, entity_id=to_id)}
    for fact in Fact.objects.filter(entity_type=entity_type, entity_id=from_id):
        twin = kept.get((fact.field, fact.provider))
        if twin is not None:
            if twin.retrieved_at >= fact.retrieved_at:
                fact.delete()
                continue
            twin.delete()
        Fact.objects.filter(pk=fact.pk).update(entity_id=to_id)
        moved += 1
    return moved
