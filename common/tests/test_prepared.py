"""common.prepared: a read compiled once per shape gives what its queryset gives, in one query,
and refuses placeholders that do not reach the SQL as they are."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from common.prepared import CompiledRead, PreparedQueries

pytestmark = pytest.mark.django_db


def permissions_of_type(placeholders, *, limit):
    return (
        Permission.objects.filter(content_type=placeholders.instance(ContentType, "content_type"))
        .exclude(codename=placeholders.text("skip"))
        .select_related("content_type")
        .only("codename", "content_type__app_label")
        .order_by("codename")[:limit]
    )


def orm_permissions(content_type, *, skip, limit):
    return list(
        Permission.objects.filter(content_type=content_type)
        .exclude(codename=skip)
        .select_related("content_type")
        .only("codename", "content_type__app_label")
        .order_by("codename")[:limit]
    )


def described(permissions):
    return [
        (p.pk, p.codename, p.content_type_id, p.content_type.app_label, sorted(p.get_deferred_fields()))
        for p in permissions
    ]


def test_a_prepared_read_gives_the_querysets_instances_for_each_value(django_assert_num_queries):
    prepared_permissions = PreparedQueries(permissions_of_type)
    content_types = list(ContentType.objects.filter(permission__isnull=False).distinct().order_by("pk")[:5])
    assert len(content_types) == 5

    for content_type in content_types:
        skip = (
            Permission.objects.filter(content_type=content_type)
            .order_by("codename")
            .values_list("codename", flat=True)[0]
        )
        expected = orm_permissions(content_type, skip=skip, limit=3)
        with django_assert_num_queries(1):
            permissions = prepared_permissions(limit=3).run(content_type=content_type.pk, skip=skip)
            shown = described(permissions)  # the joined content type is loaded, not queried
        assert shown == described(expected)
        assert skip not in [p.codename for p in permissions]
        assert permissions and all(isinstance(p, Permission) for p in permissions)


def test_each_shape_is_compiled_once_and_the_shapes_kept_are_bounded():
    prepared_permissions = PreparedQueries(permissions_of_type, max_shapes=2)

    first = prepared_permissions(limit=3)
    assert prepared_permissions(limit=3) is first
    assert prepared_permissions(limit=4) is not first
    assert "LIMIT 4" in prepared_permissions(limit=4).sql

    prepared_permissions(limit=5)  # a third shape: the kept ones are dropped, not grown past 2
    assert prepared_permissions(limit=3) is not first


def test_a_placeholder_that_a_lookup_rewrites_is_refused():
    # icontains sends "%skip%": the placeholder would be compiled as the constant text "skip".
    def rewritten(placeholders):
        return Permission.objects.filter(codename__icontains=placeholders.text("skip"))

    with pytest.raises(ValueError, match="skip"):
        PreparedQueries(rewritten)()


def test_only_model_querysets_are_prepared():
    with pytest.raises(TypeError):
        PreparedQueries(lambda placeholders: Permission.objects.values("codename"))()


def test_a_prepared_count_answers_what_count_does(django_assert_num_queries):
    def permissions_named_like(placeholders):
        return Permission.objects.filter(content_type=placeholders.instance(ContentType, "content_type")).exclude(
            codename=placeholders.text("skip")
        )

    prepared_count = PreparedQueries(permissions_named_like, count=True)
    content_types = list(ContentType.objects.filter(permission__isnull=False).distinct().order_by("pk")[:5])
    for content_type in content_types:
        skip = Permission.objects.filter(content_type=content_type).values_list("codename", flat=True)[0]
        expected = Permission.objects.filter(content_type=content_type).exclude(codename=skip).count()
        with django_assert_num_queries(1) as captured:
            assert prepared_count().run(content_type=content_type.pk, skip=skip) == expected
        assert "COUNT(*)" in captured.captured_queries[0]["sql"]
    assert prepared_count().run(content_type=-1, skip="") == 0


@pytest.mark.parametrize(
    "counted",
    [
        lambda placeholders: Permission.objects.filter(codename=placeholders.text("c"))[:5],
        lambda placeholders: Permission.objects.filter(codename=placeholders.text("c")).distinct(),
        lambda placeholders: Permission.objects.filter(codename=placeholders.text("c")).values("codename"),
    ],
    ids=["sliced", "distinct", "values"],
)
def test_a_prepared_count_refuses_what_it_would_count_wrongly(counted):
    with pytest.raises(TypeError):
        PreparedQueries(counted, count=True)()


def _prepared_statements(sql_fragment: str) -> list[tuple[int, int]]:
    """(generic plans, custom plans) of each statement this connection prepared containing ``sql_fragment``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            [f"%{sql_fragment}%"],
        )
        return cursor.fetchall()


