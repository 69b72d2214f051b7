"""'I'm playing this' in a real browser: htmx posts the form under the page's CSP, swaps in the confirmation,
and the undo takes the plays out again."""

import os
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.tracker.test_turntable import owned_record
from tests.web.test_browser import PASSWORD, browser, new_page, shoot  # noqa: F401  (browser is a fixture)
from tracker.models import Scrobble

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_owner_logs_a_side_and_undoes_it(browser, live_server):  # noqa: F811
    get_user_model().objects.create_superuser("owner", "owner@example.com", PASSWORD)
    album = owned_record()
    page, watcher = new_page(browser, live_server)
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "owner")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/albums/{album.pk}/")
    page.check("#turntable input[name=side][value=B]")
    started = timezone.localtime(timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#turntable input[name=started_at]", started)
    page.click("#turntable button:has-text(\"I'm playing this\")")
    page.locator("#turntable button:has-text('Undo')").wait_for()
    assert "Logged side B of “Dummy”: 2 plays stored." in page.locator("#turntable").inner_text()
    assert page.url == f"{live_server.url}/albums/{album.pk}/"  # swapped in place, no reload
    assert list(Scrobble.objects.order_by("played_at").values_list("track__title", flat=True)) == [
        "It Could Be Sweet", "Wandering Star"]
    shoot(page, "40-turntable-logged")
    page.click("#turntable button:has-text('Undo')")
    page.locator("#turntable p.notice:has-text('Undone')").wait_for()
    assert not Scrobble.objects.exists()
    assert not watcher.problems, watcher.problems
