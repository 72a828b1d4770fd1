from django.conf import settings
from django.db import migrations

# The pension certification's campaign and task records join the audit tables: the
# application's role may add rows, never change or remove them.
AUDIT_MODELS = [
    "benefits.CampaignTransition",
    "benefits.TaskTransition",
]


def revoke_audit_writes(apps, schema_editor):
    from audit.grants import audit_writes_revoke

    audit_writes_revoke(
        connection=schema_editor.connection,
        role=settings.DATABASE_APP_ROLE,
        tables=[apps.get_model(label)._meta.db_table for label in AUDIT_MODELS],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_records_of_the_marketplace"),
        ("benefits", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(revoke_audit_writes, migrations.RunPython.noop, elidable=False),
    ]
