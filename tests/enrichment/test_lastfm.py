"""The Last.fm provider against the fake Last.fm, through pylast and the resilience layer."""

import uuid

import pytest

from catalog.models import AlbumTag, ArtistSimilar, ArtistTag, Image
from enrichment.models import Fact
from enrichment.providers.lastfm import LastfmProvider, lastfm_text
from enrichment.service import albums_enrich, artists_enrich
from tests.factories import make_album, make_artist, make_track
from tests.fakes.server import Reply

RADIOHEAD_MBID = "a74b1b7f-71a5-4011-9441-d0b5e4122711"
COVER = "https://lastfm.freetls.fastly.net/i/u/{}/72aafdcda5beccba4a789cf0789e8071.jpg"


def _fact(entity, field, entity_type="artist"):
    return Fact.objects.get(entity_type=entity_type, entity_id=entity.pk, field=field, provider="lastfm")


def _methods(fake_services):
    return [r.param("method") for r in fake_services.requests_to("lastfm")]


def _for_artist(name, reply):
    """A route answering `reply()` to every request about the artist `name`, passing the others on."""
    def handler(request, match):
        return reply() if request.param("artist").casefold() == name.casefold() else None
    return handler


# --- artists ---------------------------------------------------------------------------------
def test_artist_info_becomes_facts_with_evidence_and_is_copied_onto_the_row(fake_services):
    radiohead = make_artist("Radiohead")

    result = artists_enrich(artists=[radiohead], providers=["lastfm"])

    assert result.warnings == []
    radiohead.refresh_from_db()
    assert radiohead.lastfm_listeners == 7311462
    assert radiohead.lastfm_playcount == 1081456209
    assert radiohead.lastfm_url == "https://www.last.fm/music/Radiohead"
    assert radiohead.bio == "Radiohead are an English rock band formed in Abingdon, Oxfordshire, in 1985."
    assert radiohead.mbid == uuid.UUID(RADIOHEAD_MBID)
    assert radiohead.enriched_at is not None
    listeners = _fact(radiohead, "lastfm_listeners")
    assert listeners.value == 7311462 and listeners.confidence == 1.0
    assert "https://www.last.fm/music/Radiohead" in listeners.evidence
    assert "lastfm:artist.getInfo artist=Radiohead" in listeners.evidence
    assert "<a" not in _fact(radiohead, "bio").value
    assert result.providers["lastfm"].calls == 3
    assert sorted(_methods(fake_services)) == ["artist.getInfo", "artist.getSimilar", "artist.getTopTags"]


def test_similar_artists_are_linked_only_when_in_the_library_and_kept_whole_in_the_fact(fake_services):
    radiohead, portishead = make_artist("Radiohead"), make_artist("Portishead")

    artists_enrich(artists=[radiohead], providers=["lastfm"])

    links = ArtistSimilar.objects.filter(artist=radiohead)
    assert [(link.similar, link.source) for link in links] == [(portishead, "lastfm")]
    assert links[0].match == pytest.approx(0.42133)
    similar = _fact(radiohead, "similar")
    assert [name for name, _ in similar.value] == ["Thom Yorke", "Atoms for Peace", "The Smile", "Portishead",
                                                   "Sigur Rós"]
    assert similar.evidence == ["lastfm:artist.getSimilar artist=Radiohead"]


def test_top_tags_are_artist_tags_from_lastfm_with_their_weights(fake_services):
    radiohead = make_artist("Radiohead")

    artists_enrich(artists=[radiohead], providers=["lastfm"])

    tags = {link.tag.name: link.weight for link in ArtistTag.objects.filter(artist=radiohead, source="lastfm")}
    assert tags == {"alternative": 100, "alternative rock": 92, "rock": 71, "indie": 44, "electronic": 31,
                    "british": 25, "experimental": 19, "seen live": 12}


def test_an_mbid_already_known_is_kept(fake_services):
    mine = "11111111-2222-3333-4444-555555555555"
    radiohead = make_artist("Radiohead", mbid=mine)

    result = LastfmProvider().artists([radiohead])

    assert "mbid" not in {draft.field for draft in result.facts}


