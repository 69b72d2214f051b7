"""AI prompt playlists against the fake OpenAI-compatible endpoint, through the real openai library:
what the model is sent (the wish and a bounded list of the library's tracks), and what is kept of
its answer (good, fenced, hallucinated ids, cut off, not JSON, empty, or no answer at all)."""

import json
import random
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import ArtistTag, Tag
from playlists.generators.ai import GENERATOR as AI
from playlists.generators.ai import answer_parse, candidate_ids
from playlists.generators.base import GeneratorError, params_clean
from playlists.models import Playlist
from playlists.services.playlists import playlist_generate
from tests.factories import make_album, make_artist, make_copy, make_scrobble, make_track
from tests.fakes.server import Reply

pytestmark = pytest.mark.django_db

COMPLETIONS = r"/v1/chat/completions"
LINE = re.compile(r"^(\d+) \| (.+)$", re.MULTILINE)


@pytest.fixture
def library():
    """Portishead (tagged trip hop, Dummy owned) and Massive Attack (played most), by title."""
    now = timezone.now()
    portishead, massive = make_artist("Portishead"), make_artist("Massive Attack")
    dummy = make_album("Dummy", portishead, year=1994)
    make_copy(dummy, 1)
    mezzanine = make_album("Mezzanine", massive, year=1998)
    tracks = {title: make_track(title, album, duration_ms=300_000) for title, album in (
        ("Roads", dummy), ("Glory Box", dummy), ("Sour Times", dummy), ("Teardrop", mezzanine),
        ("Angel", mezzanine), ("Inertia Creeps", mezzanine))}
    for n in range(41):
        make_scrobble(tracks["Roads"], now - timedelta(days=n + 1))
    for n in range(5):
        make_scrobble(tracks["Teardrop"], now - timedelta(days=n + 1, hours=3), loved=n == 0)
    ArtistTag.objects.create(artist=portishead, tag=Tag.objects.create(name="Trip Hop"))
    return tracks


def answer_with(fake, content: str, *, finish_reason: str = "stop") -> None:
    """Every chat completion answers `content` (the fixture's model, "mistral3", answers)."""
    def handler(request, match):
        completion = fake.fixture_json("openai/chat_completion.json")
        completion["choices"][0]["message"]["content"] = content
        completion["choices"][0]["finish_reason"] = finish_reason
        return Reply(body=completion)

    fake.route("ai", "POST", COMPLETIONS, handler)


def picks(*entries) -> str:
    return json.dumps({"name": "Rainy Sunday", "tracks": [{"id": pk, "reason": reason} for pk, reason in entries]})


def sent(fake) -> list[dict]:
    return [request.json() for request in fake.requests_to("ai", "/chat/completions")]


def sent_lines(fake) -> dict[int, str]:
    """The candidate lines of the last request: id → the rest of the line."""
    return {int(pk): rest for pk, rest in LINE.findall(sent(fake)[-1]["messages"][-1]["content"])}


def titles(playlist: Playlist) -> list[str]:
    return list(playlist.entries.order_by("position").values_list("track__title", flat=True))


