"""Chart geometry from numbers: what the pages draw from the selectors' counts."""

from datetime import date, timedelta

from web import charts


def test_it_draws_a_listening_clock_wedge_per_hour():
    wedges = charts.listening_clock(hours=[{"label": f"{h:02d}:00", "value": h} for h in range(24)])
    assert len(wedges) == 24 and all(w["d"].startswith("M ") and w["d"].endswith("Z") for w in wedges)


def test_bars_scale_to_the_peak_and_keep_a_sliver_for_small_values():
    drawn = charts.bar_geometry([{"label": "a", "value": 100}, {"label": "b", "value": 1}, {"label": "c", "value": 0}])
    heights = [bar["h"] for bar in drawn["bars"]]
    assert heights == [96, 1.5, 0] and drawn["width"] == 30 and drawn["peak"] == 100


def test_month_ticks_thin_out_as_the_months_grow():
    def ticks(count):
        months = [{"month": date(2020 + (m // 12), m % 12 + 1, 1), "value": 1} for m in range(count)]
        return [bar["tick"] for bar in charts.month_bars(months)]

    assert all(ticks(12))  # a year: every month named
    assert sum(bool(t) for t in ticks(36)) == 12  # three years: quarters
    assert sum(bool(t) for t in ticks(48)) == 4  # longer: one per year


def test_hour_bars_link_to_played_hours_only_when_asked():
    counts = [0] * 24
    counts[9] = 4
    assert "href" not in charts.hour_bars(counts)[9]
    linked = charts.hour_bars(counts, anchors=True)
    assert linked[9]["href"] == "#hour-9" and linked[10]["href"] == ""


def test_the_heatmap_levels_days_by_quartile_and_links_each_day():
    end = date(2024, 6, 30)
    start = end - timedelta(days=end.weekday()) - timedelta(weeks=52)
    counts = {end - timedelta(days=n): n for n in range(1, 41)}
    heat = charts.year_heatmap(counts=counts, start=start, end=end, version="v")
    cells = {cell["date"]: cell for week in heat["weeks"] for cell in week if cell}
    assert len(heat["weeks"]) == 53 and heat["total"] == sum(counts.values())
    assert cells[end]["level"] == 0 and cells[end - timedelta(days=1)]["level"] == 1
    assert cells[end - timedelta(days=40)]["level"] == 4
    assert cells[end]["href"] == "/timeline/?date=2024-06-30"
