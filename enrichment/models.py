"""The evidence trail behind every enriched value."""

from django.db import models
from django.utils import timezone


class Fact(models.Model):
    """One enriched value about an artist or album, where it came from and until when it holds."""

    class Entity(models.TextChoices):
        ARTIST = "artist", "Artist"
        ALBUM = "album", "Album"
        TRACK = "track", "Track"

    entity_type = models.CharField(max_length=10, choices=Entity.choices)
    entity_id = models.PositiveBigIntegerField()
    field = models.CharField(max_length=50)
    value = models.JSONField(null=True, blank=True)
    provider = models.CharField(max_length=30)
    retrieved_at = models.DateTimeField(default=timezone.now)
    confidence = models.FloatField(default=1.0, help_text="0 to 1")
    evidence = models.JSONField(default=list, blank=True, help_text="Request ids, URLs.")
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["entity_type", "entity_id", "field", "-retrieved_at"]
        indexes = [models.Index(fields=["entity_type", "entity_id", "field"], name="fact_entity_field")]
        constraints = [
            models.UniqueConstraint(
                fields=["entity_type", "entity_id", "field", "provider"], name="fact_unique_per_provider"
            )
        ]

    def __str__(self):
        return f"{self.entity_type}:{self.entity_id}.{self.field} from {self.provider}"
