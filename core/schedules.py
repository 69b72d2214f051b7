"""Upsert the django-q2 schedules declared in settings.JOURNAL_SCHEDULES, by name.

Runs after every `migrate`, so a deployment never needs a schedule made by hand, and a
changed interval in the declaration reaches the database without touching anything else.
"""

from django.conf import settings


def schedules_upsert(**_signal_kwargs) -> int:
    from django_q.models import Schedule

    for declared in settings.JOURNAL_SCHEDULES:
        fields = {k: v for k, v in declared.items() if k != "name"}
        Schedule.objects.update_or_create(name=declared["name"], defaults=fields)
    return len(settings.JOURNAL_SCHEDULES)
