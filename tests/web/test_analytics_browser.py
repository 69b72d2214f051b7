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
