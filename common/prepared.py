"""Querysets compiled once per process and then run with other values: the hot pages' reads.

Building a queryset and compiling it to SQL costs Django 1.5-5 ms of Python per request for
the joined, filtered reads of 我的办件 and search, often more than PostgreSQL takes to answer
them. Their SQL text never changes between requests; only the values in it do (who is signed
in, what was searched). A :class:`PreparedQueries` builds the queryset once per *shape* (the
parts that change the SQL text: the page's offset, which filters are used) with
:class:`Placeholders` where the per-request values go, compiles it, and from then on fills in
the values and turns the rows into model instances the way Django's ``ModelIterable`` does.

Queries still go through Django's cursor, so query counting, the N+1 detector and
``CaptureQueriesContext`` see them, and each run goes to the database the routers choose for it
then (a catalogue read in a GET request to a replica, the same read in a write's request to the
primary), not to the one the query happened to be compiled for.
"""

import itertools
from collections.abc import Callable
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


class PreparedQuery:
    """One compiled queryset over a model (no ``values()``, ``values_list()`` or ``iterator()``):
    :meth:`run` gives the same instances, deferred fields, ``select_related`` objects and
    annotations as iterating the queryset would."""

    def __init__(self, queryset: QuerySet, placeholders: Placeholders):
        if queryset._iterable_class is not ModelIterable or queryset._prefetch_related_lookups:
            raise TypeError("PreparedQuery runs model querysets without prefetch_related")
        # An alias the queryset was bound to (using()); otherwise each run asks the routers.
        self.bound_alias = queryset._db
        self.compiler = queryset.query.get_compiler(using=queryset.db)
        self.sql, params = self.compiler.as_sql()
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
        with connections[alias].cursor() as cursor:
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

    def __init__(self, queryset: QuerySet, placeholders: Placeholders):
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
        self.model = queryset.model
        self.sql, params = counting.get_compiler(using=queryset.db).as_sql()
        self.slots = _parameter_slots(params, placeholders)

    def run(self, **values) -> int:
        alias = self.bound_alias or router.db_for_read(self.model)
        with connections[alias].cursor() as cursor:
            cursor.execute(self.sql, _parameters(self.slots, values))
            return cursor.fetchone()[0]


class PreparedQueries:
    """The compiled forms of one read, one per shape, kept for the life of the process.

    ``build(placeholders, **shape)`` returns the queryset, with ``placeholders``' values
    where the per-call values go; every distinct ``shape`` (keyword arguments that change the
    SQL text: an offset, whether a filter is used) is compiled once. Keep shapes few and
    validated: a shape made from unchecked input would compile and keep one per value, so the
    cache is cleared past ``max_shapes``.
    """

    def __init__(self, build: Callable[..., QuerySet], *, max_shapes: int = 1000, count: bool = False):
        self.build = build
        self.max_shapes = max_shapes
        # count=True: each shape is a PreparedCount (the rows' number), not a PreparedQuery.
        self.prepared_class = PreparedCount if count else PreparedQuery
        self._compiled: dict[tuple, PreparedQuery] = {}

    def __call__(self, **shape) -> "PreparedQuery | PreparedCount":
        key = tuple(sorted(shape.items()))
        prepared = self._compiled.get(key)
        if prepared is None:
            if len(self._compiled) >= self.max_shapes:
                self._compiled.clear()
            placeholders = Placeholders()
            prepared = self._compiled[key] = self.prepared_class(self.build(placeholders, **shape), placeholders)
        return prepared
