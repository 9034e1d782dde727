"""Full-text search indexes: GIN expression indexes on PostgreSQL, FTS5 on SQLite.

Neither is declared in the models' Meta (Django cannot express either for both backends), so
they are created here by hand, each only on its own backend.
"""

from django.db import migrations

PG_INDEXES = [
    ("interactions_message", "message_text_fts", "text"),
    ("interactions_thread", "thread_subject_fts", "subject"),
    ("interactions_contact", "contact_name_fts", "name"),
]

SQLITE_FTS = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS interactions_message_fts USING fts5(
        text, content='interactions_message', content_rowid='id', tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER IF NOT EXISTS interactions_message_fts_ai AFTER INSERT ON interactions_message BEGIN
        INSERT INTO interactions_message_fts(rowid, text) VALUES (new.id, new.text); END""",
    """CREATE TRIGGER IF NOT EXISTS interactions_message_fts_ad AFTER DELETE ON interactions_message BEGIN
        INSERT INTO interactions_message_fts(interactions_message_fts, rowid, text) VALUES ('delete', old.id, old.text); END""",
    """CREATE TRIGGER IF NOT EXISTS interactions_message_fts_au AFTER UPDATE OF text ON interactions_message BEGIN
        INSERT INTO interactions_message_fts(interactions_message_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO interactions_message_fts(rowid, text) VALUES (new.id, new.text); END""",
    "INSERT INTO interactions_message_fts(interactions_message_fts) VALUES ('rebuild')",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table, name, column in PG_INDEXES:
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin '
                f"((to_tsvector('simple'::regconfig, COALESCE(\"{column}\", ''))))"
            )
    elif vendor == "sqlite":
        for statement in SQLITE_FTS:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for _table, name, _column in PG_INDEXES:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    elif vendor == "sqlite":
        for suffix in ("ai", "ad", "au"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS interactions_message_fts_{suffix}")
        schema_editor.execute("DROP TABLE IF EXISTS interactions_message_fts")


class Migration(migrations.Migration):
    dependencies = [("interactions", "0004_poll_cursor")]
    operations = [migrations.RunPython(create, drop)]
