"""Upsert the django-q2 schedules declared in settings.JOURNAL_SCHEDULES, by name.

Runs after every `migrate`, so a deployment never needs a schedule made by hand, and a
changed interval in the declaration reaches the database without touching anything else.
"""

from django.conf import settings
from django.utils import timezone


def schedules_upsert(**_signal_kwargs) -> int:
    from django_q.models import Schedule

    for declared in settings.JOURNAL_SCHEDULES:
        fields = {k: v for k, v in declared.items() if k != "name"}
        schedule, created = Schedule.objects.update_or_create(name=declared["name"], defaults=fields)
        if schedule.schedule_type == Schedule.CRON and (created or schedule.next_run <= timezone.now()):
            # A new cron schedule first runs at its time (in TIME_ZONE), not the moment it is made.
            Schedule.objects.filter(pk=schedule.pk).update(next_run=schedule.calculate_next_run())
    return len(settings.JOURNAL_SCHEDULES)
