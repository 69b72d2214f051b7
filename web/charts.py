"""Chart geometry from numbers: bars with their axis ticks, the listening clock, the year heatmap.

Selectors count; this module turns counts into what a template draws (SVG coordinates, labels,
links). Nothing here queries the database.
"""

import math
from datetime import date, timedelta

from django.urls import reverse


# --- bars ---------------------------------------------------------------------------------
def bar_geometry(bars) -> dict:
    """SVG rectangles (a 10-unit column per bar in a 100-high box) for a list of dicts with
    `label`, `value` and optional `href`, `title` and `tick` (the axis text under that bar)."""
    bars = list(bars or [])
    peak = max((b["value"] for b in bars), default=0)
    drawn = []
    for index, bar in enumerate(bars):
        bar_height = 0 if not peak else max(1.5 if bar["value"] else 0, 96 * bar["value"] / peak)
        drawn.append({**bar, "x": index * 10 + 1, "y": round(100 - bar_height, 2), "h": round(bar_height, 2)})
    return {
        "bars": drawn,
        "width": max(len(bars), 1) * 10,
        "peak": peak,
        "ticks": [b for b in bars if b.get("tick")],
    }


def month_bars(months: list[dict]) -> list[dict]:
    """Bars from `[{"month": first day, "value": plays}]`, with ticks spaced for their number."""
    count = len(months)
    return [
        {"label": m["month"].strftime("%b %Y"), "value": m["value"], "tick": _month_tick(m["month"], count)}
        for m in months
    ]


def _month_tick(first: date, count: int) -> str:
    """Axis text under a month bar: every month for a year, quarters for three, else years."""
    if count <= 12:
        return first.strftime("%b") if first.month != 1 and count > 1 else first.strftime("%b %Y")
    if count <= 36:
        return first.strftime("%Y") if first.month == 1 else (first.strftime("%b") if first.month in (4, 7, 10) else "")
    return first.strftime("%Y") if first.month == 1 else ""


def hour_bars(counts: list[int], *, anchors: bool = False) -> list[dict]:
    """24 bars from per-hour counts; with `anchors`, each played hour links to `#hour-N` of the page."""
    bars = []
    for hour, plays in enumerate(counts):
        bar = {"label": f"{hour:02d}:00", "value": plays, "tick": f"{hour:02d}" if hour % 3 == 0 else ""}
        if anchors:
            bar["href"] = f"#hour-{hour}" if plays else ""
        bars.append(bar)
    return bars


def week_bars(days: list[dict], *, today: date) -> list[dict]:
    """Bars from `[{"day": date, "value": plays}]`, each linking to that day's timeline."""
    timeline = reverse("timeline")
    return [
        {
            "label": d["day"].strftime("%a %-d %b"),
            "value": d["value"],
            "tick": d["day"].strftime("%a"),
            "href": f"{timeline}?date={d['day'].isoformat()}",
            "current": d["day"] == today,
        }
        for d in days
    ]


# --- listening clock ------------------------------------------------------------------------
def listening_clock(*, hours: list[dict], radius: float = 100.0, inner: float = 28.0) -> list[dict]:
    """Wedges of a 24-hour radial chart (SVG paths in a 240x240 box centred on 120,120)."""
    peak = max((bar["value"] for bar in hours), default=0)
    wedges = []
    for hour, bar in enumerate(hours):
        outer = inner + (radius - inner) * (bar["value"] / peak if peak else 0)
        start = math.radians(hour * 15 - 90 + 1)
        end = math.radians((hour + 1) * 15 - 90 - 1)

        def point(r, angle):
            return f"{120 + r * math.cos(angle):.2f} {120 + r * math.sin(angle):.2f}"

        path = (
            f"M {point(inner, start)} L {point(outer, start)} "
            f"A {outer:.2f} {outer:.2f} 0 0 1 {point(outer, end)} "
            f"L {point(inner, end)} A {inner:.2f} {inner:.2f} 0 0 0 {point(inner, start)} Z"
        )
        wedges.append({"hour": hour, "plays": bar["value"], "d": path, "label": bar["label"]})
    return wedges


def clock_labels() -> list[dict]:
    """Hour marks around the clock: 00, 06, 12, 18."""
    marks = []
    for hour in (0, 6, 12, 18):
        angle = math.radians(hour * 15 - 90)
        marks.append({"text": f"{hour:02d}", "x": round(120 + 112 * math.cos(angle), 2),
                      "y": round(120 + 112 * math.sin(angle), 2)})
    return marks


