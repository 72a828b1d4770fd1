"""Seed once per module, start every live-server test from the seeded data.

Live-server tests are transactional: pytest-django truncates every table after each of them, so
data a module shares must be laid down again before each test. Seeding takes seconds (the demo
catalogue about 7 s, ``seed_demo`` about 5 s); copying the seeded rows back takes milliseconds.
``seeded_once(seed)`` runs ``seed`` once per module, keeps every table's rows (PostgreSQL
``COPY``), and puts them back before each test that asks for the fixture, so each test starts
from exactly the data ``seed`` left, as if it had seeded itself.

``seeded_rows(seed)`` does the same for tests in a transaction (``db``): ``seed`` runs once per
test process in a transaction that is rolled back, and each test gets the rows it wrote copied
into its tables (the demo catalogue: 1.3-1.9 s of seeding, 210 tests; copying: under 0.1 s).
"""

from collections.abc import Callable
from functools import cached_property

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

    def changed_since(self, earlier: "DatabaseSnapshot") -> "DatabaseSnapshot":
        """The tables whose rows differ from ``earlier``'s, with this snapshot's rows."""
        return DatabaseSnapshot(
            {table: rows for table, rows in self._tables.items() if earlier._tables.get(table) != rows}
        )

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

    def restore(self, *, empty_first: bool = True) -> None:
        """Empty the tables and put the snapshot's rows back, with each sequence past its highest id.

        ``empty_first=False`` leaves out the emptying, for tables known to be empty already.
        """
        with transaction.atomic(), connection.cursor() as cursor:
            # No triggers while the snapshot goes back: the audit tables' append-only triggers
            # would refuse the DELETE, and the history triggers would record the COPY a second
            # time (the snapshot holds the history rows already). Needs a superuser, which
            # creating the test databases does too. Set back before the block ends: inside a
            # test's own transaction, SET LOCAL would otherwise last for the rest of the test.
            cursor.execute("SET LOCAL session_replication_role = replica")
            try:
                if empty_first:
                    for table in self._tables:
                        # The names are Django's own tables, from introspection, quoted.
                        cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608
                with connection.connection.cursor() as raw:
                    for table, (column_list, rows) in self._tables.items():
                        if rows:
                            statement = f"COPY {connection.ops.quote_name(table)} ({column_list}) FROM STDIN"
                            with raw.copy(statement) as copy:
                                copy.write(rows)
            finally:
                cursor.execute("SET LOCAL session_replication_role = DEFAULT")
            for statement in connection.ops.sequence_reset_sql(no_style(), self._models):
                cursor.execute(statement)

    def are_empty(self) -> bool:
        """Whether the snapshot's tables hold no rows now."""
        tables = [connection.ops.quote_name(table) for table in self._tables]
        if not tables:
            return True
        with connection.cursor() as cursor:
            # The names are Django's own tables, from introspection, quoted.
            cursor.execute("SELECT " + " OR ".join(f"EXISTS (SELECT FROM {table})" for table in tables))  # noqa: S608
            return not cursor.fetchone()[0]

    @cached_property
    def _models(self) -> list:
        # Once per snapshot: seeded_rows restores one snapshot before each of many tests.
        # Only models with a table of their own (not audit.AuditExport, which carries a permission);
        # the sequence reset covers a model's many-to-many tables as well.
        def tables_of(model) -> set[str]:
            through = {field.remote_field.through._meta.db_table for field in model._meta.local_many_to_many}
            return {model._meta.db_table, *through}

        return [model for model in apps.get_models() if model._meta.managed and tables_of(model) & self._tables.keys()]


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


def seeded_rows(seed: Callable[[], None], *, name: str):
    """Two fixtures for tests in a transaction (``db``) or not: ``name`` gives each test the rows
    ``seed`` writes into empty tables, seeded once per test process (``_<name>_rows``).

    ``seed`` runs in a transaction that is rolled back, between two snapshots; the tables whose
    rows it changed are kept, and copied into each test's empty tables (triggers off: the
    snapshot holds the history rows ``seed`` made). A test that already holds rows in one of
    those tables runs ``seed`` itself, as before. ``seed`` must write rows that refer to no row
    it did not write (the demo catalogue refers to nothing else).
    """

    @pytest.fixture(scope="session", name=f"_{name}_rows")
    def rows(django_db_setup, django_db_blocker):
        with django_db_blocker.unblock(), transaction.atomic():
            before = DatabaseSnapshot.take()
            seed()
            written = DatabaseSnapshot.take().changed_since(before)
            transaction.set_rollback(True)
        return written

    @pytest.fixture(name=name)
    def copied(request, db):
        # Inside the test's transaction, if it has one: seeded in a savepoint, rolled back.
        written = request.getfixturevalue(f"_{name}_rows")
        if written.are_empty():
            written.restore(empty_first=False)
        else:
            seed()

    return rows, copied
