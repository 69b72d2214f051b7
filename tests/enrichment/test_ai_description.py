"""AI notes on albums, against the fake OpenAI-compatible endpoint through the real openai library."""

import json

from django.utils import timezone

from catalog.models import AlbumInfo
from enrichment.models import Fact
from enrichment.providers import PROVIDERS
from enrichment.service import albums_enrich
from tests.factories import make_album, make_artist, make_label

COMPLETIONS = r"/v1/chat/completions"


def notes(**overrides) -> str:
    data = {"summary": "Radiohead's seventh album, released pay-what-you-want in 2007.",
            "description": "Warm and intimate.\n\nIt matters because of how it was released.",
            "is_soundtrack": False, "film": ""}
    return json.dumps({**data, **overrides})


def answer_in_turn(fake, *answers):
    """Each request gets the next (content, finish_reason) in a chat completion; the last one repeats."""
    from tests.fakes.server import Reply

    queue = list(answers)

    def handler(request, match):
        content, finish_reason = queue.pop(0) if len(queue) > 1 else queue[0]
        completion = fake.fixture_json("openai/chat_completion.json")
        completion["choices"][0]["message"]["content"] = content
        completion["choices"][0]["finish_reason"] = finish_reason
        return Reply(body=completion)

    fake.route("ai", "POST", COMPLETIONS, handler)


def in_rainbows():
    return make_album("In Rainbows", make_artist("Radiohead"), year=2007, label=make_label("XL Recordings"),
                      format="Vinyl")


def sent(fake):
    return [r.json() for r in fake.requests_to("ai", "/chat/completions")]


def test_a_plain_json_answer_becomes_album_notes_and_facts_with_evidence(fake_services):
    album = in_rainbows()

    result = albums_enrich(albums=[album], providers=["ai_description"])

    assert result.warnings == [] and result.providers["ai_description"].calls == 1
    info = AlbumInfo.objects.get(album=album)
    assert info.summary.startswith("Radiohead's seventh album") and "Phil Selway" in info.description
    assert info.model_used == "mistral24b" and info.generated_at is not None
    assert info.is_soundtrack is False and info.film == ""
    facts = {f.field: f for f in Fact.objects.filter(entity_type="album", entity_id=album.pk)}
    assert set(facts) == {"ai_summary", "ai_description", "ai_is_soundtrack", "ai_film", "ai_model"}
    description = facts["ai_description"]
    assert description.provider == "ai_description" and description.confidence == 0.6
    assert description.evidence == [f"{fake_services.url('ai')}/v1/chat/completions model=mistral24b"]
    assert facts["ai_model"].value == "mistral24b" and facts["ai_is_soundtrack"].value is False
    prompt = sent(fake_services)[0]["messages"][-1]["content"]
    assert all(part in prompt for part in ("In Rainbows", "Radiohead", "2007", "XL Recordings", "Vinyl"))


def test_a_fenced_answer_or_one_with_text_around_it_is_parsed(fake_services):
    fenced, chatty = in_rainbows(), make_album("Dummy")
    fake_services.route("ai", "POST", COMPLETIONS, fixture="openai/chat_completion.fenced_json.json")
    provider = PROVIDERS["ai_description"]

    first = provider.albums([fenced])
    answer_in_turn(fake_services, (f"Sure! Here are the notes:\n{notes(is_soundtrack=True, film='Heat')}\nEnjoy.",
                                   "stop"))
    second = provider.albums([chatty])

    by_field = {d.field: d.value for d in first.facts}
    assert by_field["ai_summary"].startswith("Radiohead's seventh album") and by_field["ai_film"] == ""
    assert "Nigel Godrich" in by_field["ai_description"]
    assert {d.field: d.value for d in second.facts}["ai_film"] == "Heat"
    assert {d.field: d.value for d in second.facts}["ai_is_soundtrack"] is True
    assert AlbumInfo.objects.count() == 0  # a provider never writes