# --- year heatmap ---------------------------------------------------------------------------
def year_heatmap(*, counts: dict[date, int], start: date, end: date, version: str) -> dict:
    """A calendar of plays per day from `start` (a Monday) to `end`, Monday-first columns.

    Returns {"weeks": [[cell or None] * 7], "months": [{column, label}], "total": n, ...}; each
    cell has date, plays, level 0-4 and the timeline URL of that day. `version` names the
    counts, so the page can cache the drawn grid under it.
    """
    weeks = (end - start).days // 7 + 1
    # Levels by quartile of the days with plays, so one binge day doesn't wash out the year.
    played = sorted(n for n in counts.values() if n)
    thresholds = [played[len(played) * q // 4] for q in (1, 2, 3)] if played else []
    timeline = reverse("timeline")
    columns, months = [], []
    for week in range(weeks):
        column = []
        for weekday in range(7):
            day = start + timedelta(days=week * 7 + weekday)
            if day > end:
                column.append(None)
                continue
            plays = counts.get(day, 0)
            level = 0 if not plays else 1 + sum(plays > t for t in thresholds)
            # Labels are formatted here: 371 cells through template filters cost ~10 ms a page.
            column.append({
                "date": day, "plays": plays, "level": level, "href": f"{timeline}?date={day.isoformat()}",
                "title": f"{day:%a} {day.day} {day:%b %Y}: {plays} play{'' if plays == 1 else 's'}",
                "label": f"{day.day} {day:%B %Y}: {plays} plays",
            })
            if day.day == 1 or (week == 0 and weekday == 0):
                months.append({"column": week + 1, "label": day.strftime("%b")})
        columns.append(column)
    # Keep month labels at least three columns apart, so they never overlap.
    spaced = []
    for month in months:
        if not spaced or month["column"] - spaced[-1]["column"] >= 3:
            spaced.append(month)
        else:
            spaced[-1] = month
    return {"weeks": columns, "months": spaced, "total": sum(counts.values()), "start": start, "end": end,
            "version": version}


# --- analytics overview ---------------------------------------------------------------------
def over_time_bars(buckets, *, step: str) -> list[dict]:
    """Bars from plays per day, week or month (`Bucket`s: start, end, plays), with spaced ticks;
    a day's bar links to its timeline."""
    count = len(buckets)
    timeline = reverse("timeline")
    bars = []
    every = max(1, math.ceil(count / 12))  # at most about twelve ticks under the bars
    for index, bucket in enumerate(buckets):
        if step == "month":
            label, tick = bucket.start.strftime("%b %Y"), _month_tick(bucket.start, count)
        elif step == "week":
            label = f"Week of {bucket.start.day} {bucket.start:%b %Y}"
            tick = bucket.start.strftime("%-d %b") if index % every == 0 else ""
        else:
            label = f"{bucket.start:%a} {bucket.start.day} {bucket.start:%b %Y}"
            tick = bucket.start.strftime("%-d %b") if index % every == 0 else ""
        bar = {"label": label, "value": bucket.plays, "tick": tick,
               "title": f"{label}: {bucket.plays} play{'' if bucket.plays == 1 else 's'}"}
        if step == "day":
            bar["href"] = f"{timeline}?date={bucket.start.isoformat()}"
        bars.append(bar)
    return bars


WEEKDAY_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def week_hour_heatmap(grid: list[list[int]], *, cell: int = 10, gap: int = 1) -> dict:
    """Cells of a 7 x 24 heatmap (weekdays down, local hours across) in an SVG box with room for
    labels on the left (28 units) and on top (12): each cell has x, y, level 0-4 and a title."""
    played = sorted(n for row in grid for n in row if n)
    thresholds = [played[len(played) * q // 4] for q in (1, 2, 3)] if played else []
    left, top, pitch = 28, 12, cell + gap
    cells = []
    for weekday, row in enumerate(grid):
        for hour, plays in enumerate(row):
            cells.append({
                "x": left + hour * pitch, "y": top + weekday * pitch,
                "level": 0 if not plays else 1 + sum(plays > t for t in thresholds),
                "title": f"{WEEKDAY_SHORT[weekday]} {hour:02d}:00–{hour:02d}:59: "
                         f"{plays} play{'' if plays == 1 else 's'}",
            })
    return {
        "cells": cells, "cell": cell,
        "width": left + 24 * pitch, "height": top + 7 * pitch,
        "days": [{"text": WEEKDAY_SHORT[d], "y": top + d * pitch + cell / 2} for d in range(7)],
        "hours": [{"text": f"{h:02d}", "x": left + h * pitch + cell / 2} for h in range(0, 24, 3)],
    }


def calendar_start(day: date) -> date:
    """The Monday on or before `day`: where a year heatmap's first column starts."""
    return day - timedelta(days=day.weekday())


# --- bump chart -----------------------------------------------------------------------------
def bump_geometry(*, ticks: list[str], titles: list[str], lines: list[dict], ranks: int = 10) -> dict:
    """A bump chart: one line per entry of `lines` (`{"name", "ranks": [rank or None per column],
    "values": [plays per column]}`), rank 1 on top, a column per tick; a missing rank breaks
    the line. `titles` names each column in the hover text. In a box of `width` x `height` units."""
    columns = len(ticks)
    step, row, left, top = (36 if columns <= 12 else 24), 22, 26, 14
    width = left + max(columns - 1, 1) * step + 20
    height = top + (ranks - 1) * row + 34
    drawn = []
    for index, line in enumerate(lines):
        segments, current, points = [], [], []
        for column, rank in enumerate(line["ranks"]):
            if rank is None or rank > ranks:
                if current:
                    segments.append(current)
                current = []
                continue
            x, y = left + column * step, top + (rank - 1) * row
            current.append(f"{x},{y}")
            value = line.get("values", [None] * columns)[column]
            plays = "" if value is None else f", {value} play{'' if value == 1 else 's'}"
            points.append({"x": x, "y": y, "rank": rank,
                           "title": f"{line['name']}: #{rank} in {titles[column]}{plays}"})
        if current:
            segments.append(current)
        drawn.append({"name": line["name"], "series": index % 10, "segments": [" ".join(s) for s in segments],
                      "points": points})
    # Axis text: every column while they fit, else about eight along the axis.
    every = max(1, math.ceil(columns / 8))
    axis = [{"x": left + column * step, "text": text} for column, text in enumerate(ticks) if column % every == 0]
    return {"width": width, "height": height, "lines": drawn, "axis": axis, "axis_y": height - 8,
            "rank_marks": [{"rank": r, "y": top + (r - 1) * row} for r in range(1, ranks + 1)],
            "label_x": left - 8, "px_width": width * 2}
