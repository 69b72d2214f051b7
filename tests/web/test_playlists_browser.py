"""Making a playlist in a real browser: the algorithm's settings swap in, the playlist opens with its
reasons, a track moves down without a reload, and the weekly refresh draws it again under the same
id. On a phone and in dark mode too; screenshots in test-artifacts/screenshots/."""

from datetime import timedelta

import pytest
from django.utils import timezone

from playlists.models import Playlist
from playlists.tasks import playlists_refresh_weekly_task
from tests.web.test_browser import browser, library, log_in, new_page, shoot  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _no_sideways_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def test_the_create_form_makes_a_weekly_playlist_that_refreshes(browser, live_server, library):  # noqa: F811
    page, watcher = new_page(browser, live_server)
    log_in(page, live_server)
    page.goto(f"{live_server.url}/playlists/")
    page.get_by_role("link", name="New playlist").click()
    page.wait_for_url("**/playlists/new/")
    page.select_option("select[name=algorithm]", "rediscover")  # htmx swaps in its settings
    page.locator("#playlist-params legend", has_text="Rediscover").wait_for()
    assert page.locator("input[name=p-min_plays]").count() == 1 and "algorithm=rediscover" in page.url
    page.select_option("select[name=algorithm]", "top")
    page.locator("#playlist-params legend", has_text="Top of a period").wait_for()
    page.fill("input[name=p-period]", "all")
    page.fill("input[name=p-length]", "6")
    page.fill("input[name=name]", "Every favourite")
    page.check("input[name=refresh_weekly]")
    shoot(page, "50-playlist-new")
    page.get_by_role("button", name="Make the playlist").click()
    page.wait_for_url("**/playlists/*/")
    playlist = Playlist.objects.get(name="Every favourite")
    assert playlist.refresh_weekly and playlist.entries.count() == 6
    assert page.get_by_role("button", name="✓ Refreshes weekly").count() == 1
    first_reason = playlist.entries.get(position=1).reason
    assert page.locator("#playlist-tracks li").first.locator(".note").inner_text() == first_reason

    titles = page.locator("#playlist-tracks .track-title")
    first, second = titles.nth(0).inner_text(), titles.nth(1).inner_text()
    page.locator("#playlist-tracks li").first.locator("button[title='Move down']").click()
    page.wait_for_function("t => document.querySelector('#playlist-tracks .track-title').innerText === t",
                           arg=second)
    assert titles.nth(1).inner_text() == first
    shoot(page, "51-playlist-detail")

    Playlist.objects.filter(pk=playlist.pk).update(refreshed_at=timezone.now() - timedelta(days=8), seed=None)
    assert playlists_refresh_weekly_task() == "1 weekly playlists refreshed"
    page.reload()
    assert "drawn now" in page.locator(".lede").inner_text() or "second" in page.locator(".lede").inner_text()
    playlist.refresh_from_db()
    assert playlist.seed is not None and playlist.refreshed_at > timezone.now() - timedelta(minutes=1)
    assert page.url.endswith(f"/playlists/{playlist.pk}/")
    assert not watcher.problems, watcher.problems


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_playlist_pages_fit_a_phone(browser, live_server, library, scheme):  # noqa: F811
    from playlists.services.playlists import playlist_generate

    playlist = playlist_generate(algorithm="top", params={"period": "all", "length": "8"})
    page, watcher = new_page(browser, live_server, viewport={"width": 390, "height": 844}, is_mobile=True,
                             has_touch=True, color_scheme=scheme)
    log_in(page, live_server)
    for path, name in (("/playlists/", "list"), (f"/playlists/{playlist.pk}/", "detail"),
                       ("/playlists/new/?algorithm=rules", "new")):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        _no_sideways_scroll(page)
        shoot(page, f"52-playlist-{name}-phone-{scheme}")
    assert not watcher.problems, watcher.problems
