"""The catalog: artists, albums, tracks, labels, tags, images and owned copies."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.normalize import name_key, title_key


def _refuse_key_clash(instance: models.Model, field: str, **same) -> None:
    """A form error when the matching key computed on save would break a unique constraint.

    The key fields are not on admin forms, so Django's own uniqueness checks skip them and
    the clash would surface as an IntegrityError (a 500) instead.
    """
    clash = type(instance).objects.filter(**same).exclude(pk=instance.pk).first()
    if clash is not None:
        raise ValidationError({field: f"“{clash}” already has this name once normalized: edit or merge that one."})


class Tag(models.Model):
    """A genre, style or free tag; per-source weights live on the through models."""

    name = models.CharField(max_length=100)
    name_key = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        _refuse_key_clash(self, "name", name_key=name_key(self.name))

    def save(self, *args, **kwargs):
        self.name_key = name_key(self.name)
        super().save(*args, **kwargs)


class Label(models.Model):
    name = models.CharField(max_length=255)
    name_key = models.CharField(max_length=255, db_index=True)
    discogs_id = models.PositiveBigIntegerField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name_key"], condition=Q(discogs_id__isnull=True), name="label_unique_key_without_discogs"
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.discogs_id is None:
            _refuse_key_clash(self, "name", name_key=name_key(self.name), discogs_id__isnull=True)

    def save(self, *args, **kwargs):
        self.name_key = name_key(self.name)
        super().save(*args, **kwargs)


class Artist(models.Model):
    name = models.CharField(max_length=255)
    name_key = models.CharField(max_length=255, unique=True, help_text="Normalized name used for matching.")
    sort_name = models.CharField(max_length=255, blank=True)
    mbid = models.UUIDField(null=True, blank=True, unique=True, verbose_name="MusicBrainz id")
    spotify_id = models.CharField(max_length=40, null=True, blank=True, unique=True)
    discogs_id = models.PositiveBigIntegerField(null=True, blank=True, unique=True)
    wikidata_id = models.CharField(max_length=20, null=True, blank=True, unique=True)
    lastfm_url = models.URLField(blank=True)
    image_url = models.CharField(max_length=500, blank=True, help_text="Main picture (URL or generated data URI path).")

    # Enriched facts; their provenance is in enrichment.Fact.
    popularity = models.PositiveSmallIntegerField(null=True, blank=True)
    followers = models.PositiveBigIntegerField(null=True, blank=True)
    lastfm_listeners = models.PositiveBigIntegerField(null=True, blank=True)
    lastfm_playcount = models.PositiveBigIntegerField(null=True, blank=True)
    monthly_listeners = models.PositiveBigIntegerField(null=True, blank=True)
    bio = models.TextField(blank=True)
    principal_label = models.ForeignKey(
        Label, null=True, blank=True, on_delete=models.SET_NULL, related_name="principal_of"
    )
    management = models.CharField(max_length=255, blank=True)
    official_website = models.URLField(blank=True)
    enriched_at = models.DateTimeField(null=True, blank=True, db_index=True)

    tags = models.ManyToManyField(Tag, through="ArtistTag", related_name="artists", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        _refuse_key_clash(self, "name", name_key=name_key(self.name))

    def save(self, *args, **kwargs):
        self.name_key = name_key(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("artist_detail", args=[self.pk])


class Album(models.Model):
    class Format(models.TextChoices):
        VINYL = "Vinyl", "Vinyl"
        CD = "CD", "CD"
        CASSETTE = "Cassette", "Cassette"
        FILE = "File", "File"
        BOX = "Box Set", "Box set"
        OTHER = "Other", "Other"

    title = models.CharField(max_length=500)
    # Neither key nor artist has an index of its own: album_artist_title (artist, title_key) serves
    # both (nothing looks an album up by title key alone), and every index costs each insert.
    title_key = models.CharField(max_length=500)
    artist = models.ForeignKey(
        Artist, null=True, blank=True, on_delete=models.PROTECT, related_name="primary_albums",
        help_text="The first credited artist, kept for fast matching and listing.", db_index=False,
    )
    artists = models.ManyToManyField(Artist, through="AlbumArtist", related_name="albums", blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True, db_index=True)
    label = models.ForeignKey(Label, null=True, blank=True, on_delete=models.SET_NULL, related_name="albums")
    catalog_number = models.CharField(max_length=100, blank=True)
    format = models.CharField(max_length=20, choices=Format.choices, blank=True, db_index=True)
    format_descriptions = models.CharField(
        max_length=255, blank=True, help_text="Discogs descriptions, e.g. LP, Album, Reissue."
    )
    discogs_release_id = models.PositiveBigIntegerField(null=True, blank=True, unique=True)
    discogs_master_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    spotify_id = models.CharField(max_length=40, null=True, blank=True, unique=True)
    spotify_url = models.URLField(blank=True)
    mbid = models.UUIDField(null=True, blank=True, unique=True, verbose_name="MusicBrainz id")
    cover_url = models.CharField(max_length=500, blank=True)
    thumb_url = models.CharField(max_length=500, blank=True)
    enriched_at = models.DateTimeField(null=True, blank=True, db_index=True)
    listened_album = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_editions",
        help_text="For a collection release: the album of the listening history it is an edition of.",
    )
    tags = models.ManyToManyField(Tag, through="AlbumTag", related_name="albums", blank=True)
    # Denormalized by tracker.services.album_plays so "sort by plays" over a large collection
    # needs no aggregate over every scrobble; an edition counts its listened album's plays.
    play_count = models.PositiveIntegerField(
        default=0, help_text="Plays of this record (its listened album's included)."
    )
    last_played_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title"]
        indexes = [
            models.Index(fields=["artist", "title_key"], name="album_artist_title"),
            models.Index(fields=["-play_count", "id"], name="album_most_played"),
            models.Index(fields=["-last_played_at", "id"], name="album_last_played"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.title_key = title_key(self.title)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("album_detail", args=[self.pk])


class AlbumArtist(models.Model):
    """An album's credit, in order, with the Discogs join phrase (`,`, `&`, `Feat.`)."""

    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="credits")
    artist = models.ForeignKey(Artist, on_delete=models.PROTECT, related_name="album_credits")
    position = models.PositiveSmallIntegerField(default=0)
    credited_name = models.CharField(max_length=255, blank=True, help_text="Name as credited (Discogs anv).")
    join_phrase = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["album", "position"]
        constraints = [models.UniqueConstraint(fields=["album", "artist"], name="album_artist_unique")]

    def __str__(self):
        return f"{self.artist} on {self.album}"


