"""Name normalization: the keys that let the same artist, album or track match across sources.

`name_key("Beyoncé & The Band (2)") == name_key("beyonce and the band")`: casefold, accents
folded, punctuation and repeated spaces folded, a Discogs disambiguation suffix removed, `&`
and `and` unified. Titles keep their edition words; `edition_free_title_key` drops them for
owned ↔ listened matching. `clean_text` makes outside text fit to store and show.
"""

import re
import unicodedata

_DISCOGS_SUFFIX = re.compile(r"\s*\(\d+\)\s*$")
_PUNCTUATION = re.compile(r"[^\w\s]+", re.UNICODE)
_SPACES = re.compile(r"\s+")
_AND = re.compile(r"\s*&\s*")
_EDITION_NOISE = re.compile(
    r"""\s*(
        [\(\[][^\)\]]*(remaster|deluxe|edition|expanded|anniversary|version|bonus|mono|stereo|reissue)[^\)\]]*[\)\]]
        | \s-\s(single|ep|remastered(\s\d{4})?|\d{4}\sremaster(ed)?|deluxe(\s\w+)?)$
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_BREAKS = re.compile(r" *[\t\n\v\f\r][\t\n\v\f\r ]*")
# C0 and C1 controls (NUL…) other than the breaks above, and lone surrogates (no UTF-8 can hold them).
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(text: str, max_length: int | None = None) -> str:
    """Outside text fit to store: control characters dropped, tabs and line breaks folded to
    a space, the ends stripped, cut to `max_length` characters.

    PostgreSQL refuses a NUL in text and SQLite stores it, so a name from a file, a feed or a
    form goes through here before it is stored.
    """
    if not text:
        return ""
    if not text.isprintable():  # the common case skips both substitutions
        text = _CONTROLS.sub("", _BREAKS.sub(" ", text))
    text = text.strip()
    return text[:max_length].rstrip() if max_length else text


def fold(text: str) -> str:
    """Casefold and strip accents, punctuation and repeated spaces."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = _AND.sub(" and ", text)
    text = text.replace("'", "").replace("’", "")
    text = _PUNCTUATION.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def strip_discogs_suffix(name: str) -> str:
    """`Air (2)` → `Air`: Discogs numbers artists who share a name."""
    return _DISCOGS_SUFFIX.sub("", name or "").strip()


def name_key(name: str) -> str:
    """Matching key for an artist or label name."""
    name = strip_discogs_suffix(name)
    return fold(name) or name.strip().casefold()  # "!!!" is a band: never an empty key


def title_key(title: str) -> str:
    """Matching key for an album or track title (edition words kept)."""
    return fold(title) or (title or "").strip().casefold()


def edition_free_title_key(title: str) -> str:
    """Title key without edition noise: `(Remastered 2011)`, `[Deluxe Edition]`, `- Single`."""
    previous = None
    while previous != title:
        previous, title = title, _EDITION_NOISE.sub("", title or "")
    return fold(title)
