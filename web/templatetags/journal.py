"""Template helpers for the journal pages: cover URLs, durations, charts.

Nothing here marks outside data safe: names and titles stay escaped by the template engine.
"""

from datetime import timedelta

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from web import charts
from web.art import name_version

register = template.Library()


def placeholder_url(kind: str, pk: int, name: str) -> str:
    return f"{reverse('placeholder_art', args=[kind, pk])}?v={name_version(name)}"


@register.simple_tag
def artist_image_url(artist) -> str:
    """The artist's picture, or a locally drawn placeholder."""
    if artist is None:
        return ""
    return artist.image_url or placeholder_url("artist", artist.pk, artist.name)


@register.simple_tag
def cover_url(album, artist=None, small: bool = False) -> str:
    """The album's cover (its thumbnail when `small`), else a placeholder; without an album,
    the artist's picture."""
    if album is not None:
        if small and album.thumb_url:
            return album.thumb_url
        return album.cover_url or album.thumb_url or placeholder_url("album", album.pk, album.title)
    return artist_image_url(artist)


@register.filter
def duration(milliseconds) -> str:
    """3:25 for 205000 ms; 1:02:03 past an hour; empty for nothing."""
    if not milliseconds:
        return ""
    seconds = int(milliseconds) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


@register.filter
def minutes_label(milliseconds) -> str:
    """'2 h 05 min' or '45 min' for a listening time in milliseconds."""
    minutes = int(milliseconds or 0) // 60000
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


@register.filter
def percent_of(value, maximum) -> float:
    """Share of `maximum`, 0-100, for bar widths."""
    try:
        return round(100 * float(value) / float(maximum), 1) if maximum else 0
    except (TypeError, ValueError):
        return 0


@register.inclusion_tag("partials/bar_chart.html")
def bar_chart(bars, label: str = "", height: int = 120, css_class: str = ""):
    """An SVG bar chart from a list of dicts with `label`, `value` and optional `href`,
    `title` and `tick` (the axis text under that bar)."""
    geometry = charts.bar_geometry(bars)
    drawn = geometry["bars"]
    return {**geometry, "bars_svg": mark_safe("".join(map(_bar_svg, drawn))),
            "ticks_html": mark_safe("".join(f"<span>{escape(bar.get('tick') or '')}</span>" for bar in drawn)),
            "label": label, "height": height, "css_class": css_class}


def _bar_svg(bar: dict) -> str:
    """One bar with its hover title, escaped, as plain text: 180 months of bars through the
    template engine (or format_html) cost ~30 ms a page."""
    title = f"<title>{escape(bar.get('title') or bar['label'])}: {escape(bar['value'])}</title>"
    rects = (f'<rect class="chart-hit" x="{bar["x"] - 1}" y="0" width="10" height="100">{title}</rect>'
             f'<rect class="chart-bar{" is-current" if bar.get("current") else ""}" x="{bar["x"]}" y="{bar["y"]}" '
             f'width="8" height="{bar["h"]}" rx="1">{title}</rect>')
    return f'<a href="{escape(bar["href"])}">{rects}</a>' if bar.get("href") else rects


@register.filter
def month_bars(months) -> list[dict]:
    """Chart bars from a selector's plays per month (`{"month", "value"}`)."""
    return charts.month_bars(list(months or []))


@register.filter
def day_label(day) -> str:
    """'Today', 'Yesterday', or 'Monday 3 March 2025' for a local date."""
    if not day:
        return ""
    today = timezone.localdate()
    if day == today:
        return "Today"
    if day == today - timedelta(days=1):
        return "Yesterday"
    return f"{day:%A} {day.day} {day:%B %Y}"


@register.inclusion_tag("partials/source_marker.html")
def source_marker(facts, name: str):
    """A small "source" marker for an enriched value: where it came from, when, how sure; the
    other sources' values when they disagree. `facts` is enrichment.selectors.facts_by_field()."""
    return {"field": (facts or {}).get(name)}


@register.simple_tag
def table_body(table):
    """A Table's rows as `<tr><td>…</td></tr>`, escaped, in one pass: a heatmap's 168 cells and a
    history's 180 months through the template engine cost ~20 ms a page (tables sit behind every chart)."""
    return mark_safe("".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>"
                             for row in table.rows))
