"""Querysets compiled once per process and then run with other values: the hot pages' reads.

Building a queryset and compiling it to SQL costs Django 1.5-5 ms of Python per request for
the joined, filtered reads of 我的办件 and search, often more than PostgreSQL takes to answer
them. Their SQL text never changes between requests; only the values in it do (who is signed
in, what was searched). A :class:`PreparedQueries` builds the queryset once per *shape* (the
parts that change the SQL text: the page's offset, which filters are used) with
:class:`Placeholders` where the per-request values go, compiles it, and from then on fills in
the values and turns the rows into model instances the way Django's ``ModelIterable`` does.

With ``server_prepared=True`` the statement is also prepared by PostgreSQL, once per pooled
connection, and each run binds its values to it: PostgreSQL then skips parsing and, once its
generic plan proves as cheap as the plans made for the values (after five runs), planning. The
SQL of 我的办件's page took 0.52 ms to plan and 0.22 ms to run at a million applications. Keep it
to reads whose best plan does not depend on the values (a user's own rows, not a search term),
and to SQL whose every value PostgreSQL can type from where it stands (server-side binding sends
the values apart from the text). ``DATABASE_PREPARED_STATEMENTS=false`` turns it off for
poolers that cannot keep prepared statements (PgBouncer in transaction mode before 1.21).

Queries still go through Django's cursor, so query counting, the N+1 detector and
``CaptureQueriesContext`` see them, and each run goes to the database the routers choose for it
then (a catalogue read in a GET request to a replica, the same read in a write's request to the
primary), not to the one the query happened to be compiled for.
"""

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import Count, Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators


class _TextPlaceholder(str):
    """A text value's place: compiled as itself, then found among the query's parameters by type."""

    def __new__(cls, name: str):
        placeholder = super().__new__(cls, name)
        placeholder.placeholder_name = name
        return placeholder


class _TextListPlaceholder(list):
    """A list value's place (``= ANY(%s)``, ``&& %s::text[]``)."""

    def __init__(self, name: str):
        super().__init__([name])
        self.placeholder_name = name


# Integer placeholders are values no query holds as a constant of its own (ids are positive; a
# sentinel is below -2**62), found among the parameters by value; an integer's type does not
# survive the fields' get_prep_value (int(value)).
_SENTINELS = itertools.count(-(2**62), -1)


class Placeholders:
    """The placeholders of one compilation, handed to a :class:`PreparedQueries` builder.

    Each placeholder must reach the compiled parameters unchanged: a lookup that rewrites its
    value (``icontains`` adds ``%``, ``Lower()`` wraps it) would compile the placeholder's own
    text as a constant, so :class:`PreparedQuery` refuses a compilation in which any
    placeholder went missing.
    """

    def __init__(self):
        self.names: set[str] = set()
        self.integers: dict[int, str] = {}

    def text(self, name: str) -> str:
        self.names.add(name)
        return _TextPlaceholder(name)

    def text_list(self, name: str) -> list[str]:
        self.names.add(name)
        return _TextListPlaceholder(name)

    def integer(self, name: str) -> int:
        self.names.add(name)
        value = next(_SENTINELS)
        self.integers[value] = name
        return value

    def instance(self, model: type[Model], name: str) -> Model:
        """An unsaved ``model`` whose primary key is an integer placeholder: for filters such as
        ``Q(applicant=user)``. Run the query with ``name=<the instance's pk>``."""
        return model(pk=self.integer(name))

    def name_of(self, param: Any) -> str | None:
        if isinstance(param, _TextPlaceholder | _TextListPlaceholder):
            return param.placeholder_name
        if type(param) is int:
            return self.integers.get(param)
        return None


@dataclass(frozen=True)
class CompiledRead:
    """A read whose SQL is written around what Django compiles (a common table expression, which
    the ORM cannot write): ``queryset`` names the columns and the instances made of them, and
    ``sql`` with ``params`` is what runs, returning those columns in that order. A
    :class:`PreparedQueries` builder may return one in place of a queryset."""

    queryset: QuerySet
    sql: str
    params: tuple


class PreparedQuery:
    """One compiled queryset over a model (no ``values()``, ``values_list()`` or ``iterator()``):
    :meth:`run` gives the same instances, deferred fields, ``select_related`` objects and
    annotations as iterating the queryset would. Given a :class:`CompiledRead`, its SQL runs
    and its queryset makes the instances."""

    def __init__(self, read: "QuerySet | CompiledRead", placeholders: Placeholders, *, server_prepared: bool = False):
        queryset = read.queryset if isinstance(read, CompiledRead) else read
        if queryset._iterable_class is not ModelIterable or queryset._prefetch_related_lookups:
            raise TypeError("PreparedQuery runs model querysets without prefetch_related")
        # An alias the queryset was bound to (using()); otherwise each run asks the routers.
        self.bound_alias = queryset._db
        self.server_prepared = server_prepared
        self.compiler = queryset.query.get_compiler(using=queryset.db)
        # Compiled even for a CompiledRead: compiling fills in the columns that make the instances.
        self.sql, params = self.compiler.as_sql()
        if isinstance(read, CompiledRead):
            self.sql, params = read.sql, read.params
        self.slots = _parameter_slots(params, placeholders)
        klass_info, select = self.compiler.klass_info, self.compiler.select
        fields = klass_info["select_fields"]
        self.model = klass_info["model"]
        self.model_columns = slice(fields[0], fields[-1] + 1)
        self.init_list = [column[0].target.attname for column in select[self.model_columns]]
        self.annotation_col_map = self.compiler.annotation_col_map
        self._related_populators: dict[str, list] = {}  # per alias: they record where rows came from

    def run(self, **values) -> list:
        params = _parameters(self.slots, values)
        alias = self.bound_alias or router.db_for_read(self.model)
        with _cursor(alias, server_prepared=self.server_prepared) as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        populators = self._related_populators.get(alias)
        if populators is None:
            klass_info, select = self.compiler.klass_info, self.compiler.select
            populators = self._related_populators[alias] = get_related_populators(klass_info, select, alias)
        instances = []
        for row in self.compiler.results_iter([rows]):
            instance = self.model.from_db(alias, self.init_list, row[self.model_columns])
            for populator in populators:
                populator.populate(row, instance)
            for name, position in self.annotation_col_map.items():
                setattr(instance, name, row[position])
            instances.append(instance)
        return instances


