from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("interactions", "0012_inbound_event_claims"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="thread",
            index=models.Index(
                models.OrderBy(models.F("last_activity_at"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                name="thread_activity_idx",
            ),
        ),
    ]
