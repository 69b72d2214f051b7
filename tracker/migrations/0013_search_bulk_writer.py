"""SQLite: the search indexes' insert triggers (0011) stand aside while a bulk writer holds the
`search_bulk_writer` flag; it then indexes its rows in one INSERT … SELECT per index
(tracker.services.search_index), about ten times faster than FTS5 takes them a trigger per row.
PostgreSQL's GIN indexes need nothing of the kind."""

from django.db import migrations

FLAG = "search_bulk_writer"
INDEXES = (("catalog_album", "search_album"), ("catalog_track", "search_track"))


def _triggers(when: str) -> list[str]:
    statements = []
    for table, index in INDEXES:
        for suffix in ("trigram", "word"):
            name = f"{index}_{suffix}"
            statements += [
                f"DROP TRIGGER IF EXISTS {name}_insert",
                f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} {when}BEGIN "
                f"INSERT INTO {name}(rowid, title_key) VALUES (new.id, new.title_key); END",
            ]
    return statements


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"CREATE TABLE IF NOT EXISTS {FLAG} (id integer PRIMARY KEY)")
        for statement in _triggers(f"WHEN NOT EXISTS (SELECT 1 FROM {FLAG}) "):
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in _triggers(""):
            schema_editor.execute(statement)
        schema_editor.execute(f"DROP TABLE IF EXISTS {FLAG}")


class Migration(migrations.Migration):
    dependencies = [("tracker", "0012_habit_days")]
    operations = [migrations.RunPython(forward, backward)]
