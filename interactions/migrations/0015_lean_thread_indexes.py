"""Drop the thread's single-column foreign-key indexes that a composite index already leads.

On SQLite, Django alters these fields by rebuilding the tables, which drops the triggers that
keep the messages' FTS5 index current (0005_search_indexes): they are put back at the end.
"""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

search_indexes = importlib.import_module("interactions.migrations.0005_search_indexes")


def restore_sqlite_search(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in search_indexes.SQLITE_FTS:  # IF NOT EXISTS, then a rebuild
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_organization_settings"),
        ("interactions", "0014_sla_pause"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="thread",
            name="thread_snooze_idx",
        ),
        migrations.AlterField(
            model_name="message",
            name="thread",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="messages",
                to="interactions.thread",
            ),
        ),
        migrations.AlterField(
            model_name="thread",
            name="assignee",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="assigned_threads",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="thread",
            name="channel",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="threads",
                to="interactions.channel",
            ),
        ),
        migrations.AlterField(
            model_name="thread",
            name="contact",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="threads",
                to="interactions.contact",
            ),
        ),
        migrations.AlterField(
            model_name="thread",
            name="team",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="threads",
                to="accounts.team",
            ),
        ),
        migrations.AddIndex(
            model_name="thread",
            index=models.Index(
                condition=models.Q(("status", "snoozed")),
                fields=["snoozed_until"],
                name="thread_snooze_idx",
            ),
        ),
        migrations.RunPython(restore_sqlite_search, migrations.RunPython.noop),
    ]