def _cursor(alias: str, *, server_prepared: bool):
    connection = connections[alias]
    if not server_prepared or connection.vendor != "postgresql":
        return connection.cursor()
    # Django's own cursor (the steps of BaseDatabaseWrapper._cursor, whose create_cursor() has no
    # say in the cursor's class) over a psycopg cursor that binds values server-side and asks for
    # every statement to be prepared. psycopg prepares nothing when the connection's
    # prepare_threshold is None (Django's default, and ours with DATABASE_PREPARED_STATEMENTS=false);
    # the statement then simply runs unprepared.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        return connection._prepare_cursor(_preparing_cursor_class()(connection.connection))


@functools.cache
def _preparing_cursor_class() -> type:
    # Imported on first use: the PostgreSQL backend module needs psycopg, which SQLite never uses.
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

        def _send_query_prepared(self, name, pgq, *, binary=None):
            # psycopg records the statement it sends (cursor._query, which Django's query log
            # reads) only when it runs one unprepared: without this the log held None.
            self._query = pgq
            return super()._send_query_prepared(name, pgq, binary=binary)

    return PreparingCursor


def _parameter_slots(params, placeholders: Placeholders) -> list[tuple[str | None, Any]]:
    # Each parameter: the name of the value it stands for, or a constant of the query.
    slots = [(placeholders.name_of(param), param) for param in params]
    missing = placeholders.names - {name for name, _value in slots if name is not None}
    if missing:
        raise ValueError(f"placeholders changed on their way into the SQL: {sorted(missing)}")
    return slots


def _parameters(slots: list[tuple[str | None, Any]], values: dict) -> list:
    return [value if name is None else values[name] for name, value in slots]


class PreparedCount:
    """``COUNT(*)`` of a filtered queryset's rows (no slicing, ``distinct()``, annotations or
    ``values()``), compiled once: :meth:`run` answers what ``queryset.count()`` would."""

    def __init__(self, queryset: QuerySet, placeholders: Placeholders, *, server_prepared: bool = False):
        query = queryset.query
        if (
            queryset._iterable_class is not ModelIterable
            or query.is_sliced
            or query.distinct
            or query.annotations
            or query.combinator
        ):
            raise TypeError("PreparedCount counts plain filtered querysets")
        # What Query.get_aggregation builds for count() on such a query: the rows' filter with
        # COUNT(*) as the only column, no ordering.
        counting = query.chain()
        counting.clear_ordering(force=True)
        counting.clear_select_clause()
        counting.add_annotation(Count("*"), alias="__count", select=True)
        self.bound_alias = queryset._db
        self.server_prepared = server_prepared
        self.model = queryset.model
        self.sql, params = counting.get_compiler(using=queryset.db).as_sql()
        self.slots = _parameter_slots(params, placeholders)

    def run(self, **values) -> int:
        alias = self.bound_alias or router.db_for_read(self.model)
        with _cursor(alias, server_prepared=self.server_prepared) as cursor:
            cursor.execute(self.sql, _parameters(self.slots, values))
            return cursor.fetchone()[0]


class PreparedQueries:
    """The compiled forms of one read, one per shape, kept for the life of the process.

    ``build(placeholders, **shape)`` returns the queryset, with ``placeholders``' values
    where the per-call values go; every distinct ``shape`` (keyword arguments that change the
    SQL text: an offset, whether a filter is used) is compiled once. Keep shapes few and
    validated: a shape made from unchecked input would compile and keep one per value, so the
    cache is cleared past ``max_shapes``. ``server_prepared``: PostgreSQL prepares the statement
    too (see the module's docstring for which reads may).
    """

    def __init__(
        self,
        build: "Callable[..., QuerySet | CompiledRead]",
        *,
        max_shapes: int = 1000,
        count: bool = False,
        server_prepared: bool = False,
    ):
        self.build = build
        self.max_shapes = max_shapes
        # count=True: each shape is a PreparedCount (the rows' number), not a PreparedQuery.
        self.prepared_class = PreparedCount if count else PreparedQuery
        self.server_prepared = server_prepared
        self._compiled: dict[tuple, PreparedQuery | PreparedCount] = {}

    def __call__(self, **shape) -> "PreparedQuery | PreparedCount":
        key = tuple(sorted(shape.items()))
        prepared = self._compiled.get(key)
        if prepared is None:
            if len(self._compiled) >= self.max_shapes:
                self._compiled.clear()
            placeholders = Placeholders()
            prepared = self._compiled[key] = self.prepared_class(
                self.build(placeholders, **shape), placeholders, server_prepared=self.server_prepared
            )
        return prepared