def test_a_server_prepared_read_is_prepared_once_by_postgresql_and_answers_the_same(django_assert_num_queries):
    prepared_permissions = PreparedQueries(permissions_of_type, server_prepared=True)
    content_types = list(ContentType.objects.filter(permission__isnull=False).distinct().order_by("pk")[:5])
    runs = 0
    for content_type in content_types * 2:
        skip = Permission.objects.filter(content_type=content_type).order_by("codename").values_list("codename")[0][0]
        expected = orm_permissions(content_type, skip=skip, limit=3)
        with django_assert_num_queries(1) as captured:  # counted like any other query
            permissions = prepared_permissions(limit=3).run(content_type=content_type.pk, skip=skip)
            shown = described(permissions)
        runs += 1
        assert shown == described(expected)
        # Logged as the statement PostgreSQL prepared: the values travel apart from its text.
        logged = captured.captured_queries[0]["sql"]
        assert '"auth_permission"."content_type_id" = $1' in logged
        assert skip not in logged
    # One statement, prepared once and run every time; past five runs PostgreSQL may keep a
    # generic plan (planned once) in place of a plan per run.
    statements = _prepared_statements('"auth_permission"."content_type_id" = $1')
    assert len(statements) == 1
    generic_plans, custom_plans = statements[0]
    assert generic_plans + custom_plans == runs == 10


def test_with_prepared_statements_turned_off_a_server_prepared_read_runs_unprepared():
    # DATABASE_PREPARED_STATEMENTS=false: psycopg's prepare_threshold is None, as Django's default.
    connection.ensure_connection()
    psycopg_connection = connection.connection
    threshold = psycopg_connection.prepare_threshold
    psycopg_connection.prepare_threshold = None
    try:
        prepared_count = PreparedQueries(
            lambda placeholders: Permission.objects.exclude(codename=placeholders.text("skip")),
            count=True,
            server_prepared=True,
        )
        for skip in ("add_user", "view_user", "add_user"):
            assert prepared_count().run(skip=skip) == Permission.objects.exclude(codename=skip).count()
    finally:
        psycopg_connection.prepare_threshold = threshold
    counting = 'SELECT COUNT(*) AS "__count" FROM "auth_permission"'
    assert _prepared_statements(counting) == []
    # Turned on again, the same read is prepared.
    assert prepared_count().run(skip="add_user") == Permission.objects.exclude(codename="add_user").count()
    assert len(_prepared_statements(counting)) == 1


def test_a_compiled_read_runs_its_own_sql_and_makes_the_querysets_instances():
    # SQL written around what Django compiles (here a materialized common table expression),
    # returning the queryset's columns in their order.
    def wrapped(placeholders):
        queryset = permissions_of_type(placeholders, limit=3)
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
        wrapped_sql = f"WITH shown AS MATERIALIZED ({sql}) SELECT * FROM shown"  # noqa: S608 - Django's own SQL
        return CompiledRead(queryset=queryset, sql=wrapped_sql, params=params)

    content_type = ContentType.objects.filter(permission__isnull=False).order_by("pk").first()
    skip = Permission.objects.filter(content_type=content_type).order_by("codename").values_list("codename")[0][0]
    permissions = PreparedQueries(wrapped)().run(content_type=content_type.pk, skip=skip)
    assert described(permissions) == described(orm_permissions(content_type, skip=skip, limit=3))