def test_a_good_answer_becomes_the_playlist_in_the_models_order_with_its_reasons(fake_services, library):
    roads, teardrop, angel = library["Roads"], library["Teardrop"], library["Angel"]
    answer_with(fake_services, picks((teardrop.pk, "Slow and grey, like the rain"), (roads.pk, "Your most played"),
                                     (angel.pk, "A slow close")))

    playlist = playlist_generate(algorithm="ai", params={"prompt": "rainy Sunday morning, trip hop"}, seed=3)

    assert titles(playlist) == ["Teardrop", "Roads", "Angel"]
    assert list(playlist.entries.order_by("position").values_list("reason", flat=True)) == [
        "Slow and grey, like the rain", "Your most played", "A slow close"]
    assert playlist.name == "Rainy Sunday" and playlist.is_ai is True
    assert playlist.prompt == "rainy Sunday morning, trip hop" and playlist.model_used == "mistral3"
    assert playlist.details.items() >= {
        "candidates": 6, "answered": 3, "dropped": 0, "duplicates": 0, "cut_off": False}.items()
    request = sent(fake_services)[0]
    assert request["model"] == "mistral24b" and request["temperature"] == 0.7 and request["max_tokens"] > 0
    ask = request["messages"][-1]["content"]
    assert "Wish: rainy Sunday morning, trip hop" in ask and "about 6 tracks" in ask
    lines = sent_lines(fake_services)
    assert set(lines) == {track.pk for track in library.values()}
    assert lines[roads.pk] == "Portishead — Roads (Dummy, 1994; Trip Hop) · 41 plays · owned"
    assert lines[teardrop.pk] == "Massive Attack — Teardrop (Mezzanine, 1998) · 5 plays · loved"


def test_a_fenced_answer_or_one_with_words_around_it_is_read(fake_services, library):
    roads, angel = library["Roads"], library["Angel"]
    answer_with(fake_services, f"```json\n{picks((roads.pk, 'Fits'), (angel.pk, 'Dark'))}\n```")
    assert titles(playlist_generate(algorithm="ai", params={"prompt": "night drive"}, seed=1)) == ["Roads", "Angel"]
    answer_with(fake_services, f"Sure! Here is your playlist:\n{picks((angel.pk, 'Dark'))}\nEnjoy the rain.")
    assert titles(playlist_generate(algorithm="ai", params={"prompt": "night drive"}, seed=2)) == ["Angel"]


def test_ids_not_among_the_candidates_are_dropped_and_counted_and_repeats_kept_once(fake_services, library):
    roads, teardrop = library["Roads"], library["Teardrop"]
    answer_with(fake_services, picks((roads.pk, "Yes"), (999_999, "Not in your library"), (teardrop.pk, "Yes"),
                                     (roads.pk, "Again"), ("seventeen", "Not an id")))

    playlist = playlist_generate(algorithm="ai", params={"prompt": "rain"}, seed=1)

    assert titles(playlist) == ["Roads", "Teardrop"]
    assert playlist.details.items() >= {
        "candidates": 6, "answered": 5, "dropped": 2, "duplicates": 1, "cut_off": False}.items()


def test_an_answer_cut_off_keeps_the_complete_tracks_before_the_cut(fake_services, library):
    roads, teardrop, angel = library["Roads"], library["Teardrop"], library["Angel"]
    full = picks((roads.pk, "First"), (teardrop.pk, "Second"), (angel.pk, "Third, and longer"))
    answer_with(fake_services, "```json\n" + full[:full.index("Third") + 5], finish_reason="length")

    playlist = playlist_generate(algorithm="ai", params={"prompt": "rain"}, seed=1)

    assert titles(playlist) == ["Roads", "Teardrop"] and playlist.name == "Rainy Sunday"
    assert playlist.details.items() >= {
        "candidates": 6, "answered": 2, "dropped": 0, "duplicates": 0, "cut_off": True}.items()


def test_an_answer_that_is_not_json_is_an_error_and_is_not_kept_in_the_cache(fake_services, library):
    answer_with(fake_services, "I'm sorry, I can't help with playlists.")
    with pytest.raises(GeneratorError, match="^The model's answer was not JSON"):
        playlist_generate(algorithm="ai", params={"prompt": "rain"}, seed=1)
    answer_with(fake_services, picks((library["Angel"].pk, "Dark")))
    assert titles(playlist_generate(algorithm="ai", params={"prompt": "rain"}, seed=1)) == ["Angel"]
    assert len(sent(fake_services)) == 2 and Playlist.objects.count() == 1


