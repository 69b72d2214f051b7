"""The web server and the worker start without the outside services' client libraries.

openai, spotipy (with redis), pylast (with httpx2), discogs_client and requests are imported
where a client is built (core/clients/): together they weighed ~30 MB in every process, the
web server's and each of the worker's, which mostly never call out (bench/memory.py).
A fresh interpreter is needed: the suite's own process has long imported them.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
HEAVY = ("openai", "spotipy", "redis", "pylast", "httpx2", "discogs_client", "requests")

STARTUP = f"""
import sys
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns  # the web server: every view, the admin and the API
import django_q.cluster  # what `qcluster` imports before it forks its processes
from core.clients import ai, apify, discogs, lastfm, spotify, wikidata  # importable, not built
print("loaded:", *(name for name in {HEAVY!r} if name in sys.modules))
"""


def test_it_starts_the_web_server_and_the_worker_without_the_client_libraries(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "JOURNAL_DATA_DIR": str(tmp_path),
           "REDIS_URL": ""}
    output = subprocess.run([sys.executable, "-c", STARTUP], cwd=ROOT, env=env, check=True, capture_output=True,
                            text=True).stdout
    assert output.splitlines()[-1].split() == ["loaded:"]


def test_the_apps_load_without_the_api_framework(tmp_path):
    """django-ninja and pydantic (~15 MB) come with the API's URLs, not with every process."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "JOURNAL_DATA_DIR": str(tmp_path),
           "REDIS_URL": ""}
    code = ("import sys, django; django.setup(); import django_q.cluster, core.tasks, tracker.tasks;"
            " print('loaded:', *(name for name in ('ninja', 'pydantic') if name in sys.modules))")
    output = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True,
                            text=True).stdout
    assert output.splitlines()[-1].split() == ["loaded:"]


def test_the_web_server_starts_with_the_loaded_app_out_of_the_collectors_sight(tmp_path):
    """A full garbage collection walked every object of the loaded app in the middle of a request."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "JOURNAL_DATA_DIR": str(tmp_path),
           "REDIS_URL": ""}
    code = ("import gc, sys; import config.wsgi; "
            "print('frozen:', gc.get_freeze_count(), 'views' if 'web.views.analytics' in sys.modules else '')")
    output = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True,
                            text=True).stdout.splitlines()[-1].split()
    assert output[0] == "frozen:" and int(output[1]) > 50_000 and output[2:] == ["views"]
