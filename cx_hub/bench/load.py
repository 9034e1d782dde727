"""Write generated rows straight into tables: COPY on PostgreSQL, executemany elsewhere.

Rows are plain tuples in the order of `columns` (database column names): ints, strings (JSON
columns already dumped), bools, aware datetimes and None. Skipping model instances is what makes
a million messages take seconds instead of minutes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import connection
from django.db.models import Model
from django.db.models.fields import NOT_PROVIDED
from django.utils import timezone


def write_rows(model: type[Model], columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert `rows` into `model`'s table in one statement; return how many were written."""
    extra_columns, extra_values = _unlisted_defaults(model, columns)
    if extra_columns:
        columns = (*columns, *extra_columns)
        rows = (row + extra_values for row in rows)
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    if connection.vendor == "postgresql":
        return _copy(table, names, rows)
    return _executemany(table, names, len(columns), rows)


def _unlisted_defaults(model: type[Model], columns: Sequence[str]) -> tuple[list, tuple]:
    """Model defaults for NOT NULL columns the generator does not list.

    Fields added by later migrations then keep the generator working: the database fills
    nullable ones and those with a `db_default`; Python defaults are applied here.
    """
    names, values = [], []
    for field in model._meta.concrete_fields:
        if field.column in columns or field.primary_key or field.null:
            continue
        if field.db_default is not NOT_PROVIDED:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = timezone.now()
        else:
            value = field.get_default()
        names.append(field.column)
        values.append(json.dumps(value) if isinstance(value, dict | list) else value)
    return names, tuple(values)


def _copy(table: str, names: str, rows: Iterable[tuple]) -> int:
    buffer = io.StringIO()
    # QUOTE_STRINGS quotes every str (so "" stays an empty string) and leaves None unquoted
    # and empty, which COPY's CSV format reads as NULL.
    writer = csv.writer(buffer, quoting=csv.QUOTE_STRINGS, lineterminator="\n")
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv)", buffer)
    return count


def _executemany(table: str, names: str, width: int, rows: Iterable[tuple]) -> int:
    adapt = connection.ops.adapt_datetimefield_value
    prepared = [
        tuple(adapt(v) if isinstance(v, datetime) else v for v in row) for row in rows
    ]
    placeholders = ", ".join(["%s"] * width)
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", prepared)
    return len(prepared)
