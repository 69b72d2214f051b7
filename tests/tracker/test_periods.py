"""Analytics periods read from the URL: presets, years, months, custom ranges, and bad input."""

from datetime import date

import pytest
from django.http import QueryDict

from tracker.selectors.periods import period_from_query

TODAY = date(2026, 3, 15)


def period(query: str):
    return period_from_query(QueryDict(query), today=TODAY)


@pytest.mark.parametrize(("query", "start", "end", "label"), [
    ("", date(2026, 2, 14), TODAY, "Last 30 days"),
    ("period=7d", date(2026, 3, 9), TODAY, "Last 7 days"),
    ("period=90d", date(2025, 12, 16), TODAY, "Last 90 days"),
    ("period=year", date(2026, 1, 1), TODAY, "This year"),
    ("period=all", None, TODAY, "All time"),
    ("period=2024", date(2024, 1, 1), date(2024, 12, 31), "2024"),
    ("period=2024-02", date(2024, 2, 1), date(2024, 2, 29), "February 2024"),
    ("period=custom&from=2025-05-01&to=2025-05-10", date(2025, 5, 1), date(2025, 5, 10), "1 May 2025 – 10 May 2025"),
    ("period=custom&from=2025-05-10&to=2025-05-01", date(2025, 5, 1), date(2025, 5, 10), "1 May 2025 – 10 May 2025"),
])
def test_it_reads_every_kind_of_period(query, start, end, label):
    found, error = period(query)
    assert (found.start, found.end, found.label, error) == (start, end, label, "")
    assert period(found.query)[0] == found  # the period's own URL asks for it again


@pytest.mark.parametrize("query", ["period=decade", "period=0000", "period=0001", "period=0001-01", "period=9999",
                                   "period=2024-13", "period=%00",
                                   "period=custom&from=2024-01-01", "period=custom&from=x&to=y",
                                   "period=custom&from=0001-01-01&to=2024-01-01", "period=" + "9" * 5000])
def test_what_cannot_be_read_gives_the_default_period_and_says_why(query):
    found, error = period(query)
    assert found.key == "30d" and error.endswith("showing the last 30 days.") and len(error) < 200 and "\n" not in error


def test_the_previous_period_is_of_the_same_kind_or_length():
    assert period("period=30d")[0].previous().start == date(2026, 1, 15)
    assert period("period=30d")[0].previous().end == date(2026, 2, 13)
    assert period("period=2024")[0].previous().key == "2023"
    assert period("period=2024-01")[0].previous().key == "2023-12"
    assert (period("period=year")[0].previous().start, period("period=year")[0].previous().end) == (
        date(2025, 1, 1), date(2025, 3, 15))  # this year so far against the same days of last year
    assert period("period=all")[0].previous() is None
    assert period("period=0002")[0].previous() is None  # year 1 is out of the days pages show
