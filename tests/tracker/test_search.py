"""Search: folded names found, exact matches first then the most played, and the indexes
following every writer of the catalog (ingest's raw rows, a Discogs-like bulk write, a merge, a delete)."""

from datetime import timedelta

import pytest
from django.db import connection

from catalog.models import Album, Artist, Track
from catalog.services.artist_merge import artist_merge
from playlists.models import Playlist
from playlists.selectors.search import search
from tests.factories import make_album, make_artist, make_label, make_scrobble, make_track, utc
from tracker.selectors import search as search_module
from tracker.selectors.search import catalog_search, match_rank, search_key
from tracker.services.ingest import Play, scrobble_ingest

pytestmark = pytest.mark.django_db


def names(hits):
    return [hit.name for hit in hits]


def play(track, times, start=utc(2024, 1, 1, 12)):
    for n in range(times):
        make_scrobble(track, start + timedelta(minutes=5 * n))


class TestFolding:
    def test_it_finds_accented_names_from_plain_letters(self):
        make_artist("Björk")
        make_artist("Sigur Rós")
        assert names(catalog_search(q="bjork")["artist"]) == ["Björk"]
        assert names(catalog_search(q="sigur ros")["artist"]) == ["Sigur Rós"]
        assert names(catalog_search(q="SIGUR RÓS")["artist"]) == ["Sigur Rós"]

    def test_it_finds_cjk_names_by_their_beginning_and_middle(self):
        artist = make_artist("坂本龍一")
        make_track("戦場のメリークリスマス", artist=artist, album=make_album("戦場のメリークリスマス", artist=artist))
        assert names(catalog_search(q="坂本")["artist"]) == ["坂本龍一"]
        assert names(catalog_search(q="メリークリ")["track"]) == ["戦場のメリークリスマス"]
        assert names(catalog_search(q="戦場")["album"]) == ["戦場のメリークリスマス"]

    def test_it_finds_albums_tracks_and_labels_case_folded(self):
        artist = make_artist("Portishead")
        album = make_album("Dummy", artist=artist, label=make_label("Go! Discs"))
        make_track("Sour Times", album=album, artist=artist)
        found = catalog_search(q="SOUR")
        assert names(found["track"]) == ["Sour Times"] and found["track"][0].subtitle == "Portishead — Dummy"
        assert names(catalog_search(q="dum")["album"]) == ["Dummy"]
        assert catalog_search(q="dum")["album"][0].subtitle == "Portishead"
        assert names(catalog_search(q="go disc")["label"]) == ["Go! Discs"]

    def test_it_ranks_exact_then_prefix_then_word_then_substring(self):
        for name in ("Homeless", "Sweet Home", "Athome", "Home"):
            make_artist(name)
        assert [match_rank(search_key(n), "home") for n in ("Home", "Homeless", "Sweet Home", "Athome")] == [0, 1, 2, 3]
        assert names(catalog_search(q="home")["artist"]) == ["Home", "Homeless", "Sweet Home", "Athome"]

    def test_it_ranks_by_plays_within_the_same_exactness(self):
        artist = make_artist("Air")
        quiet, loud = make_track("Sexy Boy", artist=artist), make_track("Sexy Girl", artist=artist)
        exact = make_track("Sexy", artist=artist)
        play(quiet, 1)
        play(loud, 3)
        assert names(catalog_search(q="sexy")["track"]) == ["Sexy", "Sexy Girl", "Sexy Boy"]
        assert [hit.plays for hit in catalog_search(q="sexy")["track"]] == [0, 3, 1]
        assert exact.pk == catalog_search(q="sexy")["track"][0].id

    def test_a_dense_query_keeps_exact_matches_and_the_most_played(self, monkeypatch):
        monkeypatch.setattr(search_module, "CANDIDATES", 3)  # more matches than candidates: walk by plays
        artist = make_artist("Nils Frahm")
        tracks = [make_track(f"Says part {n}", artist=artist) for n in range(6)]
        exact = make_track("Says", artist=artist)
        for n, track in enumerate(tracks):
            play(track, n)
        found = catalog_search(q="says", limit=3)["track"]
        assert names(found) == ["Says", "Says part 5", "Says part 4"] and found[0].id == exact.pk
        assert names(catalog_search(q="sa", limit=2)["track"]) == ["Says part 5", "Says part 4"]  # all prefixes

    def test_it_searches_playlists_too(self):
        Playlist.objects.create(name="Dimanche matin")
        found = search(q="dimanche", kinds=("playlist",))
        assert names(found["playlist"]) == ["Dimanche matin"] and found["playlist"][0].url.endswith(
            f"/playlists/{Playlist.objects.get().pk}/")

    @pytest.mark.parametrize("q", ["\x00", "a\x00b", "x" * 100_000, "%", "_", "%_%", "'", '"', "''", '"*', "*",
                                   "NEAR(", 'NEAR("a" "b")', "a OR b", "a AND NOT b", "^", "\\", "-", "(", ")",
                                   "'; DROP TABLE catalog_track; --", "sa%", "s_y", "   ", "!!!"])
    def test_hostile_input_never_errors(self, q):
        artist = make_artist("Says_Who%")
        make_track("Says", artist=artist)
        Playlist.objects.create(name="Quotes \" and '")
        found = search(q=q)
        assert set(found) == {"artist", "album", "track", "label", "playlist"}
        assert Track.objects.count() == 1

    def test_like_wildcards_are_literal(self):
        make_artist("100% Pure")
        make_artist("1000 Pure")
        make_artist("a_b")
        make_artist("axb")
        assert names(catalog_search(q="a_b")["artist"]) == ["a_b"]


