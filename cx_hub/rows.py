"""One-row INSERT and UPDATE written out, for the statements that run once per message.

The ORM compiles its SQL on every call, and for a one-row write the compiling costs more CPU
than the database spends running the statement (the bench's `ingest_throughput`). These build
the same SQL from the model's fields and prepare values the way `save()` does (`pre_save`, so
`auto_now` and defaults apply; `get_db_prep_save`, so JSON and times are adapted), on
PostgreSQL and SQLite alike.

No model signals are sent: use them only for models whose saves nothing listens to.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from django.db import connection
from django.db.models import Field, Model
from django.db.models.expressions import DatabaseDefault


@cache
def _insert_fields(model: type[Model]) -> tuple[Field, ...]:
    return tuple(f for f in model._meta.concrete_fields if not f.primary_key)


def insert(instance: Model, *, skip_duplicate_of: Sequence[str] = ()) -> bool:
    """INSERT `instance` and set its primary key from RETURNING; True when a row was written.

    With `skip_duplicate_of` (the columns of a unique constraint), a row that would break that
    constraint is left out (ON CONFLICT … DO NOTHING) and False is returned.
    """
    quote = connection.ops.quote_name
    columns, values = [], []
    for field in _insert_fields(type(instance)):
        value = field.pre_save(instance, add=True)
        if isinstance(value, DatabaseDefault):
            continue  # the column's DEFAULT applies, as with save()
        columns.append(quote(field.column))
        values.append(field.get_db_prep_save(value, connection))
    sql = (
        f"INSERT INTO {quote(instance._meta.db_table)} ({', '.join(columns)}) "
        f"VALUES ({', '.join(['%s'] * len(values))})"
    )
    if skip_duplicate_of:
        sql += f" ON CONFLICT ({', '.join(quote(c) for c in skip_duplicate_of)}) DO NOTHING"
    sql += f" RETURNING {quote(instance._meta.pk.column)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    instance.pk = row[0]
    instance._state.adding = False
    instance._state.db = connection.alias
    return True


def update(model: type[Model], pk, **changes) -> int:
    """UPDATE the row `pk` of `model` with `changes` (field name: value); rows updated."""
    quote = connection.ops.quote_name
    assignments, values = [], []
    for name, value in changes.items():
        field = model._meta.get_field(name)
        assignments.append(f"{quote(field.column)} = %s")
        values.append(field.get_db_prep_save(value, connection))
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET {', '.join(assignments)} "
        f"WHERE {quote(model._meta.pk.column)} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, pk])
        return cursor.rowcount
