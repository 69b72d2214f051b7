"""Database upkeep the app does on its own, so a deployment never needs a DBA."""

from django.db import connection

from core.services.data_changes import data_changes_prune

# Rows sampled per index, as SQLite's `PRAGMA optimize` does: statistics good enough for the
# planner in milliseconds, where a full ANALYZE of a million plays takes seconds.
ANALYSIS_LIMIT = 1000


def database_optimize() -> str:
    """Give SQLite's planner current statistics (daily, and after a bulk import).

    SQLite recommends `PRAGMA optimize`; before 3.46 it only looks at the tables the running
    connection has used, which on a fresh worker connection is none, so every table is analysed
    here under the same sampling limit, then `PRAGMA optimize` does the rest. PostgreSQL's
    autovacuum keeps its own statistics. The data changes' log is pruned to its newest row.
    """
    data_changes_prune()
    if connection.vendor != "sqlite":
        return f"{connection.vendor} keeps its own statistics"
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
        cursor.execute("ANALYZE")
        cursor.execute("PRAGMA optimize")
    return "SQLite statistics refreshed"
