"""Locally generated cover and picture placeholders: a colour from the name, and initials.

Pure functions (no app imports), so any page can show a stable, readable stand-in for a
missing cover without fetching anything from the internet.
"""

import hashlib
import re

from django.utils.html import escape

_SKIP_WORDS = {"the", "a", "an", "le", "la", "les", "die", "der", "das"}


def initials(name: str) -> str:
    """Up to two initials: 'The Chemical Brothers' -> 'CB', 'Björk' -> 'B'."""
    words = [w for w in re.split(r"[\s\-_/&+,.]+", name or "") if w]
    meaningful = [w for w in words if w.casefold() not in _SKIP_WORDS] or words
    letters = [next((c for c in w if c.isalnum()), "") for w in meaningful]
    letters = [c.upper() for c in letters if c]
    return "".join(letters[:2]) or "?"


def name_hue(name: str) -> int:
    """A stable hue (0-359) derived from the name."""
    digest = hashlib.sha1((name or "").casefold().encode()).digest()
    return int.from_bytes(digest[:2], "big") % 360


def name_version(name: str) -> str:
    """A short fingerprint of the name, used in placeholder URLs to bust the cache on rename."""
    return hashlib.sha1((name or "").encode()).hexdigest()[:8]


def placeholder_svg(name: str, *, round_shape: bool = False) -> str:
    """A 300x300 SVG with a two-tone gradient and the initials of `name`."""
    hue = name_hue(name)
    hue2 = (hue + 40) % 360
    text = escape(initials(name))
    size = 112 if len(text) > 1 else 132
    radius = 150 if round_shape else 0
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300" viewBox="0 0 300 300" role="img">'
        f"<title>{escape(name or '')}</title>"
        '<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">'
        f'<stop offset="0" stop-color="hsl({hue},55%,46%)"/>'
        f'<stop offset="1" stop-color="hsl({hue2},60%,28%)"/>'
        "</linearGradient></defs>"
        f'<rect width="300" height="300" rx="{radius}" fill="url(#g)"/>'
        f'<circle cx="236" cy="64" r="90" fill="hsl({hue},70%,80%)" fill-opacity="0.12"/>'
        f'<text x="150" y="150" dy="0.35em" text-anchor="middle" fill="#fff" fill-opacity="0.92" '
        f'font-family="system-ui,-apple-system,Segoe UI,Roboto,sans-serif" font-weight="700" '
        f'font-size="{size}" letter-spacing="-2">{text}</text>'
        "</svg>"
    )
