"""Merge duplicate artists ("Air" and "AIR (FR)") into one, leaving nothing orphaned.

Every foreign key to `Artist` in every installed app is found through the app registry, so
rows of higher layers (scrobbles, the tracker state, future models) move too without the
catalog importing them. Unique constraints are respected: a row that would clash with one the
target already has is a duplicate and is dropped (tags and similar links keep the higher
weight), clashing tracks are merged track into track, and references that are not foreign keys
(enrichment facts) are moved by receivers of `catalog.signals.artists_merged`.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models, transaction
from django.db.models import Exists, OuterRef

from catalog.models import Artist, ArtistSimilar, ArtistTag, Track
from catalog.signals import artists_merged

# Columns of a clashing row whose higher value survives on the kept row.
_KEEP_MAX = {ArtistTag: "weight", ArtistSimilar: "match"}

# Artist columns that identify the row itself; never copied from a merged artist.
_NOT_COPIED = {"id", "name", "name_key", "created_at"}

# Track columns copied onto the kept track when it lacks them.
_TRACK_COPIED = ("mbid", "spotify_id", "duration_ms", "number", "disc_number", "position")


class ArtistMergeError(ValueError):
    """The merge was asked something impossible (nothing to merge, target among the merged)."""


@dataclass(frozen=True)
class ArtistMergeResult:
    target_id: int
    merged_ids: tuple[int, ...]
    moved: dict[str, int] = field(default_factory=dict)  # model label -> rows moved onto the target
    tracks_merged: int = 0
    duplicates_dropped: int = 0  # rows dropped because the target already had them
    fields_copied: tuple[str, ...] = ()
    external_moved: int = 0  # rows moved by signal receivers (facts)

    @property
    def total_moved(self) -> int:
        return sum(self.moved.values())


def references_to(model: type[models.Model]) -> list[models.Field]:
    """Every concrete foreign key or one-to-one field, in any installed app, pointing at `model`."""
    found = []
    for candidate in apps.get_models(include_auto_created=True):
        if candidate._meta.proxy or not candidate._meta.managed:
            continue
        for fk in candidate._meta.local_fields:
            if fk.is_relation and (fk.many_to_one or fk.one_to_one) and fk.remote_field.model is model:
                found.append(fk)
    return found


def artist_merge(*, target: Artist, others: list[Artist]) -> ArtistMergeResult:
    """Move everything that references `others` onto `target`, then delete `others`; one transaction."""
    merged_ids = [a.pk for a in others]
    if not merged_ids:
        raise ArtistMergeError("Choose at least one artist to merge into the kept one.")
    if target.pk in merged_ids:
        raise ArtistMergeError("The kept artist cannot also be merged away.")
    if len(set(merged_ids)) != len(merged_ids):
        raise ArtistMergeError("An artist was listed twice.")

    with transaction.atomic():
        locked = {a.pk: a for a in Artist.objects.select_for_update().filter(pk__in=[target.pk, *merged_ids])}
        if len(locked) != len(merged_ids) + 1:
            raise ArtistMergeError("One of the artists no longer exists.")
        kept = locked[target.pk]
        merging = [locked[pk] for pk in merged_ids]

        fields_copied = _copy_missing_fields(target=kept, sources=merging)
        moved: Counter[str] = Counter()
        dropped = 0
        track_map: dict[int, int] = {}
        artist_refs = [fk for fk in references_to(Artist) if not (fk.model is Track and fk.name == "artist")]
        for source in merging:
            merged_tracks, n_dropped = _move_tracks(source=source, target=kept)
            track_map.update(merged_tracks)
            dropped += n_dropped
            for fk in artist_refs:  # Track.artist was handled track by track above
                n_moved, n_dropped = _move_rows(fk=fk, source_pk=source.pk, target_pk=kept.pk)
                moved[fk.model._meta.label] += n_moved
                dropped += n_dropped

        responses = artists_merged.send(sender=Artist, target_id=kept.pk, merged_ids=merged_ids, track_map=track_map)
        external_moved = sum(r for _, r in responses if isinstance(r, int))

        _assert_unreferenced(Artist, merged_ids)
        Artist.objects.filter(pk__in=merged_ids).delete()
        target.refresh_from_db()

    return ArtistMergeResult(
        target_id=target.pk,
        merged_ids=tuple(merged_ids),
        moved={label: n for label, n in moved.items() if n},
        tracks_merged=len(track_map),
        duplicates_dropped=dropped,
        fields_copied=tuple(fields_copied),
        external_moved=external_moved,
    )


def _is_empty(value) -> bool:
    return value is None or value == ""


def _copy_missing_fields(*, target: Artist, sources: list[Artist]) -> list[str]:
    """Give the target the ids and enriched values it lacks, taken from the first source that has them.

    Unique columns (spotify_id, mbid…) are cleared on the sources first so the constraint holds.
    """
    values, copied = {}, []
    for f in Artist._meta.concrete_fields:
        if f.name in _NOT_COPIED or not _is_empty(getattr(target, f.attname)):
            continue
        value = next((v for s in sources if not _is_empty(v := getattr(s, f.attname))), None)
        if value is not None:
            values[f.attname] = value
            copied.append(f.name)
    if not values:
        return []
    unique = {f.attname: None for f in Artist._meta.concrete_fields if f.unique and f.attname in values}
    if unique:
        Artist.objects.filter(pk__in=[s.pk for s in sources]).update(**unique)
    Artist.objects.filter(pk=target.pk).update(**values)
    for attname, value in values.items():
        setattr(target, attname, value)
    return copied


def _move_tracks(*, source: Artist, target: Artist) -> tuple[dict[int, int], int]:
    """Hand the source's tracks to the target; a track the target already has is merged into it.

    Returns `{merged_track_id: kept_track_id}` and how many duplicate rows were dropped.
    """
    kept_tracks = {(t.album_id, t.title_key): t for t in Track.objects.filter(artist=target)}
    merged: dict[int, int] = {}
    dropped = 0
    for track in Track.objects.filter(artist=source).order_by("pk"):
        twin = kept_tracks.get((track.album_id, track.title_key))
        if twin is None:
            Track.objects.filter(pk=track.pk).update(artist=target)
            track.artist = target
            kept_tracks[(track.album_id, track.title_key)] = track
            continue
        dropped += _merge_track(source=track, target=twin)
        merged[track.pk] = twin.pk
    return merged, dropped


def _merge_track(*, source: Track, target: Track) -> int:
    """Move every row referencing `source` onto `target` (plays, playlist entries…), then delete it."""
    dropped = 0
    for fk in references_to(Track):
        dropped += _move_rows(fk=fk, source_pk=source.pk, target_pk=target.pk)[1]
    missing = {
        name: getattr(source, name)
        for name in _TRACK_COPIED
        if _is_empty(getattr(target, name)) and not _is_empty(getattr(source, name))
    }
    unique = [name for name in missing if Track._meta.get_field(name).unique]
    if unique:
        Track.objects.filter(pk=source.pk).update(**{name: None for name in unique})
    if missing:
        Track.objects.filter(pk=target.pk).update(**missing)
        for name, value in missing.items():
            setattr(target, name, value)
    _assert_unreferenced(Track, [source.pk])
    Track.objects.filter(pk=source.pk).delete()
    return dropped


def _unique_sets(model: type[models.Model], fk: models.Field) -> list[tuple[tuple[str, ...], models.Q | None]]:
    """The unique field sets (with their condition) that include `fk`."""
    sets: list[tuple[tuple[str, ...], models.Q | None]] = []
    if fk.unique:
        sets.append(((fk.name,), None))
    for names in model._meta.unique_together:
        if fk.name in names:
            sets.append((tuple(names), None))
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and fk.name in (constraint.fields or ()):
            sets.append((tuple(constraint.fields), constraint.condition))
    return sets


def _move_rows(*, fk: models.Field, source_pk: int, target_pk: int) -> tuple[int, int]:
    """Repoint `fk` from source to target; rows that would break a unique set are dropped as duplicates.

    A row whose other reference to the same model already points at the target (an artist
    similar to itself) is dropped too. Returns (moved, dropped).
    """
    model = fk.model
    manager = model._base_manager
    rows = manager.filter(**{fk.name: source_pk})
    label = model._meta.label
    dropped = 0

    siblings = [
        f for f in model._meta.local_fields
        if f is not fk and f.is_relation and f.remote_field.model is fk.remote_field.model
    ]
    for sibling in siblings:
        dropped += rows.filter(**{sibling.name: target_pk}).delete()[1].get(label, 0)

    for names, condition in _unique_sets(model, fk):
        others = [name for name in names if name != fk.name]
        twins = manager.filter(**{fk.name: target_pk}, **{name: OuterRef(name) for name in others})
        clashing = rows
        if condition is not None:
            twins, clashing = twins.filter(condition), clashing.filter(condition)
        clashing = clashing.filter(Exists(twins))
        keep_max = _KEEP_MAX.get(model)
        if keep_max:
            for row in clashing:
                key = {
                    model._meta.get_field(name).attname: getattr(row, model._meta.get_field(name).attname)
                    for name in others
                }
                manager.filter(**{fk.name: target_pk}, **key, **{f"{keep_max}__lt": getattr(row, keep_max)}).update(
                    **{keep_max: getattr(row, keep_max)}
                )
        dropped += clashing.delete()[1].get(label, 0)

    return rows.update(**{fk.name: target_pk}), dropped


def _assert_unreferenced(model: type[models.Model], pks: list[int]) -> None:
    """Refuse to delete rows something still points at: a cascade would lose it silently."""
    for fk in references_to(model):
        if fk.model._base_manager.filter(**{f"{fk.name}__in": pks}).exists():
            raise RuntimeError(f"{fk.model._meta.label}.{fk.name} still references {model._meta.label} {pks}")
