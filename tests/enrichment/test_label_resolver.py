"""The label resolver against the fake Spotify and Discogs, through the real spotipy and discogs_client.

Spotify's own releases (appears-on compilations dropped, reissues and deluxe editions counted once),
the Development-Mode fallback to Discogs (owned copies, then the artist's Main releases), the
Wikidata fallback, the two methods, the `principal_label` link, and failures that stay with their artist.
"""

import pytest

from catalog.models import Label
from core.clients.discogs import discogs_artist_releases
from enrichment.models import Fact
from enrichment.providers import PROVIDERS
from enrichment.providers.label_resolver import LabelResolverProvider, Release, releases_deduplicated
from enrichment.service import artists_enrich
from tests.factories import make_album, make_artist, make_label
from tests.fakes.server import Reply

pytestmark = pytest.mark.django_db

RADIOHEAD, PORTISHEAD, VARIOUS = "4Z8W4fKeB5YxbusRsdQVPb", "6liAMWkVf5LH7YR9yfFy1Y", "0LyfQWJT6nXafLPZqxe9Of"
PORTISHEAD_DISCOGS = 2568


def album_id(n: int) -> str:
    return f"alb{n:019d}"  # 22 characters, like a Spotify id


# Radiohead's releases on Spotify: (id, title, release date, label, credited artists).
RADIOHEAD_RELEASES = [
    (album_id(1), "Pablo Honey", "1993-02-22", "Parlophone", [RADIOHEAD]),
    (album_id(2), "The Bends", "1995-03-13", "Parlophone", [RADIOHEAD]),
    (album_id(3), "OK Computer", "1997-05-21", "Parlophone", [RADIOHEAD]),
    (album_id(4), "In Rainbows", "2007-12-28", "XL Recordings", [RADIOHEAD]),
    (album_id(5), "A Moon Shaped Pool", "2016-05-08", "XL Recordings", [RADIOHEAD]),
    # Editions of the same records: each would tip the counts or the newest release if counted.
    (album_id(6), "OK Computer (Remastered)", "2009-03-24", "XL Recordings", [RADIOHEAD]),
    (album_id(7), "The Bends [1995]", "2016-05-01", "XL Recordings", [RADIOHEAD]),
    (album_id(8), "In Rainbows - Deluxe Edition", "2025-01-10", "Reissue Co", [RADIOHEAD]),
    # A compilation the artist only appears on.
    (album_id(9), "Help!: A Day in the Life", "2024-09-09", "War Child", [VARIOUS]),
]
ORIGINALS = {album_id(n) for n in range(1, 6)}


def serve_releases(fake, artist_id: str, releases, *, labels: bool = True) -> None:
    """GET /v1/artists/{artist_id}/albums (simplified albums) and /v1/albums?ids= (full, with `label`)."""
    def simplified(release_id, title, date, label, artists):
        return {"id": release_id, "name": title, "release_date": date, "release_date_precision": "day",
                "album_group": "album", "album_type": "album", "type": "album",
                "artists": [{"id": a, "name": "Radiohead" if a == RADIOHEAD else "Someone"} for a in artists]}

    def albums_of(request, match):
        if match["id"] != artist_id:
            return None
        items = [simplified(*r) for r in releases]
        return Reply(body={"items": items, "limit": 50, "offset": 0, "next": None, "previous": None,
                           "total": len(items)})

    full = {r[0]: {**simplified(*r), **({"label": r[3]} if labels else {})} for r in releases}

    def albums(request, match):
        return Reply(body={"albums": [full.get(i) for i in request.param("ids").split(",")]})

    fake.route("spotify", "GET", r"/v1/artists/(?P<id>[^/]+)/albums", albums_of)
    fake.route("spotify", "GET", r"/v1/albums/?", albums)


def serve_discogs_releases(fake, artist_id: int, releases: list[dict]) -> None:
    def answer(request, match):
        if request.param("token") != fake.credentials["discogs_token"]:
            return fake.fixture_reply("discogs/error_401.json", status=401)
        if match["id"] != str(artist_id):
            return fake.fixture_reply("discogs/error_404.json", status=404)
        return Reply(body={"pagination": {"page": 1, "pages": 1, "per_page": 100, "items": len(releases)},
                           "releases": releases})
    fake.route("discogs", "GET", r"/artists/(?P<id>\d+)/releases", answer)


def development_mode(fake) -> None:
    fake.route("spotify", "GET", r"/v1/albums/?",
               lambda request, match: fake.fixture_reply("spotify/error_403_forbidden.json", status=403))


def facts_of(artist) -> dict[str, Fact]:
    return {f.field: f for f in Fact.objects.filter(entity_type="artist", entity_id=artist.pk,
                                                    provider="label_resolver")}


