"""The monthly-listeners provider against the fake Apify, through the real client."""

import json

import pytest

from catalog.models import Artist
from enrichment.models import Fact
from enrichment.providers.monthly_listeners import MonthlyListenersProvider
from enrichment.service import artists_enrich
from tests.factories import make_artist
from tests.fakes.server import FIXTURES, Reply

pytestmark = pytest.mark.django_db

RADIOHEAD, PORTISHEAD, MASSIVE_ATTACK = "4Z8W4fKeB5YxbusRsdQVPb", "6liAMWkVf5LH7YR9yfFy1Y", "6FXMGgJwohJLUSr5nVlf9X"
RUN = r"/v2/acts/(?P<actor>[^/]+)/run-sync-get-dataset-items"


def ids_of(request):
    return [entry["url"].rsplit("/", 1)[-1] for entry in json.loads(request.body)["startUrls"]]


def listeners_for_all(*, timeout_above: int | None = None):
    """A run handler: each id's last four digits as its listeners; 408 for runs of more ids than `timeout_above`."""
    def answer(request, match):
        ids = ids_of(request)
        if timeout_above is not None and len(ids) > timeout_above:
            return Reply(status=408, body=json.loads(
                (FIXTURES / "apify/error_408_run_timeout.json").read_text(encoding="utf-8")))
        return Reply(status=201, body=[{"artist_id": sid, "monthlyListeners": int(sid[-4:])} for sid in ids])
    return answer


def bands(count):
    return [make_artist(f"Band {i}", spotify_id=f"{i:022d}") for i in range(count)]


def runs(fake):
    return fake.requests_to("apify", "run-sync-get-dataset-items")


def test_monthly_listeners_are_stored_with_evidence_and_applied(fake_services):
    radiohead = make_artist("Radiohead", spotify_id=RADIOHEAD)
    make_artist("Portishead", spotify_id=PORTISHEAD)
    massive = make_artist("Massive Attack", spotify_id=MASSIVE_ATTACK)  # not in the actor's dataset
    make_artist("Local Band")

    result = artists_enrich(artists=Artist.objects.order_by("pk"), providers=["monthly_listeners"])

    assert result.warnings == []
    assert dict(Artist.objects.values_list("name", "monthly_listeners")) == {
        "Radiohead": 47213388, "Portishead": 6094217, "Massive Attack": None, "Local Band": None}
    fact = Fact.objects.get(entity_id=radiohead.pk, field="monthly_listeners")
    assert fact.provider == "monthly_listeners" and fact.value == 47213388 and fact.confidence == 1.0
    assert fact.evidence == ["apify:POST /v2/acts/augeas~spotify-monthly-listeners/run-sync-get-dataset-items",
                             f"https://open.spotify.com/artist/{RADIOHEAD}"]
    assert (fact.expires_at - fact.retrieved_at).total_seconds() == 3600  # the monthly_listeners lifetime
    assert not Fact.objects.filter(entity_id=massive.pk).exists()
    assert any("1 artist(s) without a Spotify id skipped" in note for note in result.notes)
    assert any("none found for Massive Attack" in note for note in result.notes)
    [run] = runs(fake_services)
    assert sorted(ids_of(run)) == sorted([RADIOHEAD, PORTISHEAD, MASSIVE_ATTACK])
    assert result.providers["monthly_listeners"].calls == 1


def test_fifty_artists_make_one_run_and_fifty_one_make_two(fake_services):
    fake_services.route("apify", "POST", RUN, listeners_for_all())
    provider = MonthlyListenersProvider()

    fifty = provider.artists(bands(50))
    assert len(runs(fake_services)) == 1 and fifty.calls == 1 and len(fifty.facts) == 50

    fifty_one = [*Artist.objects.order_by("pk"), make_artist("One More", spotify_id="9" * 22)]
    more = provider.artists(fifty_one, force=True)  # the first 50 are cached otherwise
    assert [len(ids_of(r)) for r in runs(fake_services)] == [50, 50, 1] and more.calls == 2
    assert len(more.facts) == 51


def test_a_run_timeout_splits_the_batch_in_halves_down_to_single_artists(fake_services):
    fake_services.route("apify", "POST", RUN, listeners_for_all(timeout_above=2))
    artists = bands(5)

    result = MonthlyListenersProvider().artists(artists)

    assert [len(ids_of(r)) for r in runs(fake_services)] == [5, 3, 2, 1, 2]  # each batch tried once, no retries
    assert result.warnings == [] and result.calls == 5
    assert sorted(f.entity_id for f in result.facts) == sorted(a.pk for a in artists)
    assert {f.value for f in result.facts} == {0, 1, 2, 3, 4}


def test_a_single_artist_that_still_times_out_is_a_warning(fake_services):
    fake_services.route("apify", "POST", RUN, listeners_for_all(timeout_above=0))

    result = MonthlyListenersProvider().artists(bands(2))

    assert [len(ids_of(r)) for r in runs(fake_services)] == [2, 1, 1]
    assert result.facts == [] and len(result.warnings) == 2
    assert all(w.startswith("Apify: monthly listeners of 1 artist(s) not read") for w in result.warnings)


def test_a_refused_token_is_a_warning_and_nothing_is_applied(fake_services):
    fake_services.reject_auth("apify")
    radiohead = make_artist("Radiohead", spotify_id=RADIOHEAD)

    result = artists_enrich(artists=[radiohead], providers=["monthly_listeners"])

    assert len(result.warnings) == 1 and "Apify" in result.warnings[0]
    assert Fact.objects.count() == 0
    radiohead.refresh_from_db()
    assert radiohead.monthly_listeners is None


@pytest.mark.parametrize("failure", [{"status": 429, "retry_after": 1}, {"status": 503}, "malformed"])
def test_a_failed_run_is_a_warning_and_the_next_batch_still_runs(fake_services, failure):
    fake_services.route("apify", "POST", RUN, listeners_for_all())
    if failure == "malformed":
        fake_services.malformed("apify", times=1)
    else:
        fake_services.fail("apify", times=1, **failure)

    result = MonthlyListenersProvider().artists(bands(51))

    assert len(runs(fake_services)) == 2  # the failed run is not repeated as is
    assert len(result.warnings) == 1 and "monthly listeners of 50 artist(s) not read" in result.warnings[0]
    assert len(result.facts) == 1 and result.facts[0].value == 50


def test_without_a_token_it_is_not_available(fake_services, settings):
    settings.APIFY_TOKEN = ""
    radiohead = make_artist("Radiohead", spotify_id=RADIOHEAD)

    assert MonthlyListenersProvider().is_available() == (False, "Apify (monthly listeners) is not configured: "
                                                                "set APIFY_TOKEN")
    result = artists_enrich(artists=[radiohead], providers=["monthly_listeners"])
    assert result.providers["monthly_listeners"].available is False and runs(fake_services) == []
