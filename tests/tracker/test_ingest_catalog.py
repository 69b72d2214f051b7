"""Ingest's catalog rows: written as plain rows, filled as the ORM would, found again by key."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Album, AlbumArtist, Artist, Track
from tests.factories import make_album, make_artist, make_track, utc
from tracker.models import Scrobble
from tracker.services import catalog_rows, ingest
from tracker.services.ingest import IngestRun, Play, scrobble_ingest, track_resolve

pytestmark = pytest.mark.django_db


def history(start=utc(2024, 3, 1, 20)):
    return [
        Play(artist="Portishead", title="Roads", album="Dummy", played_at=start, duration_ms=305_000),
        Play(artist="Portishead", title="Sour Times", album="Dummy", played_at=start + timedelta(minutes=6)),
        Play(artist="Portishead", title="Roads", played_at=start + timedelta(minutes=11)),  # no album: its own
        Play(artist="Björk", title="Jóga", album="Homogenic", played_at=start + timedelta(minutes=20)),
        Play(artist="Björk", title="Jóga", album="Homogenic", played_at=start + timedelta(hours=1)),
    ]


def catalog_counts():
    return [model.objects.count() for model in (Artist, Album, AlbumArtist, Track, Scrobble)]


def assert_filled_as_the_orm_would(row, **given):
    """Every column of `row` but its id and created_at equals what Model(**given) would store."""
    expected = type(row)(**given)
    for field in row._meta.concrete_fields:
        if field.primary_key:
            continue
        if field.name == "created_at":
            assert timezone.now() - timedelta(minutes=1) < row.created_at <= timezone.now()
            continue
        assert getattr(row, field.attname) == getattr(expected, field.attname), field.name


def test_it_fills_every_column_of_new_catalog_rows_as_the_orm_would():
    scrobble_ingest(plays=history(), source=Scrobble.Source.SPOTIFY, refresh_catalog=False)  # figures untouched
    artist = Artist.objects.get(name="Portishead")
    assert_filled_as_the_orm_would(artist, name="Portishead", name_key="portishead")
    album = Album.objects.get(title="Dummy")
    assert_filled_as_the_orm_would(album, title="Dummy", title_key="dummy", artist_id=artist.pk)
    credit = AlbumArtist.objects.get(album=album)
    assert_filled_as_the_orm_would(credit, album_id=album.pk, artist_id=artist.pk, position=0)
    roads = Track.objects.get(title="Roads", album=album)
    assert_filled_as_the_orm_would(roads, title="Roads", title_key="roads", artist_id=artist.pk, album_id=album.pk,
                                   duration_ms=305_000)
    assert Track.objects.filter(title="Roads", album=None).exists()
    assert Track.objects.get(title="Jóga").album.artists.get().name == "Björk"


def test_reingesting_the_same_plays_adds_nothing_to_a_fresh_catalog():
    first = scrobble_ingest(plays=history(), source=Scrobble.Source.SPOTIFY)
    counts = catalog_counts()
    again = scrobble_ingest(plays=history(), source=Scrobble.Source.SPOTIFY)
    assert (first.added, again.added, again.already_present) == (5, 0, 5)
    assert catalog_counts() == counts == [2, 2, 2, 4, 5]
    assert first.albums_created and not again.albums_created


def test_plays_of_an_existing_catalog_find_its_rows_by_key_and_add_nothing_twice():
    portishead = make_artist("Portishead")
    listened = make_album("Dummy", portishead)
    make_album("Dummy", portishead, discogs_release_id=7, listened_album=listened, format="Vinyl")
    roads = make_track("Roads", listened)
    counts = catalog_counts()
    plays = [Play(artist="PORTISHEAD", title="roads", album="dummy", played_at=utc(2024, 3, 1, 20, minute))
             for minute in (0, 10)]
    result = scrobble_ingest(plays=plays, source=Scrobble.Source.LASTFM)
    assert (result.added, result.albums_created, result.album_ids) == (2, False, {listened.pk})
    assert set(Scrobble.objects.values_list("track_id", "album_id")) == {(roads.pk, listened.pk)}
    assert catalog_counts()[:4] == counts[:4]
    assert scrobble_ingest(plays=plays, source=Scrobble.Source.SPOTIFY).already_present == 2


def test_a_row_another_writer_stored_meanwhile_is_found_after_the_insert_skips_it(monkeypatch):
    """The insert's ON CONFLICT skips the track stored since the lookup; the id is read after."""
    portishead = make_artist("Portishead")
    roads = make_track("Roads", None, portishead)
    real_find, missed = catalog_rows.catalog_rows_find, []

    def find_missing_the_first_track_lookup(model, *args, **kwargs):
        if model is Track and not missed:
            missed.append(model)
            return iter(())
        return real_find(model, *args, **kwargs)

    monkeypatch.setattr(ingest, "catalog_rows_find", find_missing_the_first_track_lookup)
    result = scrobble_ingest(plays=[Play(artist="Portishead", title="Roads", played_at=utc(2024, 3, 1))],
                             source=Scrobble.Source.LASTFM)
    assert missed and result.added == 1
    assert Scrobble.objects.get().track_id == roads.pk and Track.objects.count() == 1


def test_a_run_that_forgets_ids_finds_them_again(monkeypatch):
    monkeypatch.setattr(ingest, "REMEMBERED", 2)
    run = IngestRun()
    plays = [Play(artist=f"Artist {n % 3}", title=f"Song {n % 5}", album=f"Album {n % 4}",
                  played_at=utc(2024, 1, 1) + timedelta(minutes=10 * n)) for n in range(40)]
    first = scrobble_ingest(plays=plays[:20], source=Scrobble.Source.SPOTIFY, batch_size=3, run=run)
    second = scrobble_ingest(plays=plays, source=Scrobble.Source.LASTFM, batch_size=3, run=run)
    assert (first.added, second.added, second.already_present) == (20, 20, 20)
    distinct = {(p.artist, p.album, p.title) for p in plays}
    assert len(run.track_ids) < len(distinct)  # the older half forgotten before each batch
    assert Track.objects.count() == len(distinct) and Artist.objects.count() == 3
    assert set(Scrobble.objects.values_list("source", flat=True)) == {"spotify", "lastfm"}


def test_lookups_of_many_keys_go_in_padded_chunks_and_find_each_once(monkeypatch):
    monkeypatch.setattr(catalog_rows, "KEYS_PER_QUERY", 4)
    artists = [make_artist(f"Artist {n}") for n in range(11)]
    rows = list(catalog_rows.catalog_rows_find(Artist, ("name_key", "id"), by=("name_key",),
                                               keys=[(a.name_key,) for a in artists] + [("nobody",)]))
    assert sorted(rows) == sorted((a.name_key, a.pk) for a in artists)


def test_the_track_playing_now_is_found_or_created_outside_any_transaction():
    track = track_resolve(artist="Air", title="La Femme d'Argent", album="Moon Safari")
    assert (track.artist.name, track.album.title, track.title) == ("Air", "Moon Safari", "La Femme d'Argent")
    assert track_resolve(artist="AIR", title="la femme d’argent", album="moon safari").pk == track.pk
