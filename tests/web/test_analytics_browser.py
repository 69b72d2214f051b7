"""The analytics overview in a real browser: on a phone (390 px) and in dark mode, no sideways
scrolling, no console error; screenshots in test-artifacts/screenshots/."""

import pytest

from tests.web.test_browser import browser, library, log_in, new_page, shoot  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("query", ["period=90d", "period=90d&by=time", "period=all"])
def test_the_analytics_overview_fits_a_phone_and_dark_mode(browser, live_server, library, query):  # noqa: F811
    phone, watcher = new_page(browser, live_server, viewport={"width": 390, "height": 844}, device_scale_factor=2,
                              is_mobile=True, has_touch=True, color_scheme="dark")
    log_in(phone, live_server)
    phone.goto(f"{live_server.url}/analytics/?{query}")
    phone.wait_for_load_state("networkidle")
    assert phone.locator("h2", has_text="Top artists").count() == 1
    for summary in phone.locator("summary", has_text="Table").all():
        summary.click()  # the open tables scroll inside their card, not the page
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"/analytics/?{query} scrolls sideways by {overflow}px on a phone"
    shoot(phone, f"40-phone-dark-analytics-{query.replace('=', '-').replace('&', '-')}")
    assert not watcher.problems, watcher.problems


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [390, 1280])
def test_every_analytics_view_and_a_year_in_review_fit_light_dark_and_a_phone(browser, live_server, library,  # noqa: F811
                                                                               scheme, width):
    page, watcher = new_page(browser, live_server, viewport={"width": width, "height": 900}, color_scheme=scheme)
    log_in(page, live_server)
    for name, path, heading in (("habits", "/analytics/habits/?period=all", "Listening habits"),
                                ("shelf", "/analytics/shelf/?period=all", "Shelf & sound"),
                                ("year", "/analytics/year/", "in review")):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert heading in page.locator("h1").inner_text(), path
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width} px"
        shoot(page, f"41-{name}-{scheme}-{width}")
    assert not watcher.problems, watcher.problems
