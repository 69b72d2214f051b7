"""What the benchmarks share: a throw-away database to measure in."""

import os
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit


@contextmanager
def scratch_database(url: str, *, label: str):
    """A new, empty PostgreSQL database on the server of `url`, dropped on the way out.

    With no `url`, yields "" (the benchmark then uses SQLite in a temporary data folder).
    """
    if not url:
        yield ""
        return
    import psycopg

    name = f"journal_bench_{label}_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
