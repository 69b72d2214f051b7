"""The Content-Security-Policy: our own scripts and styles only, images from us and the services' image hosts.

The browser side (every page, the admin and the API docs running under it without a
violation) is in test_browser_csp.py; here the header itself, and templates kept free of
what it forbids.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
IMAGE_HOSTS = ["i.scdn.co", "*.scdn.co", "mosaic.scdn.co", "lastfm.freetls.fastly.net", "*.lastfm.freetls.fastly.net",
               "i.discogs.com", "img.discogs.com", "upload.wikimedia.org"]


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in filter(None, (p.strip() for p in header.split(";"))):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/settings/", "/admin/", "/api/v1/docs", "/healthz"])
def test_every_answer_carries_the_policy(owner_client, path):
    response = owner_client.get(path)
    assert response.status_code == 200, path
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"], "no inline script, no eval, no other host"
    assert csp["style-src"] == ["'self'"], "no inline <style> element"
    assert csp["style-src-attr"] == ["'unsafe-inline'"], "style attributes (sizes, CSS custom properties) only"
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"] and csp["form-action"] == ["'self'"]
    img = csp["img-src"]
    assert img[:2] == ["'self'", "data:"]
    assert sorted(img[2:]) == sorted(f"https://{host}" for host in IMAGE_HOSTS)


@pytest.mark.django_db
def test_the_login_page_of_an_anonymous_visitor_carries_it(client):
    assert "script-src 'self'" in client.get("/login/")["Content-Security-Policy"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
FORBIDDEN = {
    "an inline <script>": INLINE_SCRIPT,
    "an inline event handler (onclick=…)": EVENT_HANDLER,
    "an inline <style> element": re.compile(r"<style\b", re.I),
    "hx-on (htmx evaluates it: needs 'unsafe-eval')": re.compile(r"\bhx-on", re.I),
    "a javascript: URL": re.compile(r"javascript:", re.I),
    "js: in hx-vals/hx-headers (eval)": re.compile(r"hx-(?:vals|headers|vars)=['\"]\s*js:", re.I),
}


def test_our_templates_hold_nothing_the_policy_forbids():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for what, pattern in FORBIDDEN.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(TEMPLATES)}:{line}: {what}")
    assert not found, "\n".join(found)
