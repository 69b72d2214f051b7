"""Analytics, habits: discoveries, streaks, sessions, rank over time and this day in earlier years.

Every chart has a table behind it; `?csv=<table>` downloads that table, built by the same
function the page uses, so the file's rows are the table's.
"""

import csv

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from tracker.selectors import habits
from web import charts
from web.analytics_period import period_context
from web.templatetags.journal import minutes_label


def _when(instant) -> str:
    return timezone.localtime(instant).strftime("%Y-%m-%d %H:%M")


def _cell(text, href: str = "") -> dict:
    return {"text": str(text), "href": href}


def _table(key: str, caption: str, headers: list[str], rows: list[list[dict]]) -> dict:
    return {"key": key, "caption": caption, "headers": headers, "rows": rows}


def _artist(artist) -> dict:
    return _cell(artist.name, reverse("artist_detail", args=[artist.pk]))


def _discoveries(period, memo: dict) -> dict:
    months = habits.discoveries_per_month(period=period)
    found = habits.discovery_list(period=period)
    return {
        "bars": charts.month_bars(months),
        "total": sum(m["value"] for m in months),
        "tables": [
            _table("discoveries-months", "New artists per month", ["Month", "New artists"],
                   [[_cell(m["month"].strftime("%b %Y")), _cell(m["value"])] for m in months]),
            _table("discoveries", f"Discoveries, newest first (at most {habits.DISCOVERY_LIMIT})",
                   ["First heard", "Artist", "First track"],
                   [[_cell(_when(d.first_played_at)), _artist(d.artist), _cell(d.track.title if d.track else "")]
                    for d in found]),
        ],
    }


def _plays(period, memo: dict) -> habits.PlayHabits:
    """What the plays in order tell, read once for the streaks and sessions."""
    if "plays" not in memo:
        memo["plays"] = habits.play_habits(period=period)
    return memo["plays"]


def _streaks(period, memo: dict) -> dict:
    found = _plays(period, memo)
    longest, current, run = found.streak, habits.current_streak(), found.run
    rows = [[_cell("Longest listening streak"), _cell(""), _cell(f"{longest.days} days" if longest else "0 days"),
             _cell(longest.start.isoformat() if longest else ""), _cell(longest.end.isoformat() if longest else "")],
            [_cell("Current streak"), _cell(""), _cell(f"{current.days} days" if current else "0 days"),
             _cell(current.start.isoformat() if current else ""), _cell(current.end.isoformat() if current else "")]]
    if run:
        rows.append([_cell("Longest run of one artist"), _artist(run.artist), _cell(f"{run.plays} plays"),
                     _cell(_when(run.first.played_at)), _cell(_when(run.last.played_at))])
    return {"longest": longest, "current": current, "run": run, "days": found.listening_days,
            "tables": [_table("streaks", "Streaks", ["Streak", "Artist", "Length", "From", "To"], rows)]}


def _sessions(period, memo: dict) -> dict:
    summary = _plays(period, memo)
    bars = [{**b, "tick": b["label"], "title": f"Sessions of {b['label']}"} for b in summary.buckets]
    longest = summary.longest
    return {"count": summary.sessions, "longest": longest, "per_day": summary.per_day,
            "average_label": minutes_label(summary.average.total_seconds() * 1000), "bars": bars,
            "longest_label": minutes_label(longest.length.total_seconds() * 1000) if longest else "",
            "tables": [_table("sessions", "Sessions by length", ["Length", "Sessions"],
                              [[_cell(b["label"]), _cell(b["value"])] for b in summary.buckets])]}


def _ranks(period, memo: dict) -> dict:
    ranks = habits.rank_over_time(period=period)
    fmt = "%Y" if ranks["by"] == "year" else "%b %Y"
    titles = [bucket.strftime(fmt) for bucket in ranks["buckets"]]
    ticks = [bucket.strftime("%Y" if ranks["by"] == "year" else "%b %y") for bucket in ranks["buckets"]]
    lines = [{"name": row["artist"].name, "ranks": row["ranks"], "values": row["bucket_plays"]}
             for row in ranks["artists"]]
    table = _table("ranks", f"Rank by {ranks['by']} among the period's top artists", ["Artist", "Plays", *titles],
                   [[_artist(row["artist"]), _cell(row["plays"]),
                     *(_cell(rank if rank else "–") for rank in row["ranks"])] for row in ranks["artists"]])
    return {"by": ranks["by"], "artists": ranks["artists"], "tables": [table],
            "chart": charts.bump_geometry(ticks=ticks, titles=titles, lines=lines,
                                          ranks=max(len(lines), 1)) if lines else None}


def _on_this_day(period, memo: dict) -> dict:
    days = habits.on_this_day()
    bars = [{"label": d["day"].strftime("%-d %b %Y"), "value": d["plays"], "tick": d["day"].strftime("%Y"),
             "href": f"{reverse('timeline')}?date={d['day'].isoformat()}"} for d in reversed(days)]
    rows = [[_cell(d["day"].isoformat(), f"{reverse('timeline')}?date={d['day'].isoformat()}"), _cell(d["plays"]),
             _cell("; ".join(f"{track.artist.name} – {track.title} ({n})" for track, n in d["tracks"]))]
            for d in days]
    return {"days": days, "bars": bars, "today": timezone.localdate(),
            "tables": [_table("on-this-day", "This day in earlier years", ["Day", "Plays", "Top tracks"], rows)]}


SECTIONS = {"discoveries": _discoveries, "streaks": _streaks, "sessions": _sessions, "ranks": _ranks,
            "on_this_day": _on_this_day}
CSV_TABLES = {"discoveries-months": "discoveries", "discoveries": "discoveries", "streaks": "streaks",
              "sessions": "sessions", "ranks": "ranks", "on-this-day": "on_this_day"}


def _csv(table: dict, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(table["headers"])
    writer.writerows([cell["text"] for cell in row] for row in table["rows"])
    return response


def analytics_habits(request: HttpRequest) -> HttpResponse:
    """The habits of the period the query asks for, or one of its tables as CSV (`?csv=`)."""
    context = period_context(request)
    period = context["period"]
    context["has_plays"] = habits.period_has_plays(period=period)
    context["has_history"] = context["has_plays"] or habits.history_exists()
    wanted = request.GET.get("csv", "")
    if wanted in CSV_TABLES:
        section = CSV_TABLES[wanted]
        table = next(t for t in SECTIONS[section](period, {})["tables"] if t["key"] == wanted)
        if not context["has_plays"] and section != "on_this_day":  # the page shows no table: nor does the file
            table = {**table, "rows": []}
        return _csv(table, f"habits-{wanted}-{period.key}.csv")
    if context["has_history"]:
        context["on_this_day"] = _on_this_day(period, {})
    if context["has_plays"]:
        memo: dict = {}
        context.update({name: build(period, memo) for name, build in SECTIONS.items() if name != "on_this_day"})
    return render(request, "tracker/analytics_habits.html", context)
