"""The Content-Security-Policy in a real browser: the admin, the API docs (Swagger UI) and the token
field of the settings page work under it, without a single violation.

The pages of test_browser.py run under the same policy; their console-error check catches a
violation there too.
"""

import os

import pytest
from django.contrib.auth import get_user_model

from catalog.models import Album
from tests.web.test_browser import PASSWORD, browser, library, new_page, shoot  # noqa: F401 — fixtures

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before the page's own scripts (Playwright injects it whatever the policy says).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(
  `${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`));
"""


@pytest.fixture
def keeper(transactional_db):
    return get_user_model().objects.create_superuser("keeper", "keeper@example.com", PASSWORD)


def visit(page, url):
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    assert "script-src 'self'" in response.headers.get("content-security-policy", ""), url
    return response


def violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations || []")


def test_the_admin_and_the_api_docs_work_under_the_policy(browser, live_server, library, keeper):  # noqa: F811
    page, watcher = logged_in_page(browser, live_server, username="keeper")
    found = []

    album = Album.objects.filter(title="Dummy").first()
    for path in ["/admin/", "/admin/catalog/album/", f"/admin/catalog/album/{album.pk}/change/",
                 "/admin/playlists/playlist/add/", "/admin/tracker/scrobble/"]:
        visit(page, f"{live_server.url}{path}")
        assert page.locator("#site-name").inner_text() == "Music Journal admin", path
        found += [f"{path}: {v}" for v in violations(page)]
    shoot(page, "40-admin-under-csp")

    visit(page, f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".opblock-summary-path[data-path='/api/v1/me']")
    page.click(".opblock-summary-path[data-path='/api/v1/me']")
    page.click("button.try-out__btn")
    page.click("button.execute")
    page.wait_for_selector(".live-responses-table tbody .response-col_status")
    assert page.locator(".live-responses-table tbody .response-col_status").first.inner_text().strip() == "200"
    assert '"username": "keeper"' in page.locator(".live-responses-table .microlight").first.inner_text()
    found += [f"/api/v1/docs: {v}" for v in violations(page)]
    shoot(page, "41-api-docs-under-csp")

    assert not found, found
    assert not watcher.problems, watcher.problems


def logged_in_page(chromium, live_server, *, username="listener"):
    """A page logged in as `username` (the library's owner by default), recording CSP violations."""
    page, watcher = new_page(chromium, live_server)
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page, watcher


def test_a_new_token_is_selected_in_one_click(browser, live_server, library):  # noqa: F811
    page, watcher = logged_in_page(browser, live_server)
    visit(page, f"{live_server.url}/settings/")
    page.fill("input[name=name]", "home-assistant")
    page.click("text=Create token")
    page.wait_for_selector("input.token-value")
    page.click("input.token-value")
    selected = page.evaluate(
        "(() => { const f = document.querySelector('input.token-value');"
        " return f.value.startsWith('mj_') && f.selectionStart === 0 && f.selectionEnd === f.value.length; })()"
    )
    assert selected, "one click selects the whole token"
    assert not violations(page), violations(page)
    assert not watcher.problems, watcher.problems


def test_htmx_filters_work_without_eval(browser, live_server, library):  # noqa: F811
    """htmx runs with allowEval off: typing in the collection's search still filters, through htmx."""
    page, watcher = logged_in_page(browser, live_server)
    visit(page, f"{live_server.url}/collection/")
    assert page.locator(".cover-card").count() > 1
    with page.expect_request(lambda request: "q=Dummy" in request.url and request.headers.get("hx-request")):
        page.locator("form.filters input[type=search]").press_sequentially("Dummy")
    page.wait_for_function("() => document.querySelectorAll('.cover-card').length === 1")
    assert page.locator(".cover-card .cover-title").inner_text() == "Dummy"
    assert "q=Dummy" in page.url  # hx-push-url
    assert not violations(page), violations(page)
    assert not watcher.problems, watcher.problems