def own_portishead_records(portishead) -> None:
    go_beat, island, mercury = make_label("Go! Beat"), make_label("Island"), make_label("Mercury")
    make_album("Dummy", portishead, year=1994, label=go_beat)
    make_album("Portishead", portishead, year=1997, label=go_beat)
    make_album("Third", portishead, year=2008, label=island)
    make_album("Dummy (Deluxe Edition)", portishead, year=2014, label=mercury)  # the same record: counted once


# --- Spotify --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("method", "label", "confidence"), [
    ("most_frequent", "Parlophone", 0.6),
    ("latest_release", "XL Recordings", 0.8),
])
def test_spotify_releases_give_both_facts_and_the_method_picks_the_principal_label(
        fake_services, settings, method, label, confidence):
    settings.ENRICHMENT_LABEL_METHOD = method
    serve_releases(fake_services, RADIOHEAD, RADIOHEAD_RELEASES)
    radiohead = make_artist("Radiohead", spotify_id=RADIOHEAD)
    make_album("Kid A", radiohead, year=2000, label=make_label("Owned Copy Label"))  # Spotify comes first
    parlophone = make_label("PARLOPHONE")  # the same name key: reused, not duplicated

    result = artists_enrich(artists=[radiohead], providers=["label_resolver"])

    assert result.warnings == []
    [asked] = [r for r in fake_services.requests_to("spotify", "/v1/albums") if r.path.rstrip("/") == "/v1/albums"]
    assert set(asked.param("ids").split(",")) == ORIGINALS  # editions and the compilation never asked about
    facts = facts_of(radiohead)
    latest, frequent = facts["label_latest_release"], facts["label_most_frequent"]
    assert (latest.value, latest.confidence, latest.evidence) == (
        "XL Recordings", 0.8, [f"spotify:GET /v1/albums?ids={album_id(5)} (label of 'A Moon Shaped Pool', 2016)"])
    assert (frequent.value, frequent.confidence) == ("Parlophone", 0.6)
    assert frequent.evidence == [f"spotify:GET /v1/albums?ids={album_id(3)} (label of 'OK Computer', 1997)",
                                 f"spotify:GET /v1/albums?ids={album_id(2)} (label of 'The Bends', 1995)",
                                 f"spotify:GET /v1/albums?ids={album_id(1)} (label of 'Pablo Honey', 1993)"]
    principal = facts["principal_label"]
    assert (principal.value, principal.confidence, principal.provider) == (label, confidence, "label_resolver")
    assert principal.evidence[-1] == f"ENRICHMENT_LABEL_METHOD={method}"
    assert latest.expires_at > latest.retrieved_at
    radiohead.refresh_from_db()
    assert radiohead.principal_label.name_key == label.casefold()
    if method == "most_frequent":
        assert radiohead.principal_label == parlophone
    assert not Label.objects.filter(name="Reissue Co").exists() and not Label.objects.filter(name="War Child").exists()


def test_changing_the_method_moves_the_principal_label(fake_services, settings):
    serve_releases(fake_services, RADIOHEAD, RADIOHEAD_RELEASES)
    radiohead = make_artist("Radiohead", spotify_id=RADIOHEAD)
    artists_enrich(artists=[radiohead], providers=["label_resolver"])
    radiohead.refresh_from_db()
    assert radiohead.principal_label.name == "Parlophone"  # the default: most frequent

    settings.ENRICHMENT_LABEL_METHOD = "latest_release"
    artists_enrich(artists=[radiohead], providers=["label_resolver"], force=True)

    radiohead.refresh_from_db()
    assert radiohead.principal_label.name == "XL Recordings"
    assert Label.objects.filter(name="XL Recordings").count() == 1


def test_releases_deduplicated_keep_the_earliest_edition_newest_first():
    releases = [Release("Dummy (2014 Remaster)", "2014", "Mercury"), Release("Dummy", "1994-08-22", "Go! Beat"),
                Release("Dummy [1994]", "", "Unknown"), Release("Third", "2008", "Island"),
                Release("Roseland NYC Live", "", "Go! Beat"), Release("Third (Anniversary Reissue)", "2018", "X")]

    assert releases_deduplicated(releases) == [Release("Third", "2008", "Island"),
                                               Release("Dummy", "1994-08-22", "Go! Beat"),
                                               Release("Roseland NYC Live", "", "Go! Beat")]


