"""Test settings: tasks run synchronously (django-q2 reads `sync` at import time)."""

import os

os.environ.setdefault(
    "JOURNAL_DATA_DIR", str(__import__("pathlib").Path(__file__).resolve().parent.parent / "data" / "test")
)

from config.settings import *  # noqa: E402,F403
from config.settings import Q_CLUSTER  # noqa: E402

Q_CLUSTER["sync"] = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
BACKGROUND_NICENESS = 0  # the test process itself stays at its priority (tests/core/test_priority.py)
ENRICHMENT_PARALLEL = False  # threads cannot write inside a test's transaction (one transactional test runs it)
