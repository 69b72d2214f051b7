"""The pages in a real browser: log in, visit every page, no console error, no failed request.

Screenshots land in test-artifacts/screenshots/ (git-ignored) for a human to look at.
"""

import os
import random
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from catalog.models import ArtistSimilar, ArtistTag, Label, Tag
from playlists.models import Playlist, PlaylistTrack
from tests.factories import make_album, make_artist, make_copy, make_track
from tracker.models import Scrobble, TrackerState

# Playwright's sync API runs an event loop in this thread; the ORM must still be usable.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
PASSWORD = "browser-password-123"

LIBRARY = [
    ("Portishead", "Dummy", 1994, "Vinyl",
     ["Mysterons", "Sour Times", "Strangers", "It Could Be Sweet", "Wandering Star", "Roads", "Glory Box"]),
    ("Massive Attack", "Mezzanine", 1998, "Vinyl",
     ["Angel", "Risingson", "Teardrop", "Inertia Creeps", "Dissolved Girl"]),
    ("Björk", "Homogenic", 1997, "CD", ["Hunter", "Jóga", "Unravel", "Bachelorette", "All Is Full of Love"]),
    ("The Chemical Brothers", "Dig Your Own Hole", 1997, "Vinyl",
     ["Block Rockin' Beats", "Elektrobank", "Setting Sun", "The Private Psychedelic Reel"]),
    ("Air", "Moon Safari", 1998, "Vinyl", ["La Femme d'argent", "Sexy Boy", "All I Need", "Kelly Watch the Stars"]),
    ("Radiohead", "OK Computer", 1997, "CD",
     ["Airbag", "Paranoid Android", "Exit Music (For a Film)", "No Surprises", "Lucky"]),
    ("Khruangbin", "Con Todo El Mundo", 2018, "File",
     ["Como Me Quieres", "Maria También", "Evan Finds the Third Room", "Friday Morning"]),
    ("Nils Frahm", "Spaces", 2013, "Cassette",
     ["An Aborted Beginning", "Says", "Hammers", "For – Peter – Toilet Brushes – More"]),
]


def seed_library(*, days: int = 120, seed: int = 7) -> dict:
    """A small but realistic library: 8 artists, albums with tracks, plays over `days` days."""
    rng = random.Random(seed)
    label = Label.objects.create(name="Go! Beat")
    albums, tracks_by_artist = [], {}
    for index, (artist_name, title, year, fmt, titles) in enumerate(LIBRARY):
        artist = make_artist(artist_name)
        album = make_album(title, artist, year=year, format=fmt, label=label if index < 2 else None,
                           catalog_number=f"GB {828 + index}")
        albums.append(album)
        tracks_by_artist[artist] = [
            make_track(track_title, album, number=n + 1, duration_ms=rng.randint(180_000, 420_000))
            for n, track_title in enumerate(titles)
        ]
        if index < 6:
            make_copy(album, instance_id=1000 + index, date_added=timezone.now() - timedelta(days=30 * index),
                      rating=index % 6)
    artists = list(tracks_by_artist)
    # An album whose title is markup: pages must show it as text.
    hostile = make_album("<script>alert(1)</script> {{ 7*7 }}", artists[0], year=2001)
    make_track("<img src=x onerror=alert(2)>", hostile, number=1, duration_ms=200_000)
    for a, b, match in [(0, 1, .92), (0, 4, .61), (1, 0, .9), (2, 4, .4), (3, 1, .55)]:
        ArtistSimilar.objects.create(artist=artists[a], similar=artists[b], match=match)
    for name in ["trip hop", "electronic", "downtempo"]:
        tag = Tag.objects.create(name=name)
        ArtistTag.objects.create(artist=artists[0], tag=tag, weight=rng.randint(40, 100))
    zone = ZoneInfo(settings.TIME_ZONE)
    now = datetime.now(dt_timezone.utc).replace(microsecond=0)
    plays, used = [], set()
    for day in range(days):
        for _ in range(rng.randint(0, 14)):
            artist = rng.choices(artists, weights=[9, 7, 5, 4, 4, 6, 3, 2])[0]
            track = rng.choice(tracks_by_artist[artist])
            played_at = now - timedelta(days=day, minutes=rng.randint(1, 16 * 60))
            if (track.pk, played_at) in used:
                continue
            used.add((track.pk, played_at))
            local = played_at.astimezone(zone)
            plays.append(Scrobble(
                track=track, artist=artist, album=track.album, played_at=played_at, local_date=local.date(),
                local_hour=local.hour, source=rng.choice(["lastfm", "lastfm", "spotify"]), loved=rng.random() < .08,
            ))
    Scrobble.objects.bulk_create(plays)
    playlist = Playlist.objects.create(name="Late-night trip hop", description="Slow and dark, from your most played.",
                                       algorithm="top_forgotten")
    for position, track in enumerate(tracks_by_artist[artists[0]] + tracks_by_artist[artists[1]], start=1):
        PlaylistTrack.objects.create(playlist=playlist, track=track, position=position)
    state = TrackerState.load()
    state.now_playing_track = tracks_by_artist[artists[1]][2]
    state.now_playing_seen_at = timezone.now()
    state.save()
    return {"album": albums[0], "artist": artists[0], "hostile": hostile, "plays": len(plays)}