def test_a_name_corrected_by_lastfm_lowers_the_confidence_and_is_noted(fake_services):
    fixtures = {"artist.getinfo": "artist.getInfo", "artist.getsimilar": "artist.getSimilar",
                "artist.gettoptags": "artist.getTopTags"}

    def corrected(request, match):
        name = fixtures.get(request.param("method").lower())
        if request.param("artist") == "Radiohed" and name:
            return fake_services.fixture_reply(f"lastfm/xml/{name}.xml")
        return None

    fake_services.route("lastfm", "*", r"/2\.0/?", corrected)
    typo = make_artist("Radiohed")

    result = artists_enrich(artists=[typo], providers=["lastfm"])

    assert "lastfm: Radiohed answered as Radiohead" in result.notes
    assert _fact(typo, "lastfm_listeners").confidence == 0.7


def test_an_unknown_artist_is_a_note_and_the_others_are_still_done(fake_services):
    nobody, radiohead = make_artist("Nobody At All"), make_artist("Radiohead")

    result = artists_enrich(artists=[nobody, radiohead], providers=["lastfm"])

    assert result.warnings == []
    assert "lastfm: artist Nobody At All is not on Last.fm" in result.notes
    assert not Fact.objects.filter(entity_type="artist", entity_id=nobody.pk).exists()
    radiohead.refresh_from_db()
    assert radiohead.lastfm_listeners == 7311462
    # Not on Last.fm: its tags and similar artists are not asked for.
    assert _methods(fake_services).count("artist.getInfo") == 2
    assert _methods(fake_services).count("artist.getTopTags") == 1


def test_a_rate_limited_artist_is_a_warning_after_retries_honouring_retry_after(fake_services, recorded_sleeps):
    limited = lambda: fake_services.fixture_reply("lastfm/xml/error.rate_limit.xml", status=429,  # noqa: E731
                                                  headers={"Retry-After": "2"})
    fake_services.route("lastfm", "*", r"/2\.0/?", _for_artist("Portishead", limited))
    portishead, radiohead = make_artist("Portishead"), make_artist("Radiohead")

    result = artists_enrich(artists=[portishead, radiohead], providers=["lastfm"])

    assert len(result.warnings) == 1 and result.warnings[0].startswith("lastfm: artist Portishead:")
    assert recorded_sleeps and min(recorded_sleeps) >= 2
    radiohead.refresh_from_db()
    assert radiohead.lastfm_listeners == 7311462


def test_lastfm_error_29_in_a_200_answer_is_a_warning(fake_services, recorded_sleeps, settings):
    settings.ENRICHMENT_MAX_RETRIES = 0
    limited = lambda: fake_services.fixture_reply("lastfm/xml/error.rate_limit.xml")  # noqa: E731
    fake_services.route("lastfm", "*", r"/2\.0/?", _for_artist("Radiohead", limited))

    result = LastfmProvider().artists([make_artist("Radiohead")])

    assert result.facts == []
    assert result.warnings == ["lastfm: artist Radiohead: Last.fm error 29: Rate Limit Exceeded - Your IP has made "
                               "too many requests in a short period"]


@pytest.mark.parametrize("reply", [
    lambda: Reply(status=503, body="down", content_type="text/plain"),
    lambda: Reply(status=200, body="<html><body><h1>502 Bad Gateway</h1></body></html>", content_type="text/html"),
], ids=["5xx", "malformed"])
def test_a_failing_answer_is_a_warning_and_the_others_are_still_done(fake_services, recorded_sleeps, reply):
    fake_services.route("lastfm", "*", r"/2\.0/?", _for_artist("Portishead", reply))
    portishead, radiohead = make_artist("Portishead"), make_artist("Radiohead")

    result = artists_enrich(artists=[portishead, radiohead], providers=["lastfm"])

    assert [w.split(":")[:2] for w in result.warnings] == [["lastfm", " artist Portishead"]]
    radiohead.refresh_from_db()
    assert radiohead.lastfm_listeners == 7311462


