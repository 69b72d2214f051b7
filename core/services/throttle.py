"""Failed-attempt counters in the cache: logins per username and per client address, API tokens per address.

A key (a username, an address) that fails `limit` times within `window` seconds is blocked for
`window` seconds: while blocked, callers answer "try again later" without checking the password
or looking the token up. A success resets the counter of its own key only, so nobody is blocked
merely because someone else guessed from another address. The counters live in the Django
cache (shared by every process; the database cache by default, Redis when configured); a lost
race between two processes costs one extra try, never a wrong lockout.

The limits are read from settings at call time: `LOGIN_FAILURE_LIMIT`, `LOGIN_FAILURE_WINDOW`,
`API_TOKEN_FAILURE_LIMIT`, `API_TOKEN_FAILURE_WINDOW`.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class ThrottleRule:
    scope: str
    limit_setting: str
    window_setting: str
    default_limit: int
    default_window: int

    @property
    def limit(self) -> int:
        return int(getattr(settings, self.limit_setting, self.default_limit))

    @property
    def window(self) -> int:
        return int(getattr(settings, self.window_setting, self.default_window))


LOGIN_BY_USERNAME = ThrottleRule("login-user", "LOGIN_FAILURE_LIMIT", "LOGIN_FAILURE_WINDOW", 5, 15 * 60)
LOGIN_BY_ADDRESS = ThrottleRule("login-addr", "LOGIN_FAILURE_LIMIT", "LOGIN_FAILURE_WINDOW", 5, 15 * 60)
API_TOKEN_BY_ADDRESS = ThrottleRule("api-token", "API_TOKEN_FAILURE_LIMIT", "API_TOKEN_FAILURE_WINDOW", 20, 15 * 60)


def _keys(rule: ThrottleRule, key: str) -> tuple[str, str]:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]  # any text, a safe cache key, no username stored
    base = f"mj:throttle:{rule.scope}:{digest}"
    return f"{base}:failures", f"{base}:blocked-until"


def throttle_wait(rule: ThrottleRule, key: str) -> int:
    """Seconds until `key` may try again; 0 when it is not blocked."""
    _, blocked_key = _keys(rule, key)
    until = cache.get(blocked_key)
    if until is None:
        return 0
    return max(0, math.ceil(until - time.time()))


def throttle_failure_record(rule: ThrottleRule, key: str) -> int:
    """Count one failure of `key`; block it once it reaches the limit. Returns the seconds it is now blocked for."""
    failures_key, blocked_key = _keys(rule, key)
    cache.add(failures_key, 0, rule.window)  # the window starts at the first failure
    try:
        failures = cache.incr(failures_key)
    except ValueError:  # expired between add and incr
        cache.set(failures_key, 1, rule.window)
        failures = 1
    if failures < rule.limit:
        return 0
    cache.set(blocked_key, time.time() + rule.window, rule.window)
    cache.delete(failures_key)
    return rule.window


def throttle_reset(rule: ThrottleRule, key: str) -> None:
    cache.delete_many(list(_keys(rule, key)))


def client_address(request) -> str:
    """The client's address: `REMOTE_ADDR`, or the last entry of `CLIENT_IP_HEADER` set by our own reverse proxy.

    An IPv6 address counts as its /64 network, which one machine can fill at will.
    """
    address = ""
    header = getattr(settings, "CLIENT_IP_HEADER", "")
    if header:
        # A client can send the header itself; our proxy appends the address it saw, so the last entry is the true one.
        address = request.headers.get(header, "").split(",")[-1].strip()
    address = address or request.META.get("REMOTE_ADDR", "")
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def wait_text(seconds: int) -> str:
    """A wait in whole minutes, rounded up, at least one: "1 minute", "15 minutes"."""
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def throttle_message(seconds: int) -> str:
    return f"Too many failed attempts, try again in {wait_text(seconds)}."


def _username_key(username: str) -> str:
    return (username or "").strip().casefold()


def login_throttle_wait(*, username: str, address: str) -> int:
    """Seconds before this username, or anyone from this address, may try a password again (0: now)."""
    return max(throttle_wait(LOGIN_BY_USERNAME, _username_key(username)), throttle_wait(LOGIN_BY_ADDRESS, address))


def login_failure_record(*, username: str, address: str) -> int:
    """Count a wrong password for both keys; the seconds the attempt is now blocked for (0: not blocked)."""
    return max(
        throttle_failure_record(LOGIN_BY_USERNAME, _username_key(username)),
        throttle_failure_record(LOGIN_BY_ADDRESS, address),
    )


def login_success_record(*, username: str, address: str) -> None:
    throttle_reset(LOGIN_BY_USERNAME, _username_key(username))
    throttle_reset(LOGIN_BY_ADDRESS, address)


def api_token_throttle_wait(*, address: str) -> int:
    return throttle_wait(API_TOKEN_BY_ADDRESS, address)


def api_token_failure_record(*, address: str) -> int:
    return throttle_failure_record(API_TOKEN_BY_ADDRESS, address)
