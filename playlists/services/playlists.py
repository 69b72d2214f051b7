"""Making and editing playlists: one function per thing a user does, shared by page, API,
command and schedule."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from catalog.models import Track
from core.normalize import clean_text
from playlists.generators import generator_get
from playlists.generators.base import SEED_MAX, Draft, GeneratorError, assemble, params_clean
from playlists.models import Playlist, PlaylistTrack

REFRESH_EVERY = timedelta(days=7)
NAME_LENGTH = Playlist._meta.get_field("name").max_length
_POSITION_SHIFT = 1_000_000  # moves entries out of the way of the unique (playlist, position)


def playlist_generate(*, algorithm: str, params: dict | None = None, name: str = "", seed: int | None = None,
                      refresh_weekly: bool = False) -> Playlist:
    """A new playlist drawn by `algorithm`; GeneratorError (one line) for bad parameters or no candidates."""
    generator = generator_get(algorithm)
    cleaned = params_clean(generator, params or {})
    seed = _seed(seed)
    draft, chosen = _draw(generator, cleaned, seed)
    drawn_name = clean_text(draft.name or generator.label, NAME_LENGTH)
    with transaction.atomic():
        playlist = Playlist.objects.create(
            name=clean_text(name, NAME_LENGTH) or drawn_name, algorithm=generator.name, params=cleaned, seed=seed,
            is_ai=generator.uses_ai, prompt=draft.prompt, model_used=draft.model_used,
            details={**draft.details, "drawn_name": drawn_name},
            refresh_weekly=refresh_weekly, refreshed_at=timezone.now(),
        )
        _entries_write(playlist, chosen)
    return playlist


def playlist_regenerate(playlist: Playlist, *, seed: int | None = None) -> Playlist:
    """Draw `playlist` again with a new seed (or the one given), keeping its id, name and settings."""
    if not playlist.algorithm:
        raise GeneratorError("A hand-made playlist has no algorithm to draw it again.")
    generator = generator_get(playlist.algorithm)
    cleaned = params_clean(generator, playlist.params, strict=False)  # a parameter since retired is let go
    seed = _seed(seed)
    draft, chosen = _draw(generator, cleaned, seed)
    drawn_name = clean_text(draft.name or generator.label, NAME_LENGTH)
    # A name the algorithm gave ("Sunday, 9 o'clock") follows the new draw; one the user gave stays.
    name = drawn_name if playlist.name == playlist.details.get("drawn_name") else playlist.name
    with transaction.atomic():
        Playlist.objects.filter(pk=playlist.pk).update(
            name=name, params=cleaned, seed=seed, prompt=draft.prompt, model_used=draft.model_used,
            details={**draft.details, "drawn_name": drawn_name}, refreshed_at=timezone.now(), updated_at=timezone.now(),
        )
        playlist.entries.all().delete()
        _entries_write(playlist, chosen)
    playlist.refresh_from_db()
    return playlist


def playlists_refresh_due(*, now=None) -> int:
    """Regenerate every weekly playlist last drawn a week or more ago; one failing does not stop the rest."""
    now = now or timezone.now()
    due = Playlist.objects.filter(refresh_weekly=True, refreshed_at__lte=now - REFRESH_EVERY) | \
        Playlist.objects.filter(refresh_weekly=True, refreshed_at__isnull=True)
    refreshed = 0
    for playlist in due.order_by("refreshed_at", "pk"):
        try:
            playlist_regenerate(playlist)
        except GeneratorError as error:
            Playlist.objects.filter(pk=playlist.pk).update(
                refreshed_at=now, details={**playlist.details, "refresh_error": str(error)})
        else:
            refreshed += 1
    return refreshed


def playlist_update(playlist: Playlist, *, name: str | None = None, description: str | None = None,
                    refresh_weekly: bool | None = None) -> Playlist:
    if name is not None:
        name = clean_text(name, NAME_LENGTH)
        if not name:
            raise GeneratorError("A playlist needs a name.")
        playlist.name = name
    if description is not None:
        playlist.description = _text(description)
    if refresh_weekly is not None:
        playlist.refresh_weekly = refresh_weekly
    playlist.save()
    return playlist


def playlist_duplicate(playlist: Playlist) -> Playlist:
    """A copy with the same tracks in the same order, not refreshing (a snapshot to keep)."""
    with transaction.atomic():
        copy = Playlist.objects.create(
            name=f"{playlist.name} (copy)"[:200], description=playlist.description, algorithm=playlist.algorithm,
            params=playlist.params, seed=playlist.seed, is_ai=playlist.is_ai, prompt=playlist.prompt,
            model_used=playlist.model_used, details=playlist.details, refreshed_at=playlist.refreshed_at,
        )
        PlaylistTrack.objects.bulk_create(
            PlaylistTrack(playlist=copy, track_id=entry.track_id, position=entry.position, reason=entry.reason)
            for entry in playlist.entries.order_by("position")
        )
    return copy


def playlist_entry_move(playlist: Playlist, *, entry_id: int, offset: int) -> None:
    """Swap an entry with its neighbour `offset` (-1 up, +1 down) places away; at an end, nothing."""
    with transaction.atomic():
        entries = list(playlist.entries.select_for_update().order_by("position").values_list("pk", "position"))
        index = next((i for i, (pk, _) in enumerate(entries) if pk == entry_id), None)
        if index is None:
            raise PlaylistTrack.DoesNotExist(f"No entry {entry_id} in this playlist.")
        other = index + offset
        if not 0 <= other < len(entries):
            return
        (pk_a, pos_a), (pk_b, pos_b) = entries[index], entries[other]
        PlaylistTrack.objects.filter(pk=pk_a).update(position=pos_a + _POSITION_SHIFT)
        PlaylistTrack.objects.filter(pk=pk_b).update(position=pos_a)
        PlaylistTrack.objects.filter(pk=pk_a).update(position=pos_b)
        Playlist.objects.filter(pk=playlist.pk).update(updated_at=timezone.now())


def playlist_entry_remove(playlist: Playlist, *, entry_id: int) -> None:
    """Remove one entry and close the gap, so positions stay 1…n."""
    with transaction.atomic():
        entry = playlist.entries.select_for_update().get(pk=entry_id)
        entry.delete()
        later = playlist.entries.filter(position__gt=entry.position)
        later.update(position=F("position") + _POSITION_SHIFT)
        later_shifted = playlist.entries.filter(position__gt=_POSITION_SHIFT)
        later_shifted.update(position=F("position") - _POSITION_SHIFT - 1)
        Playlist.objects.filter(pk=playlist.pk).update(updated_at=timezone.now())


def playlist_create(*, name: str, description: str = "", track_ids: list[int] = ()) -> Playlist:
    """A playlist made by hand; GeneratorError naming the track ids the library does not have."""
    with transaction.atomic():
        playlist = Playlist.objects.create(name=clean_text(name, NAME_LENGTH) or "Playlist",
                                           description=_text(description))
        playlist_tracks_set(playlist, track_ids=list(track_ids))
    return playlist


def playlist_tracks_set(playlist: Playlist, *, track_ids: list[int]) -> None:
    """Replace the tracks by hand (the API's PATCH), keeping the reasons of tracks that stay;
    GeneratorError, changing nothing, when a track id is not one of the library."""
    unknown = sorted(set(track_ids) - set(Track.objects.filter(pk__in=set(track_ids)).values_list("pk", flat=True)))
    if unknown:
        raise GeneratorError(f"No track with id {', '.join(map(str, unknown[:10]))}{' …' if len(unknown) > 10 else ''}")
    reasons = dict(playlist.entries.values_list("track_id", "reason"))
    with transaction.atomic():
        playlist.entries.all().delete()
        PlaylistTrack.objects.bulk_create(
            PlaylistTrack(playlist=playlist, track_id=track_id, position=position, reason=reasons.get(track_id, ""))
            for position, track_id in enumerate(track_ids, start=1)
        )
        Playlist.objects.filter(pk=playlist.pk).update(updated_at=timezone.now())


def _text(text: str) -> str:
    """A description as typed, its line breaks kept, without what no database stores (NUL, controls)."""
    return "\n".join(clean_text(line) for line in text.splitlines()).strip()


def _seed(seed: int | None) -> int:
    if seed is None:
        return random.SystemRandom().randrange(SEED_MAX)
    if not 0 <= seed <= SEED_MAX:
        raise GeneratorError(f"seed: must be between 0 and {SEED_MAX}.")
    return seed


def _draw(generator, cleaned: dict, seed: int) -> tuple[Draft, list]:
    rng = random.Random(seed)
    draft = generator.draft(cleaned, rng)
    chosen = assemble(draft, params=cleaned, rng=rng)
    if not chosen:
        raise GeneratorError(f"No track of the library fits {generator.label.lower()} with these settings.")
    return draft, chosen


def _entries_write(playlist: Playlist, chosen) -> None:
    PlaylistTrack.objects.bulk_create(
        PlaylistTrack(playlist=playlist, track_id=c.track_id, position=position, reason=c.reason[:255])
        for position, c in enumerate(chosen, start=1)
    )

