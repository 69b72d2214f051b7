"""The journal in a real browser: infinite scroll, filter chips on and off, the back button
and reloads giving the same view, and no console error along the way."""

import os

import pytest

from tests.web.test_browser import PageWatcher, browser, library, log_in, shoot  # noqa: F401 — fixtures

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def rows(page) -> int:
    return page.locator("li.play").count()


def test_it_scrolls_filters_with_chips_and_keeps_back_and_reload_honest(browser, live_server, library):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watcher = PageWatcher(page, live_server.url)
    log_in(page, live_server)
    page.goto(f"{live_server.url}/journal/")
    assert rows(page) == 50

    # Scrolling to the end loads the next rows by itself, once, and the URL follows.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function("() => document.querySelectorAll('li.play').length >= 100")
    page.wait_for_load_state("networkidle")
    assert rows(page) == 100
    assert "until=" in page.url
    times = page.locator("li.play time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")
    ids = page.locator("li.play").evaluate_all("els => els.map(e => e.dataset.play)")
    assert times == sorted(times, reverse=True) and len(set(ids)) == 100
    shoot(page, "40-journal-scrolled")
    page.reload()
    assert rows(page) == 100, "a reload shows the rows that were on screen"

    # A source badge in a row narrows the journal and shows a removable chip.
    page.goto(f"{live_server.url}/journal/")
    page.locator("li.play a.badge-spotify").first.click()
    page.wait_for_selector('.chip[data-filter="source"]')
    assert "source=spotify" in page.url
    badges = set(page.locator("li.play .badge").all_inner_texts())
    assert badges == {"Spotify"}
    filtered = rows(page)
    shoot(page, "41-journal-filtered")

    # Removing the chip brings every play back; Back restores the filtered view.
    page.locator('.chip[data-filter="source"] .chip-remove').click()
    page.wait_for_selector('.chip[data-filter="source"]', state="detached")
    assert page.url.rstrip("/").endswith("/journal")
    assert set(page.locator("li.play .badge").all_inner_texts()) > {"Spotify"}
    page.go_back()
    page.wait_for_selector('.chip[data-filter="source"]')
    assert "source=spotify" in page.url
    assert rows(page) == filtered and set(page.locator("li.play .badge").all_inner_texts()) == {"Spotify"}

    # The form's filters become chips too, and the URL is shareable as it stands.
    page.fill("form.filters input[name=q]", "portishead")
    page.click("form.filters button[type=submit]")
    page.wait_for_selector('.chip[data-filter="q"]')
    assert "q=portishead" in page.url and "source=spotify" in page.url
    shared = context.new_page()
    shared.goto(page.url)
    assert shared.locator(".chip").count() == 2 and rows(shared) == rows(page)
    assert not watcher.problems, watcher.problems
    context.close()


def test_it_loads_more_through_the_button_without_duplicates(browser, live_server, library):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watcher = PageWatcher(page, live_server.url)
    log_in(page, live_server)
    page.goto(f"{live_server.url}/journal/")
    page.click("text=Load more plays")  # scrolls it into view too: the row trigger must not load twice
    page.wait_for_function("() => document.querySelectorAll('li.play').length > 50")
    page.wait_for_load_state("networkidle")
    assert rows(page) == 100
    ids = page.locator("li.play").evaluate_all("els => els.map(e => e.dataset.play)")
    assert len(set(ids)) == 100
    assert not watcher.problems, watcher.problems
    context.close()
