"""The login page pauses a username, or an address, after repeated wrong passwords."""

import time

import pytest
from django.contrib.auth.backends import ModelBackend
from django.test import Client
from django.urls import reverse

from tests.conftest import OWNER_PASSWORD

pytestmark = pytest.mark.django_db

HOME = "198.51.100.20"
ATTACKER = "203.0.113.66"


@pytest.fixture
def password_checks(monkeypatch):
    """How many times a password was actually checked."""
    calls = []
    real = ModelBackend.authenticate

    def counting(self, request, username=None, password=None, **kwargs):
        calls.append(username)
        return real(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", counting)
    return calls


def attempt(client, username, password, path="/login/"):
    return client.post(path, {"username": username, "password": password})


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_login_url_stays(owner):
    assert reverse("login") == "/login/"
    assert Client().get("/").headers["Location"].startswith("/login/")


def test_five_wrong_passwords_block_the_username_without_checking_the_sixth(owner, password_checks):
    browser = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(4):
        response = attempt(browser, "owner", "wrong-password")
        assert response.status_code == 200 and "Please enter a correct username and password" in response.text
    fifth = attempt(browser, "owner", "wrong-password")
    assert fifth.status_code == 429 and "Too many failed attempts, try again in 15 minutes." in fifth.text
    checked = len(password_checks)

    # The right password, even from another address, waits: the username is paused.
    elsewhere = Client(REMOTE_ADDR=HOME)
    blocked = attempt(elsewhere, "owner", OWNER_PASSWORD)
    assert blocked.status_code == 429 and "Too many failed attempts" in blocked.text
    assert not is_logged_in(elsewhere)
    assert len(password_checks) == checked, "a blocked attempt must not check the password"
    assert attempt(browser, "OWNER ", OWNER_PASSWORD).status_code == 429  # the same name, spelt differently


def test_an_address_trying_many_usernames_is_blocked(owner, other_user, password_checks):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for name in ["root", "admin", "test", "guest", "rj"]:
        attempt(attacker, name, "123456")
    response = attempt(attacker, "visitor", "visitor-password-123")
    assert response.status_code == 429 and not is_logged_in(attacker)
    # Someone at home is not concerned.
    home = Client(REMOTE_ADDR=HOME)
    assert attempt(home, "owner", OWNER_PASSWORD).status_code == 302 and is_logged_in(home)


def test_a_successful_login_resets_the_count(owner):
    browser = Client(REMOTE_ADDR=HOME)
    for _ in range(4):
        attempt(browser, "owner", "typo")
    assert attempt(browser, "owner", OWNER_PASSWORD).status_code == 302
    browser.logout()
    for _ in range(4):
        assert attempt(browser, "owner", "typo").status_code == 200
    assert attempt(browser, "owner", OWNER_PASSWORD).status_code == 302


def test_the_pause_ends(owner, settings):
    settings.LOGIN_FAILURE_WINDOW = 1  # seconds
    browser = Client(REMOTE_ADDR=HOME)
    for _ in range(5):
        attempt(browser, "owner", "typo")
    response = attempt(browser, "owner", OWNER_PASSWORD)
    assert response.status_code == 429 and "try again in 1 minute." in response.text
    time.sleep(1.2)
    assert attempt(browser, "owner", OWNER_PASSWORD).status_code == 302


def test_the_admin_login_counts_the_same_failures(owner):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(5):
        attempt(attacker, "owner", "wrong", path="/admin/login/")
    response = attempt(attacker, "owner", OWNER_PASSWORD, path="/admin/login/")
    assert "Too many failed attempts" in response.text and not is_logged_in(attacker)
    assert attempt(Client(REMOTE_ADDR=HOME), "owner", OWNER_PASSWORD).status_code == 429
