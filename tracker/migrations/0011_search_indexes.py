"""Search indexes over the catalog's matching keys (tracker.selectors.search).

SQLite: for albums and tracks, two FTS5 tables over `title_key` with the catalog table as their
content — `trigram` for substrings of three characters or more, `unicode61` with a prefix index
for the beginnings of words (one or two characters, CJK runs included) — kept current by
triggers, so every writer (ORM, raw bulk inserts, merges, deletes) moves them in its own
transaction. PostgreSQL: pg_trgm GIN indexes for substrings and a GIN `simple` text-search index
for word beginnings; an index follows its table by itself. Both: a B-tree on `title_key` for
exact matches. Artists and labels are small enough (thousands) to be scanned.
"""

from django.db import migrations

TABLES = (("catalog_album", "search_album"), ("catalog_track", "search_track"))


def _sqlite_statements() -> list[str]:
    statements = []
    for table, index in TABLES:
        for suffix, tokenize in (("trigram", "trigram"), ("word", "unicode61 remove_diacritics 2")):
            name = f"{index}_{suffix}"
            prefix = ", prefix='1 2'" if suffix == "word" else ""
            statements += [
                f"CREATE VIRTUAL TABLE {name} USING fts5(title_key, content='{table}', content_rowid='id', "
                f"tokenize='{tokenize}', detail='none'{prefix})",
                f"INSERT INTO {name}({name}) VALUES ('rebuild')",
                f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} BEGIN "
                f"INSERT INTO {name}(rowid, title_key) VALUES (new.id, new.title_key); END",
                f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} BEGIN "
                f"INSERT INTO {name}({name}, rowid, title_key) VALUES ('delete', old.id, old.title_key); END",
                f"CREATE TRIGGER {name}_update AFTER UPDATE OF title_key ON {table} BEGIN "
                f"INSERT INTO {name}({name}, rowid, title_key) VALUES ('delete', old.id, old.title_key); "
                f"INSERT INTO {name}(rowid, title_key) VALUES (new.id, new.title_key); END",
            ]
        statements.append(f"CREATE INDEX IF NOT EXISTS {index}_key ON {table} (title_key)")
    return statements


def _postgresql_statements() -> list[str]:
    statements = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"]
    for table, index in TABLES:
        statements += [
            f"CREATE INDEX IF NOT EXISTS {index}_trigram ON {table} USING gin (title_key gin_trgm_ops)",
            f"CREATE INDEX IF NOT EXISTS {index}_word ON {table} USING gin (to_tsvector('simple', title_key))",
            f"CREATE INDEX IF NOT EXISTS {index}_key ON {table} (title_key)",
        ]
    return statements


def _drop_statements(vendor: str) -> list[str]:
    statements = []
    for table, index in TABLES:
        statements.append(f"DROP INDEX IF EXISTS {index}_key")
        if vendor == "sqlite":
            statements += [f"DROP TABLE IF EXISTS {index}_{suffix}" for suffix in ("trigram", "word")]
            statements += [f"DROP TRIGGER IF EXISTS {index}_{suffix}_{event}" for suffix in ("trigram", "word")
                           for event in ("insert", "delete", "update")]
        else:
            statements += [f"DROP INDEX IF EXISTS {index}_{suffix}" for suffix in ("trigram", "word")]
    return statements


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = _sqlite_statements() if vendor == "sqlite" else _postgresql_statements()
    for statement in statements:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    for statement in _drop_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_drop_redundant_indexes"),
        ("tracker", "0010_turntable_sessions"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