def test_a_cut_off_answer_is_asked_again_once_with_a_shorter_prompt(fake_services):
    album = in_rainbows()
    truncated = fake_services.fixture_json("openai/chat_completion.truncated.json")["choices"][0]["message"]
    answer_in_turn(fake_services, (truncated["content"], "length"), (notes(), "stop"))

    result = albums_enrich(albums=[album], providers=["ai_description"])

    first, second = sent(fake_services)
    assert second["max_tokens"] < first["max_tokens"]
    assert "one short paragraph" in second["messages"][-1]["content"]
    assert "one short paragraph" not in first["messages"][-1]["content"]
    assert result.warnings == [] and result.providers["ai_description"].calls == 2
    assert AlbumInfo.objects.get(album=album).description.startswith("Warm and intimate.\n\nIt matters")


def test_two_unusable_answers_are_a_warning_and_no_notes_and_are_not_cached(fake_services):
    album, other = in_rainbows(), make_album("Dummy", make_artist("Portishead"))
    answer_in_turn(fake_services, ("I cannot help with that.", "stop"), ('{"summary": "x"', "stop"),
                   (notes(), "stop"))

    result = albums_enrich(albums=[album, other], providers=["ai_description"])

    assert result.warnings == ["Radiohead – In Rainbows: the AI answer was cut off or not JSON, twice; no notes"]
    assert not AlbumInfo.objects.filter(album=album).exists()
    assert AlbumInfo.objects.filter(album=other).exists()  # the next album was still done
    assert len(sent(fake_services)) == 3
    albums_enrich(albums=[album], providers=["ai_description"])  # the rejected answers were not kept
    assert len(sent(fake_services)) == 4 and AlbumInfo.objects.filter(album=album).exists()


def test_an_album_with_notes_is_not_asked_again_unless_forced(fake_services):
    album = in_rainbows()
    AlbumInfo.objects.create(album=album, summary="Old notes", model_used="llama3", generated_at=timezone.now())

    skipped = albums_enrich(albums=[album], providers=["ai_description"])

    assert sent(fake_services) == [] and skipped.facts == 0
    assert AlbumInfo.objects.get(album=album).summary == "Old notes"
    albums_enrich(albums=[album], providers=["ai_description"], force=True)
    assert len(sent(fake_services)) == 1
    info = AlbumInfo.objects.get(album=album)
    assert info.summary.startswith("Radiohead's seventh album") and info.model_used == "mistral24b"


def test_it_writes_no_artist_notes(fake_services):
    assert PROVIDERS["ai_description"].artists([make_artist("Radiohead")]).facts == []
    assert sent(fake_services) == []


def test_not_configured_without_an_api_key(fake_services, settings):
    settings.AI_API_KEY = ""

    assert PROVIDERS["ai_description"].is_available() == (False, "AI notes is not configured: set AI_API_KEY")
    result = albums_enrich(albums=[in_rainbows()], providers=["ai_description"])
    assert result.providers["ai_description"].available is False and sent(fake_services) == []


def test_a_429_is_a_warning_and_the_next_album_is_still_done(fake_services, settings, recorded_sleeps):
    settings.ENRICHMENT_MAX_RETRIES = 0
    album, other = in_rainbows(), make_album("Dummy", make_artist("Portishead"))
    fake_services.fail("ai", status=429, times=1, retry_after=20, body=fake_services.fixture_json(
        "openai/error_429.json"))
    answer_in_turn(fake_services, (notes(), "stop"))

    result = albums_enrich(albums=[album, other], providers=["ai_description"])

    assert len(result.warnings) == 1 and result.warnings[0].startswith("Radiohead – In Rainbows: ")
    assert "429" in result.warnings[0]
    assert not AlbumInfo.objects.filter(album=album).exists()
    assert AlbumInfo.objects.filter(album=other).exists()


def test_a_5xx_or_a_malformed_body_is_a_warning(fake_services, settings, recorded_sleeps):
    settings.ENRICHMENT_MAX_RETRIES = 0
    album = in_rainbows()
    fake_services.fail("ai", status=503, times=1)

    failed = PROVIDERS["ai_description"].albums([album])
    fake_services.malformed("ai", times=1)
    malformed = PROVIDERS["ai_description"].albums([album])

    assert failed.facts == [] and len(failed.warnings) == 1 and "503" in failed.warnings[0]
    assert malformed.facts == []
    assert malformed.warnings == ["Radiohead – In Rainbows: the AI endpoint answered without choices"]