class Track(models.Model):
    title = models.CharField(max_length=500)
    title_key = models.CharField(max_length=500)
    # No index of its own: track_artist_title and track_unique_in_album start with it.
    artist = models.ForeignKey(Artist, on_delete=models.PROTECT, related_name="tracks", db_index=False)
    album = models.ForeignKey(Album, null=True, blank=True, on_delete=models.SET_NULL, related_name="tracks")
    disc_number = models.PositiveSmallIntegerField(null=True, blank=True)
    number = models.PositiveSmallIntegerField(null=True, blank=True)
    position = models.CharField(max_length=10, blank=True, help_text="Position as printed, e.g. A1.")
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    mbid = models.UUIDField(null=True, blank=True, unique=True, verbose_name="MusicBrainz id")
    spotify_id = models.CharField(max_length=40, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["album", "disc_number", "number", "title"]
        indexes = [models.Index(fields=["artist", "title_key"], name="track_artist_title")]
        constraints = [
            # One track per artist, album and title: ingest finds or creates on this key.
            models.UniqueConstraint(fields=["artist", "album", "title_key"], name="track_unique_in_album"),
            models.UniqueConstraint(
                fields=["artist", "title_key"], condition=Q(album__isnull=True), name="track_unique_without_album"
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        if self.artist_id:
            _refuse_key_clash(self, "title", artist_id=self.artist_id, album_id=self.album_id,
                              title_key=title_key(self.title))

    def save(self, *args, **kwargs):
        self.title_key = title_key(self.title)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("track_detail", args=[self.pk])

    @property
    def duration_display(self) -> str:
        if not self.duration_ms:
            return ""
        seconds = self.duration_ms // 1000
        return f"{seconds // 60}:{seconds % 60:02d}"


class Image(models.Model):
    class Kind(models.TextChoices):
        COVER = "cover", "Cover"
        THUMB = "thumb", "Thumbnail"
        PICTURE = "picture", "Artist picture"
        BACK = "back", "Back cover"

    artist = models.ForeignKey(Artist, null=True, blank=True, on_delete=models.CASCADE, related_name="images")
    album = models.ForeignKey(Album, null=True, blank=True, on_delete=models.CASCADE, related_name="images")
    url = models.CharField(max_length=500)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.COVER)
    source = models.CharField(max_length=30, help_text="spotify, discogs, lastfm, generated…")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(artist__isnull=False) | Q(album__isnull=False), name="image_belongs_to_something"
            )
        ]

    def __str__(self):
        return f"{self.kind} from {self.source}"


