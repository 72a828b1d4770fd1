"""Database privileges on audit tables.

The application connects as its own role (``DATABASE_APP_ROLE``), which must not own the
tables. Audit migrations call :func:`audit_writes_revoke` for each audit table they add,
so that role can insert and read audit rows but never update, delete or truncate them.
The append-only triggers (audit/triggers.py) refuse the same for every role.
"""

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import migrations


def audit_writes_revoke(*, connection, role: str, tables: Iterable[str]) -> None:
    """Revoke UPDATE, DELETE and TRUNCATE on ``tables`` from ``role``, then check that the role
    (directly, through a role it belongs to, or through PUBLIC) holds none of them.

    Does nothing without a role, or on a database other than PostgreSQL (the embedded SQLite).

    :raises ImproperlyConfigured: the role does not exist, owns a table (or is a member of its
        owner), or still holds a privilege (inherited from a role this cannot revoke it from).
    """
    if not role or connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            raise ImproperlyConfigured(f"DATABASE_APP_ROLE {role!r} does not exist in this database.")
        for table in tables:
            # An owner may grant itself the privileges back and drop the triggers: refuse it.
            cursor.execute(
                "SELECT pg_has_role(%s, tableowner, 'USAGE') FROM pg_tables WHERE schemaname = current_schema() "
                "AND tablename = %s",
                [role, table],
            )
            if cursor.fetchone()[0]:
                raise ImproperlyConfigured(
                    f"DATABASE_APP_ROLE {role!r} owns audit table {table} (or acts as its owner): "
                    "run migrations as a separate owner role (see docs/audit.md)."
                )
            cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {quote(table)} FROM {quote(role)}")
            cursor.execute("SELECT has_table_privilege(%s, %s, 'UPDATE, DELETE, TRUNCATE')", [role, quote(table)])
            if cursor.fetchone()[0]:
                raise ImproperlyConfigured(
                    f"DATABASE_APP_ROLE {role!r} may still change audit table {table}: it owns the "
                    "table or inherits the privilege from another role (see docs/audit.md)."
                )


def audit_writes_revoke_operation(labels: Iterable[str]) -> migrations.RunPython:
    """The operation an audit migration runs for the audit tables it adds (``app.Model``
    labels): :func:`audit_writes_revoke` on their tables, from ``DATABASE_APP_ROLE``."""
    labels = list(labels)

    def revoke(apps, schema_editor):
        audit_writes_revoke(
            connection=schema_editor.connection,
            role=settings.DATABASE_APP_ROLE,
            tables=[apps.get_model(label)._meta.db_table for label in labels],
        )

    return migrations.RunPython(revoke, migrations.RunPython.noop, elidable=False)
