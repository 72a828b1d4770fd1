from django.db import migrations

from audit.grants import audit_writes_revoke_operation

# The records of evaluations' follow-ups, inquiries and supervision cards join the audit
# tables: the application's role may add rows, never change or remove them.
AUDIT_MODELS = [
    "complaints.FollowUpCallback",
    "complaints.FollowUpTransition",
    "complaints.InquiryTransition",
    "supervision.CardTransition",
]


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("complaints", "0003_records_append_only"),
        ("supervision", "0002_records_append_only"),
    ]

    operations = [
        audit_writes_revoke_operation(AUDIT_MODELS),
    ]
