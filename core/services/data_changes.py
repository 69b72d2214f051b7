"""Database triggers that note every UPDATE and DELETE of the tables the API shows, in DataChange,
so that a conditional read (core.api_caching) sees an edit no count or newest id reveals.

SQLite bumps its one row per changed row: its writers take turns anyway. PostgreSQL adds a row
per statement that changed rows instead: one counter row would be locked by every writing
transaction until its commit, queueing them, and deadlocking two that also lock each other's
rows; inserts never wait on each other. `data_changes_prune` keeps the newest row only.
"""

from django.db import connection

from core.models import DataChange
from core.selectors.data_changes import data_change_latest

TABLE = DataChange._meta.db_table


def data_change_triggers_install(tables: list[str]) -> None:
    """(Re)create the triggers on `tables`; each app names its own."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"""
CREATE OR REPLACE FUNCTION core_data_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM changed_rows) THEN INSERT INTO {TABLE} DEFAULT VALUES; END IF;
  RETURN NULL;
END $$""")
            for table in tables:
                for event in ("UPDATE", "DELETE"):  # a trigger with a transition table has one event
                    name = f"core_changes_{event.lower()}"
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                    cursor.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING OLD TABLE AS "
                                   f"changed_rows FOR EACH STATEMENT EXECUTE FUNCTION core_data_changed()")
            return
        cursor.execute(f"INSERT INTO {TABLE} (id) SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM {TABLE})")
        for table in tables:
            for event in ("UPDATE", "DELETE"):
                name = f"core_changes_{table}_{event.lower()}"
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
                cursor.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN UPDATE {TABLE} SET id = id + 1 "
                               f"WHERE id = (SELECT max(id) FROM {TABLE}); END")


def data_changes_prune() -> int:
    """Drop every row but the newest (PostgreSQL gathers one per changing statement)."""
    latest = data_change_latest()
    return DataChange.objects.filter(id__lt=latest).delete()[0]
