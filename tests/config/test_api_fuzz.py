"""Schemathesis against `/api/v1/openapi.json`: every operation, a bounded number of generated requests.

Each operation is one test: the schema is loaded from the Django app in-process (WSGI, no server),
requests carry a read-write personal token, and each answer must be no 5xx and match the schema
the operation documents for its status code. Outside services are the local fakes, so the
operations that sync or enrich run for real and never reach the network.

The figures (operations, examples, failures) are printed at the end of the run
(tests/config/conftest.py); `bench/fuzz.py` runs this file alone.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.api import api
from config.wsgi import application
from core.models import ApiToken
from playlists.services.playlists import playlist_create
from tests.factories import make_album, make_artist, make_copy, make_scrobble, make_track, utc

SCHEMA_PATH = "/api/v1/openapi.json"
# Per operation and generation mode: bounded, so `make test` stays quick; bench/fuzz.py may ask for more.
MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "15"))
# Every status and content type it answers is documented, and every documented header and body holds.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]

# (METHOD, path) -> why it fails today. Each one is xfail(strict): fixing it turns the test red
# until the entry is removed.
KNOWN_FAILURES: dict[tuple[str, str], str] = {}


def _operations() -> list[tuple[str, str]]:
    # Read from the NinjaAPI itself at collection time: no request, no database.
    paths = api.get_openapi_schema()["paths"]
    return [(method.upper(), path) for path, methods in paths.items() for method in methods]


def _params() -> list:
    params = []
    for method, path in _operations():
        reason = KNOWN_FAILURES.get((method, path))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(method, path, marks=marks, id=f"{method} {path}"))
    return params


@dataclass
class Figures:
    operations: int = 0
    examples: int = 0
    failures: int = 0
    statuses: Counter = field(default_factory=Counter)
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        statuses = ", ".join(f"{status}: {count}" for status, count in sorted(self.statuses.items()))
        failed = f" ({', '.join(self.failed)})" if self.failed else ""
        return [
            f"schemathesis operations: {self.operations}",
            f"schemathesis examples: {self.examples}",
            f"schemathesis failing operations: {self.failures}{failed}",
            f"schemathesis statuses: {statuses}",
            f"schemathesis seconds: {self.seconds:.1f}",
        ]


FIGURES = Figures()  # tests/config/conftest.py prints them at the end of the run


@pytest.fixture
def fuzz_library(db, owner):
    """A small library the generated requests can find things in: plays, an owned album, a playlist."""
    portishead = make_artist("Portishead")
    dummy = make_album("Dummy", artist=portishead, year=1994)
    make_copy(dummy, instance_id=1)
    roads = make_track("Roads", album=dummy)
    sour = make_track("Sour Times", album=dummy)
    bjork = make_artist("Björk")
    joga = make_track("Jóga", album=make_album("Homogenic", artist=bjork, year=1997))
    for day, track in enumerate([roads, sour, joga, roads, joga], start=1):
        make_scrobble(track, utc(2024, 3, day, 20, 15))
    playlist_create(name="Evening", description="Trip-hop and Iceland", track_ids=[roads.pk, joga.pk])
    return owner


@pytest.fixture
def api_schema(fuzz_library):
    """The published schema as a logged-in owner fetches it (the spec needs a session), its
    operations called in-process through the WSGI app.

    Not `schemathesis.openapi.from_wsgi`: its werkzeug client drops a `Cookie` header, so it
    cannot log in; the cases themselves carry the bearer token and need no cookie.
    """
    browser = Client()
    browser.force_login(fuzz_library)
    response = browser.get(SCHEMA_PATH)
    assert response.status_code == 200, response.status_code
    schema = schemathesis.openapi.from_dict(response.json())
    schema.app, schema.location = application, SCHEMA_PATH  # what from_wsgi sets
    # As Django's test Client does: the WSGI handler must not close the test's database connection
    # after each request (on PostgreSQL that connection holds the test's transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schema
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize(("method", "path"), _params())
def test_api_operation_survives_generated_requests(method, path, api_schema, fuzz_library, fake_services):
    _token, raw = ApiToken.issue(user=fuzz_library, name="schemathesis")
    headers = {"Authorization": f"Bearer {raw}"}
    operation = api_schema[path][method]
    started, examples, failures = time.monotonic(), 0, []

    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis_settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,  # the same examples every run: a failure is reproducible, not flaky
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failure is reported as found
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            nonlocal examples
            examples += 1
            response = case.call(headers=headers)
            FIGURES.statuses[response.status_code] += 1
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except FailureGroup as failure:  # noted, and generation goes on
                failures.append(f"{mode.value}: {failure}")

        run()

    FIGURES.operations += 1
    FIGURES.examples += examples
    FIGURES.seconds += time.monotonic() - started
    if failures:
        FIGURES.failures += 1
        FIGURES.failed.append(f"{method} {path}")
    assert not failures, f"{len(failures)} failing request(s) of {examples}; the first:\n{failures[0]}"
