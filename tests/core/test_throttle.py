"""The failure counters behind login and API-token throttling, and whose address a request is."""

import pytest
from django.test import RequestFactory

from core.services.throttle import (
    API_TOKEN_BY_ADDRESS,
    client_address,
    throttle_failure_record,
    throttle_message,
    throttle_reset,
    throttle_wait,
)

pytestmark = pytest.mark.django_db


def test_a_key_is_blocked_at_the_limit_and_others_are_not(settings):
    settings.API_TOKEN_FAILURE_LIMIT, settings.API_TOKEN_FAILURE_WINDOW = 3, 900
    assert [throttle_failure_record(API_TOKEN_BY_ADDRESS, "a") for _ in range(3)] == [0, 0, 900]
    assert 899 <= throttle_wait(API_TOKEN_BY_ADDRESS, "a") <= 900
    assert throttle_wait(API_TOKEN_BY_ADDRESS, "b") == 0
    throttle_reset(API_TOKEN_BY_ADDRESS, "a")
    assert throttle_wait(API_TOKEN_BY_ADDRESS, "a") == 0


def test_the_message_rounds_the_wait_up_to_minutes():
    assert throttle_message(900) == "Too many failed attempts, try again in 15 minutes."
    assert throttle_message(61) == "Too many failed attempts, try again in 2 minutes."
    assert throttle_message(5) == "Too many failed attempts, try again in 1 minute."


def test_the_address_is_remote_addr_unless_our_proxy_header_is_configured(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.5")
    settings.CLIENT_IP_HEADER = ""
    assert client_address(request) == "10.0.0.2"  # a client's own X-Forwarded-For is not believed
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    assert client_address(request) == "203.0.113.5"  # the entry our proxy appended, not the spoofable first
    assert client_address(RequestFactory().get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"


def test_an_ipv6_client_counts_as_its_network():
    one = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:2::1")
    other = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:2:ffff::9")
    assert client_address(one) == client_address(other) == "2001:db8:1:2::/64"
    assert client_address(RequestFactory().get("/", REMOTE_ADDR="::ffff:192.0.2.7")) == "192.0.2.7"
