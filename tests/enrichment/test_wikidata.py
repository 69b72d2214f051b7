"""The Wikidata provider against the fake SPARQL endpoint, through the real client."""

import re
import uuid

import pytest

from catalog.models import Artist
from enrichment.models import Fact
from enrichment.providers.wikidata import WikidataProvider
from enrichment.service import artists_enrich
from tests.factories import make_artist
from tests.fakes.server import Reply

pytestmark = pytest.mark.django_db

RADIOHEAD, PORTISHEAD, MASSIVE_ATTACK = "4Z8W4fKeB5YxbusRsdQVPb", "6liAMWkVf5LH7YR9yfFy1Y", "6FXMGgJwohJLUSr5nVlf9X"
AIR_MBID = "cb67438a-7f50-4f2b-a6f1-2bb2729fd538"


def facts_of(artist, field=None):
    facts = Fact.objects.filter(entity_type="artist", entity_id=artist.pk, provider="wikidata")
    return {f.field: f for f in (facts.filter(field=field) if field else facts)}


def uri(qid):
    return {"type": "uri", "value": f"http://www.wikidata.org/entity/{qid}"}


def literal(value):
    return {"type": "literal", "value": value}


def sparql_reply(rows):
    return Reply(body={"head": {"vars": []}, "results": {"bindings": rows}},
                 content_type="application/sparql-results+json")


def test_artists_matched_by_spotify_id_get_their_facts_and_fields(fake_services):
    radiohead = make_artist("Radiohead", spotify_id=RADIOHEAD)
    portishead = make_artist("Portishead", spotify_id=PORTISHEAD)
    massive = make_artist("Massive Attack", spotify_id=MASSIVE_ATTACK)
    make_artist("Nobody Knows")

    result = artists_enrich(artists=Artist.objects.order_by("pk"), providers=["wikidata"])

    assert result.warnings == []
    radiohead.refresh_from_db()
    assert (radiohead.wikidata_id, radiohead.management, radiohead.official_website) == (
        "Q44190", "Courtyard Management", "https://www.radiohead.com/")
    labels = facts_of(radiohead)["record_labels"]
    assert labels.value == ["XL Recordings", "Parlophone"]
    assert labels.evidence == ["https://www.wikidata.org/wiki/Q44190"] and labels.confidence == 1.0
    assert facts_of(radiohead)["management"].evidence == ["https://www.wikidata.org/wiki/Q44190"]
    # Portishead's manager and website are unbound OPTIONALs: no fact, nothing applied.
    portishead.refresh_from_db()
    assert portishead.wikidata_id == "Q191352" and portishead.management == "" and portishead.official_website == ""
    assert set(facts_of(portishead)) == {"wikidata_id", "record_labels"}
    assert facts_of(portishead)["record_labels"].value == ["Go! Beat"]
    massive.refresh_from_db()
    assert massive.wikidata_id is None and facts_of(massive) == {}
    assert any("not found: Massive Attack" in note for note in result.notes)
    assert any("1 artist(s) without a Spotify, MusicBrainz or Discogs id skipped" in n for n in result.notes)
    sent = fake_services.requests_to("wikidata")
    assert len(sent) == 1 and result.providers["wikidata"].calls == 1
    query = sent[0].param("query")
    assert "wdt:P1902" in query and f'"{RADIOHEAD}"' in query and "wdt:P434 ?mbid . }" not in query


