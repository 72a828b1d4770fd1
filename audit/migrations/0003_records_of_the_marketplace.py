from django.conf import settings
from django.db import migrations

# The marketplace's records join the audit tables: agency and qualification reviews, posting
# moves, every version of a quote and every published selection result. The application's
# role may add rows, never change or remove them (the tables already carry the triggers).
AUDIT_MODELS = [
    "marketplace.AgencyTransition",
    "marketplace.PostingTransition",
    "marketplace.QuoteRevision",
    "marketplace.SelectionResult",
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
        ("audit", "0002_records_of_complaints_and_supervision"),
        ("marketplace", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(revoke_audit_writes, migrations.RunPython.noop, elidable=False),
    ]
