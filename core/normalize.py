"""Name normalization: the keys that let the same artist, album or track match across sources.

`name_key("Beyoncé & The Band (2)") == name_key("beyonce and the band")`: casefold, accents
folded, punctuation and repeated spaces folded, a Discogs disambiguation suffix removed, `&`
and `and` unified. Titles keep their edition words; `edition_free_title_key` drops them for
owned ↔ listened matching.
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