@pytest.fixture
def library(transactional_db):
    get_user_model().objects.create_user("listener", "listener@example.com", PASSWORD)
    return seed_library()


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageWatcher:
    """Collects console errors, page errors and failed requests to our own origin."""

    def __init__(self, page, origin: str):
        self.problems: list[str] = []
        self.origin = origin
        page.on("console", lambda msg: msg.type == "error" and self.problems.append(f"console: {msg.text}"))
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)

    def _request_failed(self, request):
        # ERR_ABORTED is the browser cancelling lazy images when we navigate on: not a failure.
        if request.url.startswith(self.origin) and "ERR_ABORTED" not in (request.failure or ""):
            self.problems.append(f"request failed: {request.url} {request.failure}")

    def _response(self, response):
        if response.url.startswith(self.origin) and response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")


def new_page(browser, live_server, **context_options):
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **context_options})
    page = context.new_page()
    return page, PageWatcher(page, live_server.url)


def log_in(page, live_server):
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
    page.fill("input[name=username]", "listener")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    # The dashboard's covers finish loading before the test goes on: the live server's threads share
    # one in-memory SQLite connection, which a page whose query calls back into Python (a time
    # zone's month, say) can deadlock against a cover request still running.
    page.wait_for_load_state("networkidle")


def shoot(page, name: str):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # a sticky header would otherwise be drawn mid-page
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_it_renders_every_page_without_errors(browser, live_server, library):
    page, watcher = new_page(browser, live_server)
    page.goto(f"{live_server.url}/login/")
    shoot(page, "00-login")
    log_in(page, live_server)
    pages = [
        ("01-dashboard", "/", "Dashboard"),
        ("02-journal", "/journal/", "Journal"),
        ("03-timeline", "/timeline/", "Timeline"),
        ("04-collection", "/collection/", "Collection"),
        ("05-album", f"/albums/{library['album'].pk}/", "Dummy"),
        ("06-artist", f"/artists/{library['artist'].pk}/", "Portishead"),
        ("07-analytics", "/analytics/", "Analytics"),
        ("08-playlists", "/playlists/", "Playlists"),
        ("09-settings", "/settings/", "Settings"),
        ("10-hostile-album", f"/albums/{library['hostile'].pk}/", "<script>alert(1)</script> {{ 7*7 }}"),
    ]
    for name, path, heading in pages:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert page.locator("h1").first.inner_text() == heading, path
        # Every image of the page actually loaded (covers are local placeholders).
        broken = page.evaluate("[...document.images].filter(i => i.complete && i.naturalWidth === 0).map(i => i.src)")
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_load_state("networkidle")
        broken += page.evaluate("[...document.images].filter(i => i.complete && i.naturalWidth === 0).map(i => i.src)")
        assert not broken, f"{path}: broken images {broken}"
        shoot(page, name)
    assert not watcher.problems, watcher.problems


def test_it_loads_more_plays_in_the_journal(browser, live_server, library):
    page, watcher = new_page(browser, live_server)
    log_in(page, live_server)
    page.goto(f"{live_server.url}/journal/")
    before = page.locator("li.play").count()
    assert before == 50
    page.click("text=Load more plays")
    page.wait_for_function("() => document.querySelectorAll('li.play').length > 50")
    after = page.locator("li.play").count()
    assert after == min(100, library["plays"])
    assert "until=" in page.url  # the address, reloaded, shows the same rows (HX-Replace-Url)
    titles = page.locator("li.play time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")
    assert titles == sorted(titles, reverse=True), "plays stay newest first across pages"
    assert not watcher.problems, watcher.problems


def test_it_fits_a_phone_and_dark_mode(browser, live_server, library):
    page, watcher = new_page(browser, live_server, viewport={"width": 390, "height": 844}, device_scale_factor=2,
                             is_mobile=True, has_touch=True)
    log_in(page, live_server)
    for name, path in [("20-phone-dashboard", "/"), ("21-phone-journal", "/journal/"),
                       ("22-phone-album", f"/albums/{library['album'].pk}/")]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
        shoot(page, name)
    dark, dark_watcher = new_page(browser, live_server, color_scheme="dark")
    log_in(dark, live_server)
    background = dark.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(18, 17, 22)", background
    shoot(dark, "30-dark-dashboard")
    for name, path in [("31-dark-analytics", "/analytics/"), ("32-dark-collection", "/collection/")]:
        dark.goto(f"{live_server.url}{path}")
        dark.wait_for_load_state("networkidle")
        shoot(dark, name)
    assert not watcher.problems + dark_watcher.problems, watcher.problems + dark_watcher.problems
