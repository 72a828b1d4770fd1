# ruff: noqa: S608  (the SQL is built from our own table names and ids: raw SQL is what these tests try)
"""Audit rows can be added, never changed, and never removed before the retention minimum:
the triggers refuse every role (a superuser too), and the application's role lacks the privileges."""

import importlib
import pkgutil
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

import audit.migrations
from applications.constants import Role, Status
from applications.models import AccessAttempt, ApplicationEvent, Transition
from applications.tests import factories as case_factories
from audit.grants import audit_writes_revoke
from audit.registry import audit_sources
from identity.models import PersonalDataAccess, UserEvent
from identity.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

APP_ROLE = "tongban_audit_app_test"


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _refused(sql: str, params=()) -> DatabaseError:
    with pytest.raises(DatabaseError) as refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    return refused.value


@pytest.fixture
def case():
    item = case_factories.published_item(department_code="ga", code="GA-001")
    return case_factories.submitted_application(applicant=case_factories.resident(), item=item)


@pytest.fixture
def audit_rows(case):
    """One fresh row in each kind of audit table, as ``(model, pk)``."""
    official = UserFactory(official=True)
    transition = case.transitions.get()
    attempt = AccessAttempt.objects.create(user=official, case_number=case.case_number)
    reveal = PersonalDataAccess.objects.create(
        official=official, subject_type="identity.user", subject_id="1", field="id_number", reason="核对身份"
    )
    return [
        (ApplicationEvent, ApplicationEvent.objects.filter(pgh_obj=case).latest("pgh_id").pk),
        (UserEvent, UserEvent.objects.filter(pgh_obj=official).latest("pgh_id").pk),
        (Transition, transition.pk),
        (AccessAttempt, attempt.pk),
        (PersonalDataAccess, reveal.pk),
    ]


def test_no_audit_row_can_be_updated_or_deleted_even_by_a_superuser(audit_rows):
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone()[0]  # the test database's owner: above every privilege

    for model, pk in audit_rows:
        pk_column = model._meta.pk.column
        updated = _refused(f"UPDATE {_table(model)} SET {pk_column} = {pk_column} WHERE {pk_column} = %s", [pk])
        assert "Cannot update rows" in str(updated)
        deleted = _refused(f"DELETE FROM {_table(model)} WHERE {pk_column} = %s", [pk])
        assert "Cannot delete rows" in str(deleted)
        assert model.objects.filter(pk=pk).exists()


def test_the_orm_cannot_change_an_access_record_either(case):
    transition = case.transitions.get()
    transition.comment = "改写的意见"
    with pytest.raises(DatabaseError), transaction.atomic():
        transition.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        Transition.objects.filter(pk=transition.pk).delete()


def test_rows_past_the_retention_minimum_may_be_deleted_by_the_retention_job(case):
    old = Transition.objects.create(
        application=case,
        from_status=Status.SUBMITTED,
        to_status=Status.ACCEPTED,
        role=Role.SYSTEM,
        created_at=timezone.now() - timedelta(days=181),
    )
    young = Transition.objects.create(
        application=case,
        from_status=Status.SUBMITTED,
        to_status=Status.ACCEPTED,
        role=Role.SYSTEM,
        created_at=timezone.now() - timedelta(days=179),
    )
    assert Transition.objects.filter(pk=old.pk).delete()[0] == 1
    with pytest.raises(DatabaseError), transaction.atomic():
        Transition.objects.filter(pk=young.pk).delete()


@pytest.fixture
def app_role(db):
    """A stand-in for the production application role: every privilege on every table, as a
    role that does not own them, then the audit migration's revocation. Rolled back with the test."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {APP_ROLE} NOLOGIN")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
        cursor.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    audit_writes_revoke(
        connection=connection, role=APP_ROLE, tables=[source.model._meta.db_table for source in audit_sources()]
    )
    return APP_ROLE


def _as_app_role(sql: str, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {APP_ROLE}")
        cursor.execute(sql, params)
        return cursor.rowcount


def test_the_app_role_may_add_audit_rows_but_not_update_delete_or_truncate_them(app_role, case):
    old = Transition.objects.create(
        application=case,
        from_status=Status.SUBMITTED,
        to_status=Status.ACCEPTED,
        role=Role.SYSTEM,
        created_at=timezone.now() - timedelta(days=400),
    )
    table = _table(Transition)

    inserted = _as_app_role(
        f"INSERT INTO {table} (application_id, from_status, to_status, role, comment, created_at) "
        "VALUES (%s, 'submitted', 'accepted', 'system', '', now())",
        [case.pk],
    )
    assert inserted == 1
    for sql in (
        f"UPDATE {table} SET comment = 'x' WHERE id = {old.pk}",
        # Old enough for the trigger to allow it: the missing privilege refuses it.
        f"DELETE FROM {table} WHERE id = {old.pk}",
        f"TRUNCATE {table} CASCADE",
    ):
        refused = _refused(f"SET LOCAL ROLE {APP_ROLE}; {sql}")
        assert "permission denied" in str(refused)
    for source in audit_sources():
        refused = _refused(f"SET LOCAL ROLE {APP_ROLE}; DELETE FROM {_table(source.model)}")
        assert "permission denied" in str(refused), source.label
    # What is no audit table stays the app's to change.
    assert _as_app_role("UPDATE applications_application SET flagged = '' WHERE id = %s", [case.pk]) == 1


def test_revoking_from_a_role_that_does_not_exist_fails_loudly():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="does not exist"):
        audit_writes_revoke(connection=connection, role="no_such_role_here", tables=["applications_transition"])


def test_revoking_from_the_owner_of_the_tables_fails_loudly():
    from django.core.exceptions import ImproperlyConfigured

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
    with pytest.raises(ImproperlyConfigured, match="owns audit table"):
        audit_writes_revoke(connection=connection, role=owner, tables=["applications_transition"])


def test_every_audit_table_is_in_a_revoking_migration_and_has_its_triggers():
    """A new audit table needs an audit migration that lists it in ``AUDIT_MODELS`` and revokes."""
    listed = set()
    for module in pkgutil.iter_modules(audit.migrations.__path__):
        listed |= set(getattr(importlib.import_module(f"audit.migrations.{module.name}"), "AUDIT_MODELS", ()))
    assert listed == {source.label for source in audit_sources()}
    with connection.cursor() as cursor:
        for source in audit_sources():
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [source.model._meta.db_table],
            )
            names = {row[0] for row in cursor.fetchall()}
            assert any(name.startswith("pgtrigger_audit_no_update_") for name in names), source.label
            assert any(name.startswith("pgtrigger_audit_keep_minimum_") for name in names), source.label
