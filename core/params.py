"""Numbers from query strings, checked against what the database can hold.

An id past a signed 64-bit integer makes the database driver raise OverflowError (a 500)
wherever Django does not catch it, e.g. inside a subquery: pages ignore such a value, the
API answers 400.
"""

import re

MAX_ID = 2**63 - 1  # the largest value of a bigint column
_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(value, *, minimum: int = 1) -> int | None:
    """`value` (text or int) as an id from `minimum` to MAX_ID, else None."""
    if isinstance(value, str):
        value = value.strip()
        if not _DIGITS.fullmatch(value):
            return None
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if minimum <= value <= MAX_ID else None
