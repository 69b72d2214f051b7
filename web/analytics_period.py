"""What every analytics page needs to show and keep its period (templates/tracker/partials/analytics_nav.html)."""

from tracker.selectors.periods import period_choices, period_from_query


def period_context(request) -> dict:
    """The period the request asks for, the picker's presets, an error to show, and this view's URL."""
    period, error = period_from_query(request.GET)
    return {"period": period, "period_choices": period_choices(), "period_error": error, "view_url": request.path}
