"""Safe defaults on a server: `HTTPS=1` passes `check --deploy`, plain http stays the default for `make run`."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parent.parent.parent
SECURITY_VARIABLES = (
    "HTTPS", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
    "SECURE_PROXY_SSL_HEADER", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE",
)
SHOWN = (
    "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_REDIRECT_EXEMPT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_PROXY_SSL_HEADER",
)
ONE_YEAR = 365 * 24 * 3600


def environment(tmp_path, **variables) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in SECURITY_VARIABLES}
    env.update(JOURNAL_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="config.settings", **variables)
    return env


def settings_under(tmp_path, **variables) -> dict:
    """The security settings config/settings.py computes from these environment variables, in a fresh process."""
    code = (
        "import json, runpy; g = runpy.run_path('config/settings.py'); "
        f"print(json.dumps({{k: g[k] for k in {SHOWN!r}}}))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment(tmp_path, **variables),
                            capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout)


def test_https_1_passes_check_deploy_without_a_warning(tmp_path):
    env = environment(tmp_path, DEBUG="0", HTTPS="1", SECRET_KEY=secrets.token_urlsafe(50),
                      ALLOWED_HOSTS="journal.example.org")
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for warning in ("W004", "W008", "W012", "W016", "W005", "W021", "W009", "W018", "W020"):
        assert warning not in output
    assert "System check identified no issues" in output


def test_plain_http_stays_the_default_for_make_run(tmp_path):
    values = settings_under(tmp_path)
    assert values["SECURE_SSL_REDIRECT"] is False and values["SECURE_HSTS_SECONDS"] == 0
    assert values["SESSION_COOKIE_SECURE"] is False and values["CSRF_COOKIE_SECURE"] is False
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_https_1_switches_everything_on(tmp_path):
    values = settings_under(tmp_path, HTTPS="1")
    assert values["SECURE_SSL_REDIRECT"] is True and values["SECURE_HSTS_SECONDS"] == ONE_YEAR
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True and values["SECURE_HSTS_PRELOAD"] is True
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_REDIRECT_EXEMPT"] == [r"^healthz$"]


def test_each_variable_overrides_https(tmp_path):
    values = settings_under(tmp_path, HTTPS="1", SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="3600",
                            SECURE_HSTS_PRELOAD="0", SESSION_COOKIE_SECURE="0", SECURE_PROXY_SSL_HEADER="0")
    assert values["SECURE_SSL_REDIRECT"] is False and values["SECURE_HSTS_SECONDS"] == 3600
    assert values["SECURE_HSTS_PRELOAD"] is False and values["SESSION_COOKIE_SECURE"] is False
    assert values["CSRF_COOKIE_SECURE"] is True and values["SECURE_PROXY_SSL_HEADER"] is None
    alone = settings_under(tmp_path, CSRF_COOKIE_SECURE="1")
    assert alone["CSRF_COOKIE_SECURE"] is True and alone["SECURE_SSL_REDIRECT"] is False


def test_an_empty_variable_follows_https_as_in_env_example(tmp_path):
    empty = dict.fromkeys(("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
                           "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
                           "SECURE_PROXY_SSL_HEADER"), "")
    on = settings_under(tmp_path, HTTPS="1", **empty)
    assert on["SECURE_SSL_REDIRECT"] is True and on["SECURE_HSTS_SECONDS"] == ONE_YEAR
    assert on["CSRF_COOKIE_SECURE"] is True and on["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    off = settings_under(tmp_path, HTTPS="0", **empty)
    assert off["SECURE_SSL_REDIRECT"] is False and off["SECURE_HSTS_SECONDS"] == 0


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True, SECURE_HSTS_SECONDS=ONE_YEAR)
def test_healthz_answers_plain_http_while_every_page_redirects_to_https():
    client = Client()  # a new client builds its middleware under these settings
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["database"]["ok"] is True
    page = client.get("/journal/")
    assert page.status_code == 301 and page["Location"] == "https://testserver/journal/"
    # Behind the proxy: X-Forwarded-Proto says the client spoke https, so no redirect, and HSTS is sent.
    proxied = client.get("/journal/", HTTP_X_FORWARDED_PROTO="https")
    assert proxied.status_code == 302 and proxied["Location"].startswith("/login/")
    assert proxied["Strict-Transport-Security"].startswith(f"max-age={ONE_YEAR}")
