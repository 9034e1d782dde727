"""The bench runs in its own database, next to the configured one and never in it.

PostgreSQL: `<name>_bench`, created through the `postgres` maintenance database when missing.
SQLite: `<stem>_bench.sqlite3` beside the configured file. Either way the `default` connection
is re-pointed and migrated the way Django's test runner does it, so the ORM, the test `Client`
and raw cursors all reach the bench database afterwards.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

SUFFIX = "_bench"
# Outside Django's models on purpose: `flush` leaves it alone, so a wipe cannot fake a marker.
META_TABLE = "cx_bench_meta"


def bench_database_name(connection: BaseDatabaseWrapper) -> str:
    """The bench database that belongs to `connection`'s configured database."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite":
        if name == ":memory:" or name.startswith("file:"):
            raise ValueError("The bench needs a SQLite file, not an in-memory database.")
        path = Path(name)
        return str(path.with_name(f"{path.stem}{SUFFIX}.sqlite3"))
    if connection.vendor == "postgresql":
        return f"{name}{SUFFIX}"
    raise ValueError(f"The bench supports PostgreSQL and SQLite, not {connection.vendor}.")


def use_bench_database(alias: str = DEFAULT_DB_ALIAS, *, verbosity: int = 0) -> str:
    """Point `alias` at its bench database, creating and migrating it; return the bench name."""
    connection = connections[alias]
    name = bench_database_name(connection)
    connection.close()
    if connection.vendor == "postgresql":
        _create_postgres_database(connection, name)
    settings.DATABASES[alias]["NAME"] = name
    connection.settings_dict["NAME"] = name
    connection.close()
    call_command("migrate", database=alias, interactive=False, verbosity=verbosity)
    _create_meta_table(connection)
    return name


def _create_postgres_database(connection: BaseDatabaseWrapper, name: str) -> None:
    # `_nodb_cursor` is how Django's test runner reaches the maintenance database.
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")


def _create_meta_table(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {META_TABLE} "
            "(key varchar(64) PRIMARY KEY, value text NOT NULL)"
        )


def read_marker(alias: str = DEFAULT_DB_ALIAS) -> dict | None:
    """What the last completed generation recorded (scale, counts…), or None."""
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT value FROM {META_TABLE} WHERE key = %s", ["dataset"])
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def write_marker(marker: dict | None, alias: str = DEFAULT_DB_ALIAS) -> None:
    """Record a completed data set; None clears it (done before a wipe, so a crash never lies)."""
    with connections[alias].cursor() as cursor:
        cursor.execute(f"DELETE FROM {META_TABLE} WHERE key = %s", ["dataset"])
        if marker is not None:
            cursor.execute(
                f"INSERT INTO {META_TABLE} (key, value) VALUES (%s, %s)",
                ["dataset", json.dumps(marker)],
            )