def test_the_same_seed_asks_the_same_question_and_gets_the_cached_answer(fake_services, library):
    answer_with(fake_services, picks((library["Angel"].pk, "Dark"), (library["Roads"].pk, "Grey")))
    first = playlist_generate(algorithm="ai", params={"prompt": "rain"}, seed=4)
    again = playlist_generate(algorithm="ai", params={"prompt": "rain"}, seed=4)
    assert titles(first) == titles(again) == ["Angel", "Roads"]
    assert len(sent(fake_services)) == 1


@pytest.mark.parametrize(("content", "finish_reason", "message"), [
    (json.dumps({"name": "Nothing", "tracks": []}), "stop", "The model chose no track for this wish"),
    (json.dumps({"tracks": [{"id": 999_999}]}), "stop", "The model chose only tracks that were not in the list"),
    ('{"name": "Rainy", "tracks": [{"id": 1, "rea', "length", "The model's answer was cut off before its first"),
    ('{"name": "Rainy", "songs": []}', "stop", "The model's answer was JSON without a list of tracks"),
])
def test_an_answer_with_no_usable_track_is_a_clear_error(fake_services, library, content, finish_reason, message):
    answer_with(fake_services, content, finish_reason=finish_reason)
    with pytest.raises(GeneratorError, match=f"^{re.escape(message)}"):
        playlist_generate(algorithm="ai", params={"prompt": "rain"}, seed=1)
    assert not Playlist.objects.exists()


@pytest.mark.parametrize(("status", "retry_after", "message"), [
    (500, None, "The AI service did not answer: HTTP 500"),
    (429, 2, "The AI service did not answer: HTTP 429"),
])
def test_a_failing_service_is_a_one_line_error_after_the_retries(fake_services, library, recorded_sleeps, status,
                                                                 retry_after, message):
    fake_services.fail("ai", status=status, times=None, retry_after=retry_after)
    with pytest.raises(GeneratorError) as raised:
        playlist_generate(algorithm="ai", params={"prompt": "rain"}, seed=1)
    assert str(raised.value).startswith(message) and "\n" not in str(raised.value)
    assert len(sent(fake_services)) == 4 and len(recorded_sleeps) == 3  # three retries
    assert retry_after is None or min(recorded_sleeps) >= retry_after
    assert not Playlist.objects.exists()


def test_without_an_api_key_it_says_what_to_set_and_sends_nothing(fake_services, library, settings):
    settings.AI_API_KEY = ""
    with pytest.raises(GeneratorError, match=r"^AI playlists need AI_API_KEY \(and AI_BASE_URL, AI_MODEL\) set in "
                                             r"the environment; the settings page shows which are missing "
                                             r"\(now: AI_API_KEY\)\.$"):
        playlist_generate(algorithm="ai", params={"prompt": "rain"})
    assert sent(fake_services) == []


def test_an_empty_library_is_a_clear_message_before_any_request(fake_services):
    with pytest.raises(GeneratorError, match="^Your library has no tracks for the model to choose from yet"):
        playlist_generate(algorithm="ai", params={"prompt": "rain"})
    assert sent(fake_services) == []


def test_the_model_sees_at_most_the_candidates_asked_and_tagged_tracks_of_the_wish(fake_services, library):
    now = timezone.now()
    for a in range(12):
        album = make_album(f"Album {a}", make_artist(f"Artist {a}"))
        for t in range(5):
            make_scrobble(make_track(f"Track {a}.{t}", album), now - timedelta(hours=a * 5 + t + 1))
    tagged = make_track("Unplayed", make_album("Tagged", make_artist("Tricky")))
    ArtistTag.objects.create(artist=tagged.artist, tag=Tag.objects.get(name="Trip Hop"))
    answer_with(fake_services, picks((library["Roads"].pk, "Grey")))

    playlist_generate(algorithm="ai", params={"prompt": "Something trip-hop for the rain", "candidates": "20"},
                      seed=1)
    with_tag = sent_lines(fake_services)
    playlist_generate(algorithm="ai", params={"prompt": "Something for the rain", "candidates": "20"}, seed=1)
    without_tag = sent_lines(fake_services)

    assert len(with_tag) == len(without_tag) == 20
    assert "Tricky — Unplayed (Tagged; Trip Hop) · 0 plays" in with_tag.values()
    assert tagged.pk not in without_tag  # neither played, owned nor loved: only the tag brings it
    assert library["Roads"].pk in without_tag  # the most played and owned
    assert "Wish: Something trip-hop for the rain" in sent(fake_services)[0]["messages"][-1]["content"]


