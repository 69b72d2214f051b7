"""Playlists made by generators (or by hand) from the listening history."""

from django.db import models
from django.urls import reverse
from django.utils import timezone

from catalog.models import Track


class Playlist(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    algorithm = models.CharField(max_length=50, blank=True, help_text="Generator that made it; blank if hand-made.")
    params = models.JSONField(default=dict, blank=True)
    is_ai = models.BooleanField(default=False)
    tracks = models.ManyToManyField(Track, through="PlaylistTrack", related_name="playlists")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("playlists") + f"#playlist-{self.pk}"


class PlaylistTrack(models.Model):
    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="entries")
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="playlist_entries")
    position = models.PositiveIntegerField()
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["playlist", "position"]
        constraints = [models.UniqueConstraint(fields=["playlist", "position"], name="playlist_position_unique")]

    def __str__(self):
        return f"{self.position}. {self.track}"
