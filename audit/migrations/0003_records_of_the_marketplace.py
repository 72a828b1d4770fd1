from django.db import migrations

from audit.grants import audit_writes_revoke_operation

# The marketplace's records join the audit tables: agency and qualification reviews, posting
# moves, every version of a quote and every published selection result. The application's
# role may add rows, never change or remove them (the tables already carry the triggers).
AUDIT_MODELS = [
    "marketplace.AgencyTransition",
    "marketplace.PostingTransition",
    "marketplace.QuoteRevision",
    "marketplace.SelectionResult",
]


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_records_of_complaints_and_supervision"),
        ("marketplace", "0001_initial"),
    ]

    operations = [
        audit_writes_revoke_operation(AUDIT_MODELS),
    ]
