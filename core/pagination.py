"""One way to page through every list of the JSON API: a keyset cursor.

A page is `{"items": [...], "next_cursor": "...", "limit": 50, "total": 1234}`; the client sends
`cursor=<next_cursor>` for the next page until `next_cursor` is null. The cursor holds the sort
values of the page's last row, so the next page starts right after it (`WHERE (a, b, id) > …`):
an index walk whatever the page's depth, and no row skipped or repeated when rows are added
in front meanwhile, which an OFFSET cannot promise.

`keyset_page` reads the order from the queryset itself. Each key is a field, a relation's field
or an annotation; a key that may be NULL must say where its NULLs go (`F(...).desc(nulls_last=True)`:
both databases then agree, and the cursor knows what comes after a NULL); the last key is the
primary key, so that the order is total.
"""

import base64
import binascii
import hashlib
from dataclasses import dataclass

import orjson
from django.core.exceptions import ValidationError
from django.db.models import F, OrderBy, Q, QuerySet
from ninja import Field, Schema
from ninja.errors import HttpError


class CursorQuery(Schema):
    cursor: str = Field("", description="`next_cursor` of the previous page; empty for the first page")


class CursorPageOut(Schema):
    """What every list endpoint answers besides its `items`."""

    next_cursor: str | None = Field(..., description="send as `cursor` for the next page; null on the last page",
                                    examples=["WyI3ZjNhOTFjMiIsMTIsNDJd"])
    limit: int = Field(..., description="the page size asked for", examples=[50])
    total: int | None = Field(..., description="how many items match in all, where counting is cheap; else null",
                              examples=[1234])


class CursorError(ValueError):
    """A cursor this API did not give out for this list and order."""


@dataclass(frozen=True)
class _Key:
    name: str
    descending: bool
    nulls_last: bool


def limit_checked(limit: int, *, maximum: int) -> int:
    if not 1 <= limit <= maximum:
        raise HttpError(400, f"limit must be between 1 and {maximum}")
    return limit


def _keys(queryset: QuerySet) -> list[_Key]:
    keys = []
    for item in queryset.query.order_by:
        if isinstance(item, str):
            keys.append(_Key(item.removeprefix("-"), item.startswith("-"), False))
        elif isinstance(item, OrderBy) and isinstance(item.expression, F):
            keys.append(_Key(item.expression.name, item.descending, bool(item.nulls_last)))
        else:
            raise TypeError(f"keyset order keys are field names or F(...).asc()/.desc(), not {item!r}")
    if not keys or keys[-1].name not in ("id", "pk"):
        raise ValueError("a keyset order ends with the primary key")
    return keys


def _signature(keys: list[_Key]) -> str:
    """Which order a cursor belongs to: the same cursor under another sort would mean nothing."""
    text = ",".join(f"{'-' if k.descending else ''}{k.name}{'~' if k.nulls_last else ''}" for k in keys)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _value(row, name: str):
    for part in name.split("__"):
        row = getattr(row, part) if row is not None else None
    return row


def _encode(keys: list[_Key], row) -> str:
    values = []
    for key in keys:
        value = _value(row, key.name)
        if value is None and not key.nulls_last:
            raise ValueError(f"order the nullable key {key.name} with nulls_last=True")
        values.append(value)
    return base64.urlsafe_b64encode(orjson.dumps([_signature(keys), *values])).decode().rstrip("=")


FOREIGN = "cursor is not one this API gave out"


def _decoded(field, value):
    """A cursor's JSON value as the key's Python value; CursorError when it cannot be one."""
    if value is None:
        return None
    if isinstance(value, list | dict):
        raise CursorError(FOREIGN)
    try:
        value = field.to_python(value)
    except (ValidationError, TypeError):
        raise CursorError(FOREIGN) from None
    if isinstance(value, int) and not -(2**63) <= value < 2**63:  # more than a database column holds
        raise CursorError(FOREIGN)
    return value


def _decode(queryset: QuerySet, keys: list[_Key], cursor: str) -> list:
    try:
        signature, *values = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, TypeError):
        raise CursorError(FOREIGN) from None
    if signature != _signature(keys) or len(values) != len(keys):
        raise CursorError(f"{FOREIGN} for this list and order")
    query = queryset.query.clone()
    return [_decoded(query.resolve_ref(key.name, allow_joins=True).output_field, value)
            for key, value in zip(keys, values, strict=True)]


def _after(keys: list[_Key], values: list) -> Q:
    """Rows that come after `values` in the order: (a > x) or (a = x and (b > y or (b = y and …)))."""
    condition = None
    for key, value in reversed(list(zip(keys, values, strict=True))):
        if value is None:  # NULLs come last: after one, only more NULLs with later keys
            beyond, equal = Q(pk__in=[]), Q(**{f"{key.name}__isnull": True})
        else:
            beyond = Q(**{f"{key.name}__{'lt' if key.descending else 'gt'}": value})
            if key.nulls_last:
                beyond |= Q(**{f"{key.name}__isnull": True})
            equal = Q(**{key.name: value})
        condition = beyond if condition is None else beyond | (equal & condition)
    return condition


def keyset_page(queryset: QuerySet, *, cursor: str, limit: int) -> tuple[list, str | None]:
    """The `limit` rows of the ordered `queryset` after `cursor` (from the start when empty),
    and the cursor of the page after them (None on the last page). Raises CursorError."""
    keys = _keys(queryset)
    if cursor:
        queryset = queryset.filter(_after(keys, _decode(queryset, keys, cursor)))
    rows = list(queryset[: limit + 1])
    return rows[:limit], _encode(keys, rows[limit - 1]) if len(rows) > limit else None


def cursor_page(queryset: QuerySet, *, cursor: str, limit: int, maximum: int) -> dict:
    """An API page of the ordered `queryset`, with the count of every match (for lists where that
    is cheap: the history gives its own): 400 on a limit out of range or a foreign cursor."""
    limit = limit_checked(limit, maximum=maximum)
    try:
        items, next_cursor = keyset_page(queryset, cursor=cursor, limit=limit)
    except CursorError as error:
        raise HttpError(400, str(error)) from None
    return {"items": items, "next_cursor": next_cursor, "limit": limit, "total": queryset.order_by().count()}
