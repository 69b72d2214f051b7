"""The year in review (/analytics/year/<year>/): a year's listening and what it led to on the shelf."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from tracker.selectors.year_review import year_in_range, year_review, years_with_plays


def analytics_year_latest(request):
    """/analytics/year/: the newest year with plays (this year before the first play)."""
    years = years_with_plays()
    return redirect("analytics_year", year=years[0] if years else timezone.localdate().year)


def analytics_year(request, year: int):
    if not year_in_range(year):
        raise Http404("No review of that year.")
    return render(request, "tracker/analytics_year.html", {"review": year_review(year=year)})