class AlbumInfo(models.Model):
    """AI-written notes about an album, and the model that wrote them."""

    album = models.OneToOneField(Album, on_delete=models.CASCADE, related_name="info")
    summary = models.CharField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    is_soundtrack = models.BooleanField(default=False)
    film = models.CharField(max_length=255, blank=True)
    model_used = models.CharField(max_length=100, blank=True)
    generated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "album info"
        verbose_name_plural = "album info"

    def __str__(self):
        return f"Notes on {self.album}"


class ArtistSimilar(models.Model):
    artist = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="similar_links")
    similar = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="similar_to_links")
    match = models.FloatField(default=0.0, help_text="0 to 1")
    source = models.CharField(max_length=30, default="lastfm")

    class Meta:
        ordering = ["artist", "-match"]
        verbose_name_plural = "similar artists"
        constraints = [
            models.UniqueConstraint(fields=["artist", "similar", "source"], name="artist_similar_unique"),
            models.CheckConstraint(condition=~Q(artist=models.F("similar")), name="artist_not_similar_to_itself"),
        ]

    def __str__(self):
        return f"{self.artist} ~ {self.similar} ({self.match:.2f})"


class ArtistTag(models.Model):
    artist = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="artist_links")
    source = models.CharField(max_length=30, default="lastfm")
    weight = models.PositiveSmallIntegerField(default=100, help_text="0 to 100")

    class Meta:
        ordering = ["-weight"]
        constraints = [models.UniqueConstraint(fields=["artist", "tag", "source"], name="artist_tag_unique")]

    def __str__(self):
        return f"{self.tag} ({self.source})"


class AlbumTag(models.Model):
    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="album_links")
    source = models.CharField(max_length=30, default="discogs")
    weight = models.PositiveSmallIntegerField(default=100, help_text="0 to 100")

    class Meta:
        ordering = ["-weight"]
        constraints = [models.UniqueConstraint(fields=["album", "tag", "source"], name="album_tag_unique")]

    def __str__(self):
        return f"{self.tag} ({self.source})"


class CollectionItemQuerySet(models.QuerySet):
    def present(self) -> "CollectionItemQuerySet":
        """Copies still in the Discogs collection (removed ones are kept, marked, not deleted)."""
        return self.filter(removed_at__isnull=True)


class CollectionItem(models.Model):
    """One owned copy of a release (two copies of a record are two items)."""

    album = models.ForeignKey(Album, on_delete=models.PROTECT, related_name="copies")
    discogs_instance_id = models.PositiveBigIntegerField(null=True, blank=True, unique=True)
    folder_id = models.PositiveIntegerField(default=1)
    folder_name = models.CharField(max_length=100, blank=True)
    date_added = models.DateTimeField(null=True, blank=True, db_index=True)
    rating = models.PositiveSmallIntegerField(default=0, help_text="0 (unrated) to 5")
    notes = models.TextField(blank=True)
    media_condition = models.CharField(max_length=50, blank=True)
    sleeve_condition = models.CharField(max_length=50, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True, help_text="Set when the copy left the Discogs collection.")

    objects = CollectionItemQuerySet.as_manager()
    synced_at = models.DateTimeField(null=True, blank=True, help_text="When a Discogs sync last saw this copy.")

    class Meta:
        ordering = ["-date_added"]
        indexes = [models.Index(fields=["album", "removed_at"], name="copy_album_present")]

    def __str__(self):
        return f"Copy of {self.album}"