# --- Discogs --------------------------------------------------------------------------------------
def test_development_mode_403_falls_back_to_the_owned_copies(fake_services):
    serve_releases(fake_services, PORTISHEAD, [(album_id(1), "Dummy", "1994-08-22", "Go! Discs", [PORTISHEAD])])
    development_mode(fake_services)  # the newest route wins: 403 on /v1/albums?ids=
    portishead = make_artist("Portishead", spotify_id=PORTISHEAD)
    own_portishead_records(portishead)

    result = LabelResolverProvider().artists([portishead])

    assert result.warnings == [] and result.calls == 2
    assert any("Development Mode" in note for note in result.notes)
    facts = {f.field: f for f in result.facts}
    assert (facts["label_latest_release"].value, facts["label_latest_release"].evidence) == (
        "Island", ("discogs: owned copy 'Third' (Island)",))
    assert facts["label_most_frequent"].value == "Go! Beat"
    assert facts["label_most_frequent"].confidence == 0.67  # 2 of 3 records
    assert facts["label_most_frequent"].evidence == ("discogs: owned copy 'Portishead' (Go! Beat)",
                                                     "discogs: owned copy 'Dummy' (Go! Beat)")
    assert facts["principal_label"].value == "Go! Beat" and facts["principal_label"].kind == "labels"
    assert Fact.objects.count() == 0  # a provider never writes


def test_albums_without_labels_fall_back_to_the_artists_main_releases_on_discogs(fake_services, settings):
    settings.ENRICHMENT_LABEL_METHOD = "latest_release"
    serve_releases(fake_services, PORTISHEAD, [(album_id(1), "Dummy", "1994-08-22", "Go! Discs", [PORTISHEAD])],
                   labels=False)
    serve_discogs_releases(fake_services, PORTISHEAD_DISCOGS, [
        {"id": 1, "type": "master", "title": "Dummy", "year": 1994, "role": "Main"},  # a master: no label
        {"id": 2, "type": "release", "title": "Dummy", "year": 1994, "label": "Go! Beat", "role": "Main"},
        {"id": 3, "type": "release", "title": "Roads", "year": 1994, "label": "Go! Beat", "role": "Main"},
        {"id": 4, "type": "release", "title": "Third", "year": 2008, "label": "Island", "role": "Main"},
        {"id": 5, "type": "release", "title": "Dummy (Remastered)", "year": 2020, "label": "Mercury", "role": "Main"},
        {"id": 8, "type": "release", "title": "Chase the Tear", "year": 2009,
         "label": "Not On Label (Portishead Self-released)", "role": "Main"},  # Discogs' "no label"
        {"id": 6, "type": "release", "title": "Trip Hop Classics", "year": 2022, "label": "Compilations Inc",
         "role": "Appearance"},
        {"id": 7, "type": "release", "title": "Chase the Tear", "year": 2009, "label": "TrackAppearance Ltd",
         "role": "TrackAppearance"},
    ])
    portishead = make_artist("Portishead", spotify_id=PORTISHEAD, discogs_id=PORTISHEAD_DISCOGS)

    result = artists_enrich(artists=[portishead], providers=["label_resolver"])

    assert result.warnings == []
    [asked] = fake_services.requests_to("discogs", f"/artists/{PORTISHEAD_DISCOGS}/releases")
    assert asked.param("per_page") == "100" and asked.param("sort") == "year"
    facts = facts_of(portishead)
    assert facts["label_latest_release"].value == "Island"
    assert facts["label_latest_release"].evidence == [
        f"discogs:GET /artists/{PORTISHEAD_DISCOGS}/releases (label of 'Third', 2008)"]
    assert (facts["label_most_frequent"].value, facts["label_most_frequent"].confidence) == ("Go! Beat", 0.67)
    portishead.refresh_from_db()
    assert portishead.principal_label.name == "Island"


def test_discogs_artist_releases_are_cached_as_labels(fake_services):
    serve_discogs_releases(fake_services, PORTISHEAD_DISCOGS, [
        {"id": 4, "type": "release", "title": "Third", "year": 2008, "label": "Island", "role": "Main",
         "thumb": "", "resource_url": "https://api.discogs.com/releases/4"}])

    first = discogs_artist_releases(artist_id=PORTISHEAD_DISCOGS)
    again = discogs_artist_releases(artist_id=PORTISHEAD_DISCOGS)
    discogs_artist_releases(artist_id=PORTISHEAD_DISCOGS, force_refresh=True)

    assert first == again == [{"id": 4, "type": "release", "title": "Third", "year": 2008, "label": "Island",
                               "role": "Main"}]
    assert len(fake_services.requests_to("discogs", "/releases")) == 2


# --- Wikidata -------------------------------------------------------------------------------------
def test_wikidata_record_labels_are_the_last_resort(fake_services):
    radiohead = make_artist("Radiohead", spotify_id=RADIOHEAD)  # default fake: albums Spotify knows no label of
    artists_enrich(artists=[radiohead], providers=["wikidata"])

    result = artists_enrich(artists=[radiohead], providers=["label_resolver"])

    assert result.warnings == []
    facts = facts_of(radiohead)
    for name in ("label_latest_release", "label_most_frequent", "principal_label"):
        assert (facts[name].value, facts[name].confidence) == ("XL Recordings", 0.5)
        assert facts[name].evidence[:2] == ["wikidata:record_labels", "https://www.wikidata.org/wiki/Q44190"]
    radiohead.refresh_from_db()
    assert radiohead.principal_label.name == "XL Recordings"
    assert not Fact.objects.filter(provider="wikidata", field__startswith="label").exists()


