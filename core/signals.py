"""Signals the kernel sends so the apps above it can follow its jobs without being imported.

`job_ended` is sent when a job succeeds, fails or is cancelled (`job`: the core.Job), so an app
can release what the job held (an import's uploaded files, say).
"""

from django.dispatch import Signal

job_ended = Signal()