def test_running_twice_within_the_ttl_makes_no_second_call_and_force_does(fake_services):
    radiohead = make_artist("Radiohead")
    artists_enrich(artists=[radiohead], providers=["lastfm"])
    first = len(fake_services.requests_to("lastfm"))

    artists_enrich(artists=[radiohead], providers=["lastfm"])
    assert len(fake_services.requests_to("lastfm")) == first == 3

    artists_enrich(artists=[radiohead], providers=["lastfm"], force=True)
    assert len(fake_services.requests_to("lastfm")) == 2 * first


def test_not_configured_is_unavailable_with_the_setting_to_set(fake_services, settings):
    settings.LASTFM_API_KEY = ""

    assert LastfmProvider().is_available() == (False, "Last.fm is not configured: set LASTFM_API_KEY")
    result = artists_enrich(artists=[make_artist("Radiohead")], providers=["lastfm"])
    assert not result.providers["lastfm"].available
    assert fake_services.requests_to("lastfm") == []


# --- albums ----------------------------------------------------------------------------------
def test_album_info_gives_tags_images_wiki_and_missing_track_durations(fake_services):
    in_rainbows = make_album("In Rainbows", make_artist("Radiohead"))
    step = make_track("15 Step", in_rainbows)
    nude = make_track("Nude", in_rainbows, duration_ms=111_000)
    weird = make_track("Weird Fishes / Arpeggi", in_rainbows)
    bonus = make_track("Down Is the New Up", in_rainbows)

    result = albums_enrich(albums=[in_rainbows], providers=["lastfm"])

    assert result.warnings == []
    tags = {link.tag.name: link.weight for link in AlbumTag.objects.filter(album=in_rainbows, source="lastfm")}
    assert tags == {"alternative": 100, "2007": 100, "albums i own": 100, "electronic": 100, "rock": 100}
    images = {(i.width, i.height): i.url for i in Image.objects.filter(album=in_rainbows, source="lastfm")}
    assert images == {(34, 34): COVER.format("34s"), (64, 64): COVER.format("64s"), (174, 174): COVER.format("174s"),
                      (300, 300): COVER.format("300x300"), (600, 600): COVER.format("300x300")}
    in_rainbows.refresh_from_db()
    assert in_rainbows.thumb_url == COVER.format("64s")
    wiki = _fact(in_rainbows, "wiki", "album")
    assert wiki.value == ("In Rainbows is the seventh studio album by Radiohead, first released as a "
                          "pay-what-you-want download in October 2007.")
    assert "https://www.last.fm/music/Radiohead/In+Rainbows" in wiki.evidence
    for track in (step, nude, weird, bonus):
        track.refresh_from_db()
    assert (step.duration_ms, nude.duration_ms, weird.duration_ms, bonus.duration_ms) == (237_000, 111_000, 318_000,
                                                                                          None)
    duration = _fact(step, "duration_ms", "track")
    assert duration.value == 237_000 and duration.confidence == 1.0
    assert not Fact.objects.filter(entity_type="track", entity_id__in=[nude.pk, bonus.pk]).exists()


def test_an_unknown_album_is_a_note_and_the_others_are_still_done(fake_services):
    radiohead = make_artist("Radiohead")
    unknown = make_album("Not An Album", radiohead)
    in_rainbows = make_album("In Rainbows", radiohead)

    result = LastfmProvider().albums([unknown, in_rainbows])

    assert result.warnings == []
    assert result.notes == ["lastfm: album Radiohead – Not An Album is not on Last.fm"]
    assert {d.entity_id for d in result.facts} == {in_rainbows.pk}
    assert result.calls == 2


def test_album_info_is_cached_within_its_ttl(fake_services):
    in_rainbows = make_album("In Rainbows", make_artist("Radiohead"))
    albums_enrich(albums=[in_rainbows], providers=["lastfm"])
    albums_enrich(albums=[in_rainbows], providers=["lastfm"])

    assert _methods(fake_services) == ["album.getInfo"]


def test_lastfm_text_drops_the_link_and_html():
    summary = 'A &amp; B <b>rock</b>\n\n band. <a href="https://www.last.fm/music/A">Read more on Last.fm</a>.'
    assert lastfm_text(summary) == "A & B rock band."