class TestIndexFollowsWriters:
    def test_it_follows_an_import(self):
        scrobble_ingest(plays=[Play(artist="Björk", title="Jóga", album="Homogenic", played_at=utc(2024, 3, 1)),
                               Play(artist="Björk", title="Jóga", album="Homogenic", played_at=utc(2024, 3, 2))],
                        source="spotify")
        found = catalog_search(q="joga")
        assert names(found["track"]) == ["Jóga"] and found["track"][0].plays == 2
        assert names(catalog_search(q="homog")["album"]) == ["Homogenic"]
        assert names(catalog_search(q="bjork")["artist"]) == ["Björk"]

    def test_a_bulk_import_indexes_its_rows_in_one_go_and_leaves_the_triggers_on(self):
        portishead = make_artist("Portishead")
        before = make_track("Roads", make_album("Dummy", portishead))
        scrobble_ingest(plays=[Play(artist=f"Artist {n // 2}", title=f"Kyoto song {n}", album=f"Kyoto record {n // 2}",
                                    played_at=utc(2024, 3, 1, n)) for n in range(12)], source="spotify")
        after = make_track("Kyoto by hand", make_album("Handmade", portishead))  # the ORM's insert: the triggers again
        assert len(catalog_search(q="kyoto song", limit=20)["track"]) == 12
        assert len(catalog_search(q="kyoto rec", limit=20)["album"]) == 6
        assert names(catalog_search(q="by hand")["track"]) == [after.title]
        assert names(catalog_search(q="roads")["track"]) == [before.title]
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM search_bulk_writer")
                assert cursor.fetchone()[0] == 0
                for index in ("search_album_trigram", "search_album_word", "search_track_trigram",
                              "search_track_word"):  # raises when the index and its table disagree
                    cursor.execute(f"INSERT INTO {index}({index}, rank) VALUES ('integrity-check', 1)")

    def test_it_follows_a_discogs_like_bulk_write(self):
        artist = make_artist("Boards of Canada")
        Album.objects.bulk_create([Album(title="Geogaddi", title_key="geogaddi", artist=artist, discogs_release_id=7)])
        assert names(catalog_search(q="gaddi")["album"]) == ["Geogaddi"]
        album = Album.objects.get(discogs_release_id=7)
        album.title, album.title_key = "Music Has the Right to Children", "music has the right to children"
        Album.objects.bulk_update([album], ["title", "title_key"])
        assert catalog_search(q="gaddi")["album"] == []
        assert names(catalog_search(q="right to chil")["album"]) == ["Music Has the Right to Children"]
        Album.objects.filter(pk=album.pk).delete()
        assert catalog_search(q="right to chil")["album"] == []

    def test_it_follows_an_artist_merge(self):
        target, other = make_artist("The Beatles"), make_artist("Beatles")
        kept = make_track("Something", artist=target)
        twin = make_track("Something", artist=other)
        moved = make_track("Taxman", artist=other)
        play(twin, 2)
        artist_merge(target=target, others=[other])
        assert [hit.id for hit in catalog_search(q="beatles")["artist"]] == [target.pk]
        something = catalog_search(q="something")["track"]
        assert [hit.id for hit in something] == [kept.pk] and something[0].plays == 2
        taxman = catalog_search(q="taxm")["track"]
        assert [hit.id for hit in taxman] == [moved.pk] and taxman[0].subtitle == "The Beatles"
        assert not Artist.objects.filter(pk=other.pk).exists()
