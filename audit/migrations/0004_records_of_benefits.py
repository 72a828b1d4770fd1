from django.db import migrations

from audit.grants import audit_writes_revoke_operation

# The pension certification's campaign and task records join the audit tables: the
# application's role may add rows, never change or remove them.
AUDIT_MODELS = [
    "benefits.CampaignTransition",
    "benefits.TaskTransition",
]


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_records_of_the_marketplace"),
        ("benefits", "0001_initial"),
    ]

    operations = [
        audit_writes_revoke_operation(AUDIT_MODELS),
    ]
