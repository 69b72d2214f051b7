"""`{% journal_filter_url filters "artist" 12 %}`: the journal narrowed by one more filter."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag
def journal_filter_url(filters, param: str, value) -> str:
    """The journal URL with the current filters plus `param=value` (no cursor: page one)."""
    params = {**(filters.as_params() if filters else {}), param: str(value)}
    return f"{reverse('journal')}?{urlencode(params)}"