def test_the_candidates_are_bounded_and_the_same_for_a_seed(library):
    assert params_clean(AI, {"prompt": "rain"})["candidates"] == 200
    for bad, message in (("19", "greater than or equal to 20"), ("501", "less than or equal to 500")):
        with pytest.raises(GeneratorError, match=f"^candidates: Ensure this value is {message}"):
            params_clean(AI, {"prompt": "rain", "candidates": bad})
    with pytest.raises(GeneratorError, match="^prompt: Ensure this value has at most 500 characters"):
        params_clean(AI, {"prompt": "x" * 501})
    with pytest.raises(GeneratorError, match="^prompt: write what the playlist should be"):
        params_clean(AI, {"prompt": "   "})
    assert candidate_ids("trip hop", 4, random.Random(9)) == candidate_ids("trip hop", 4, random.Random(9))
    assert len(candidate_ids("trip hop", 4, random.Random(9))) == 4
    assert len(candidate_ids("trip hop", 50, random.Random(9))) == 6  # the whole (small) library, once each


# --- the answer, read without the server ----------------------------------------------------------
def test_it_reads_bare_fenced_and_listed_answers_with_string_ids():
    bare = answer_parse('{"name": "Rain", "tracks": [{"id": 1, "reason": "a"}, {"id": "2"}]}',
                        finish_reason="stop", candidate_ids={1, 2})
    assert (bare.name, bare.picks, bare.answered, bare.cut_off) == ("Rain", [(1, "a"), (2, "")], 2, False)
    fenced = answer_parse('```json\n[{"id": 2, "reason": "b"}, 1]\n```', finish_reason="stop", candidate_ids={1, 2})
    assert (fenced.name, fenced.picks) == ("", [(2, "b"), (1, "")])
    odd = answer_parse('{"tracks": [{"id": true}, {"id": 1.5}, {"id": null}, {"id": 3, "reason": ["x"]}]}',
                       finish_reason="stop", candidate_ids={1, 3})
    assert (odd.picks, odd.dropped) == ([(3, "")], 3)


def test_a_reason_is_trimmed_to_what_an_entry_stores_and_the_name_to_a_playlists():
    answer = answer_parse(json.dumps({"name": "N" * 300, "tracks": [{"id": 1, "reason": "r\n" * 200}]}),
                          finish_reason="stop", candidate_ids={1})
    assert len(answer.name) == 200 and len(answer.picks[0][1]) <= 255 and "\n" not in answer.picks[0][1]


def test_a_cut_off_answer_keeps_its_name_and_complete_tracks_even_inside_a_fence():
    content = ('```json\n{"name": "Grey \\"skies\\"", "tracks": [{"id": 1, "reason": "a"},\n'
               ' {"id": 2, "reason": "b"}, {"id')
    answer = answer_parse(content, finish_reason="length", candidate_ids={1, 2})
    assert (answer.name, answer.picks, answer.answered, answer.cut_off) == ('Grey "skies"', [(1, "a"), (2, "b")],
                                                                            2, True)
    assert answer_parse('{"name": "Gr', finish_reason="length", candidate_ids={1}).picks == []


def test_a_broken_answer_that_was_not_cut_off_is_not_json():
    with pytest.raises(GeneratorError, match="^The model's answer was not JSON"):
        answer_parse('{"name": "Rain", "tracks": [{"id": 1,', finish_reason="stop", candidate_ids={1})
    with pytest.raises(GeneratorError, match="^The model's answer was not JSON"):
        answer_parse("", finish_reason=None, candidate_ids={1})
