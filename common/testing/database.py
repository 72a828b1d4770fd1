"""Seed once per module, start every live-server test from the seeded data.

Live-server tests are transactional: pytest-django truncates every table after each of them, so
data a module shares must be laid down again before each test. Seeding takes seconds (the demo
catalogue about 7 s, ``seed_demo`` about 5 s); copying the seeded rows back takes milliseconds.
``seeded_once(seed)`` runs ``seed`` once per module, keeps every table's rows (PostgreSQL
``COPY``), and puts them back before each test that asks for the fixture, so each test starts
from exactly the data ``seed`` left, as if it had seeded itself.
"""

from collections.abc import Callable

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction


class DatabaseSnapshot:
    """The rows of every table Django's flush empties, as PostgreSQL ``COPY`` text.

    Generated columns are left out (PostgreSQL computes them again); foreign keys are
    deferrable, so the tables can be refilled in any order inside one transaction.
    """

    def __init__(self, tables: dict[str, tuple[str, bytes]]):
        self._tables = tables

    @classmethod
    def take(cls) -> "DatabaseSnapshot":
        names = connection.introspection.django_table_names(only_existing=True, include_views=False)
        tables = {}
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND is_generated = 'NEVER'"
                " ORDER BY table_name, ordinal_position"
            )
            columns: dict[str, list[str]] = {}
            for table, column in cursor.fetchall():
                columns.setdefault(table, []).append(connection.ops.quote_name(column))
        with connection.connection.cursor() as raw:
            for table in names:
                column_list = ", ".join(columns[table])
                with raw.copy(f"COPY {connection.ops.quote_name(table)} ({column_list}) TO STDOUT") as copy:
                    tables[table] = (column_list, b"".join(bytes(block) for block in copy))
        return cls(tables)

    def restore(self) -> None:
        """Empty the tables and put the snapshot's rows back, with each sequence past its highest id."""
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                # No triggers while the snapshot goes back: the audit tables' append-only triggers
                # would refuse the DELETE, and the history triggers would record the COPY a second
                # time (the snapshot holds the history rows already). Needs a superuser, which
                # creating the test databases does too.
                cursor.execute("SET LOCAL session_replication_role = replica")
                for table in self._tables:
                    # The names are Django's own tables, from introspection, quoted.
                    cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608
            with connection.connection.cursor() as raw:
                for table, (column_list, rows) in self._tables.items():
                    if rows:
                        with raw.copy(f"COPY {connection.ops.quote_name(table)} ({column_list}) FROM STDIN") as copy:
                            copy.write(rows)
            with connection.cursor() as cursor:
                # Only models with a table of their own (not audit.AuditExport, which carries a permission).
                managed = [model for model in apps.get_models() if model._meta.managed]
                for statement in connection.ops.sequence_reset_sql(no_style(), managed):
                    cursor.execute(statement)


def seeded_once(seed: Callable[[], None], *, name: str):
    """Two fixtures for a module of live-server tests: ``name`` gives each test the data ``seed``
    lays down, seeded once for the module (``_<name>_snapshot``).

    Bind both at module level: ``_snapshot, demo_data = seeded_once(seed, name="demo_data")``.
    """

    @pytest.fixture(scope="module", name=f"_{name}_snapshot")
    def snapshot(django_db_setup, django_db_blocker):
        with django_db_blocker.unblock():
            try:
                seed()
            except BaseException:
                # What a failed seed committed must not reach the next module's tests.
                call_command("flush", interactive=False, verbosity=0)
                raise
            yield DatabaseSnapshot.take()

    @pytest.fixture(name=name)
    def restored(request, transactional_db):
        request.getfixturevalue(f"_{name}_snapshot").restore()

    return snapshot, restored
