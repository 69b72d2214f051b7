"""The words of reasons and messages that several generators use."""

from __future__ import annotations

import difflib

from django.utils import dateformat, timezone

from core.normalize import name_key

CLOSE_NAMES = 5


def plays_text(plays: int) -> str:
    if not plays:
        return "on your shelf, never played"
    return f"{plays} play{'s' if plays != 1 else ''}"


def times_text(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def month_text(moment) -> str:
    """"March 2019", in TIME_ZONE."""
    return dateformat.format(timezone.localtime(moment), "F Y")


def close_names(typed: str, names_by_key: dict[str, str]) -> str:
    """"; close ones: …" with up to CLOSE_NAMES names whose keys look like `typed`'s (difflib's
    closest first, then those that contain it: "warp" finds "Warp Records"), or nothing."""
    key = name_key(typed)
    close = difflib.get_close_matches(key, list(names_by_key), n=CLOSE_NAMES)
    keys = list(dict.fromkeys(close + sorted(other for other in names_by_key if key in other)))[:CLOSE_NAMES]
    return f"; close ones: {', '.join(names_by_key[other] for other in keys)}" if keys else ""
