"""Playlists made by generators (or by hand) from the listening history and the shelf."""

from django.db import models
from django.urls import reverse
from django.utils import timezone

from catalog.models import Track


class Playlist(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    algorithm = models.CharField(max_length=50, blank=True, help_text="Generator that made it; blank if hand-made.")
    params = models.JSONField(default=dict, blank=True, help_text="The generator's parameters, as cleaned.")
    seed = models.PositiveBigIntegerField(null=True, blank=True, help_text="Same seed, same library: same playlist.")
    is_ai = models.BooleanField(default=False)
    prompt = models.TextField(blank=True, help_text="The wish an AI playlist was drawn from.")
    model_used = models.CharField(max_length=100, blank=True, help_text="The language model that chose the tracks.")
    details = models.JSONField(
        default=dict, blank=True, help_text="What the generator reported, e.g. answers dropped by the AI check."
    )
    refresh_weekly = models.BooleanField(default=False, help_text="Regenerate every week, keeping the playlist.")
    refreshed_at = models.DateTimeField(null=True, blank=True, help_text="When its tracks were last drawn.")
    spotify_id = models.CharField(max_length=40, blank=True, help_text="The Spotify playlist it was exported to.")
    tracks = models.ManyToManyField(Track, through="PlaylistTrack", related_name="playlists")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["refresh_weekly", "refreshed_at"], name="playlist_refresh_due")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("playlist_detail", args=[self.pk])


class PlaylistTrack(models.Model):
    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="entries")
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="playlist_entries")
    position = models.PositiveIntegerField()
    reason = models.CharField(max_length=255, blank=True, help_text="Why the generator chose this track.")

    class Meta:
        ordering = ["playlist", "position"]
        constraints = [models.UniqueConstraint(fields=["playlist", "position"], name="playlist_position_unique")]

    def __str__(self):
        return f"{self.position}. {self.track}"