def test_artists_without_spotify_id_are_matched_by_musicbrainz_or_discogs_id_with_their_links(fake_services):
    air = make_artist("Air", mbid=uuid.UUID(AIR_MBID))
    tricky = make_artist("Tricky", discogs_id=2707)
    twice = make_artist("Twice Listed", discogs_id=99)
    seen = []

    def answer(request, match):
        query = request.param("query")
        seen.append(query)
        air_row = {"item": uri("Q1783"), "mbid": literal(AIR_MBID),
                   "officialWebsite": {"type": "uri", "value": "http://www.aircheology.com/"},
                   "manager": uri("Q999"), "managerLabel": literal("Q999"),  # no English label: not a name
                   "soundcloud": literal("air-french-band"), "bandcamp": literal("airfrenchband"),
                   "facebook": literal("airofficial"), "instagram": literal("air_officiel"),
                   "twitter": literal("airofficial"), "youtube": literal("UCs0kXzz0bNfdtf4Ko3bKZ3Q")}
        return sparql_reply([
            air_row, {**air_row, "instagram": literal("air_second")},  # a second value: the first one wins
            {"item": uri("Q298397"), "discogsId": literal("2707")},
            {"item": uri("Q1"), "discogsId": literal("99")}, {"item": uri("Q2"), "discogsId": literal("99")},
        ])

    fake_services.route("wikidata", "*", r"/sparql", answer)
    result = WikidataProvider().artists([air, tricky, twice])

    assert result.warnings == [] and result.calls == 1 and len(seen) == 1
    assert f'VALUES ?mbid {{ "{AIR_MBID}" }} ?item wdt:P434 ?mbid' in seen[0]
    assert re.search(r'VALUES \?discogsId \{ "2707" "99" \} \?item wdt:P1953 \?discogsId', seen[0])
    assert "P1902" not in seen[0] and "wdt:P3040 ?soundcloud" in seen[0]
    facts = {(f.entity_id, f.field): f for f in result.facts}
    assert facts[(air.pk, "links")].value == {
        "soundcloud": "https://soundcloud.com/air-french-band", "bandcamp": "https://airfrenchband.bandcamp.com/",
        "facebook": "https://www.facebook.com/airofficial", "instagram": "https://www.instagram.com/air_officiel/",
        "twitter": "https://x.com/airofficial", "youtube": "https://www.youtube.com/channel/UCs0kXzz0bNfdtf4Ko3bKZ3Q"}
    assert facts[(air.pk, "official_website")].value == "http://www.aircheology.com/"
    assert (air.pk, "management") not in facts
    assert facts[(tricky.pk, "wikidata_id")].value == "Q298397"
    assert not any(f.entity_id == twice.pk for f in result.facts)
    assert any("Twice Listed matches 2 items (Q1, Q2); skipped" in note for note in result.notes)


def test_many_artists_are_asked_fifty_to_a_query_one_query_at_a_time(fake_services):
    artists = [make_artist(f"Band {i}", spotify_id=f"{i:022d}") for i in range(120)]

    result = WikidataProvider().artists(artists)

    sent = fake_services.requests_to("wikidata")
    assert result.calls == 3 and len(sent) == 3
    assert [len(re.findall(r'"\d{22}"', r.param("query"))) for r in sent] == [50, 50, 20]


@pytest.mark.parametrize("breakage", ["sparql 500", "malformed", "forbidden"])
def test_a_failed_query_is_a_warning_and_nothing_is_applied(fake_services, recorded_sleeps, breakage):
    if breakage == "sparql 500":
        fake_services.route("wikidata", "*", r"/sparql", fixture="wikidata/sparql_timeout_500.txt", status=500)
    elif breakage == "malformed":
        fake_services.malformed("wikidata")
    else:
        fake_services.reject_auth("wikidata")
    radiohead = make_artist("Radiohead", spotify_id=RADIOHEAD)

    result = artists_enrich(artists=[radiohead], providers=["wikidata"])

    assert len(result.warnings) == 1 and result.warnings[0].startswith("Wikidata: 1 artist(s) not looked up")
    assert Fact.objects.count() == 0
    radiohead.refresh_from_db()
    assert radiohead.wikidata_id is None and radiohead.management == ""


def test_a_timed_out_query_is_a_warning(fake_services, settings):
    settings.ENRICHMENT_TIMEOUT_WIKIDATA = 0.2
    settings.ENRICHMENT_MAX_RETRIES = 0
    fake_services.delay("wikidata", 1.0)
    radiohead = make_artist("Radiohead", spotify_id=RADIOHEAD)

    result = WikidataProvider().artists([radiohead])

    assert result.facts == [] and len(result.warnings) == 1 and "Wikidata" in result.warnings[0]


def test_a_failed_chunk_does_not_stop_the_next_one(fake_services, settings):
    settings.ENRICHMENT_MAX_RETRIES = 0
    fake_services.fail("wikidata", status=503, times=1)
    others = [make_artist(f"Band {i}", spotify_id=f"{i:022d}") for i in range(50)]
    radiohead = make_artist("Radiohead", spotify_id=RADIOHEAD)

    result = WikidataProvider().artists([*others, radiohead])

    assert len(result.warnings) == 1 and "50 artist(s) not looked up" in result.warnings[0]
    assert {f.field: f.value for f in result.facts if f.entity_id == radiohead.pk}["wikidata_id"] == "Q44190"


def test_wikidata_needs_no_configuration():
    assert WikidataProvider().is_available() == (True, "")