def test_spotify_not_configured_still_resolves_from_discogs_and_wikidata(fake_services, settings):
    settings.SPOTIFY_CLIENT_ID = settings.SPOTIFY_CLIENT_SECRET = ""
    settings.DISCOGS_TOKEN = ""
    assert PROVIDERS["label_resolver"].is_available() == (True, "")
    portishead = make_artist("Portishead", spotify_id=PORTISHEAD, discogs_id=PORTISHEAD_DISCOGS)
    own_portishead_records(portishead)
    radiohead = make_artist("Radiohead", spotify_id=RADIOHEAD)
    Fact.objects.create(entity_type="artist", entity_id=radiohead.pk, field="record_labels", provider="wikidata",
                        value=["Parlophone", "XL Recordings"], evidence=["https://www.wikidata.org/wiki/Q44190"])
    nobody = make_artist("Nobody Knows")

    result = artists_enrich(artists=[portishead, radiohead, nobody], providers=["label_resolver"])

    summary = result.providers["label_resolver"]
    assert summary.available and summary.warnings == [] and summary.calls == 0
    assert any("Spotify is not configured" in note for note in result.notes)
    assert any("Discogs is not configured" in note and "DISCOGS_TOKEN" in note for note in result.notes)
    assert any("no label found for Nobody Knows" in note for note in result.notes)
    assert fake_services.requests_to("spotify") == [] and fake_services.requests_to("discogs") == []
    portishead.refresh_from_db()
    radiohead.refresh_from_db()
    nobody.refresh_from_db()
    assert portishead.principal_label.name == "Go! Beat"
    assert radiohead.principal_label.name == "Parlophone"
    assert facts_of(radiohead)["principal_label"].evidence[0] == "wikidata:record_labels"
    assert nobody.principal_label is None and facts_of(nobody) == {}


# --- failures -------------------------------------------------------------------------------------
def test_a_429_on_one_artists_releases_is_a_warning_and_the_others_are_done(fake_services, recorded_sleeps,
                                                                            settings):
    settings.ENRICHMENT_CIRCUIT_BREAKER_THRESHOLD = 20
    serve_releases(fake_services, RADIOHEAD, RADIOHEAD_RELEASES)
    fake_services.fail("spotify", status=429, times=None, retry_after=2, path=f"/artists/{PORTISHEAD}/albums")
    portishead = make_artist("Portishead", spotify_id=PORTISHEAD)
    radiohead = make_artist("Radiohead", spotify_id=RADIOHEAD)

    result = artists_enrich(artists=[portishead, radiohead], providers=["label_resolver"])

    assert len(result.warnings) == 1 and "Portishead" in result.warnings[0]
    assert recorded_sleeps and min(recorded_sleeps) >= 2  # Retry-After honoured
    radiohead.refresh_from_db()
    portishead.refresh_from_db()
    assert radiohead.principal_label.name == "Parlophone"
    assert portishead.principal_label is None and facts_of(portishead) == {}


def test_a_5xx_a_malformed_answer_and_an_unknown_discogs_artist_stay_with_their_artist(
        fake_services, recorded_sleeps, settings):
    settings.ENRICHMENT_CIRCUIT_BREAKER_THRESHOLD = 20
    serve_discogs_releases(fake_services, PORTISHEAD_DISCOGS, [
        {"id": 4, "type": "release", "title": "Third", "year": 2008, "label": "Island", "role": "Main"}])
    fake_services.route("discogs", "GET", r"/artists/111/releases",
                        lambda request, match: Reply(body="<html>oops</html>", content_type="text/html"))
    fake_services.fail("discogs", status=503, times=None, path="/artists/222/", body={"message": "Unavailable"})
    broken = make_artist("Broken Band", discogs_id=111)
    down = make_artist("Down Band", discogs_id=222)
    ghost = make_artist("Ghost", discogs_id=999)
    portishead = make_artist("Portishead", discogs_id=PORTISHEAD_DISCOGS)

    result = artists_enrich(artists=[broken, down, ghost, portishead], providers=["label_resolver"])

    assert len(result.warnings) == 3
    assert any("Broken Band" in w and "unreadable" in w for w in result.warnings)
    assert any("Down Band" in w and "503" in w for w in result.warnings)
    assert any("Ghost" in w for w in result.warnings)
    portishead.refresh_from_db()
    assert portishead.principal_label.name == "Island"
    assert not Fact.objects.filter(entity_id__in=[broken.pk, down.pk, ghost.pk], provider="label_resolver").exists()
