from django.db import migrations, models

from audit.grants import audit_writes_revoke_operation

# Every audit table so far: the change history of tracked models and the access logs.
# A migration that adds an audit table revokes the same on it (audit/tests/test_append_only.py
# fails when an audit table is missing from every such list).
AUDIT_MODELS = [
    "applications.ApplicationEvent",
    "applications.Transition",
    "applications.AccessAttempt",
    "certificates.CertificateEvent",
    "identity.UserEvent",
    "identity.PersonalDataAccess",
    "payments.PaymentOrderEvent",
    "services.ServiceItemEvent",
    "services.ServiceItemVersionEvent",
]


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("applications", "0007_audit_history_and_access_ip"),
        ("certificates", "0002_audit_history"),
        ("identity", "0009_audit_history_and_reveal_ip"),
        ("payments", "0006_audit_history"),
        ("services", "0006_audit_history"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditExport",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
            ],
            options={
                "verbose_name": "审计记录导出",
                "verbose_name_plural": "审计记录导出",
                "permissions": [("export_audit_records", "可导出审计记录")],
                "managed": False,
                "default_permissions": (),
            },
        ),
        # The application's role may add audit rows, never change or remove them.
        audit_writes_revoke_operation(AUDIT_MODELS),
    ]
