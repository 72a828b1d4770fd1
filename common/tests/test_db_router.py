"""The replica router (common/db_router.py): catalogue reads in GET requests go to
the replica alias, writes and reads in a write's request or transaction to the primary.

The ``replica`` alias (config/settings/test.py) is a test MIRROR of ``default``:
the same database, its own connection, so each alias's queries can be counted."""

from contextlib import contextmanager

import pytest
from django.core.signals import request_finished, request_started
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from applications.models import Application
from applications.tests import factories
from services.models import Department, ServiceItem

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture
def replica(settings):
    settings.DATABASE_REPLICAS = ["replica"]
    return "replica"


@pytest.fixture
def item():
    return factories.published_item(department_code="ga", code="GA-ROUTER")


def _catalogue_queries(captured) -> list[str]:
    return [query["sql"] for query in captured.captured_queries if '"services_' in query["sql"]]


@contextmanager
def _in_request(method: str):
    """A view's body as Django runs it: the request signals, and the view inside the
    request's own transaction (ATOMIC_REQUESTS)."""
    request_started.send(sender=None, environ={"REQUEST_METHOD": method})
    try:
        with transaction.atomic():
            yield
    finally:
        request_finished.send(sender=None)


def test_catalogue_reads_of_a_get_request_go_to_the_replica(replica, item, client):
    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(connections[replica]) as rep:
        response = client.get("/api/v1/departments/", REMOTE_ADDR="10.19.0.1")
    assert response.status_code == 200
    assert "ga" in {row["code"] for row in response.json()}
    assert _catalogue_queries(rep)
    assert not _catalogue_queries(primary)


def test_a_post_request_reads_and_writes_on_the_primary(replica, item, client):
    resident = factories.resident()
    client.force_login(resident)
    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(connections[replica]) as rep:
        response = client.post(f"/applications/new/{item.code}/", {})
    assert response.status_code in (200, 302)
    assert Application.objects.filter(applicant=resident).exists()  # the write happened
    assert _catalogue_queries(primary)  # the item it applies for was read on the primary
    assert not rep.captured_queries


def test_reads_inside_atomic_after_a_write_or_outside_a_request_go_to_the_primary(replica, item):
    assert ServiceItem.objects.get(pk=item.pk)._state.db == "default"  # a task, a command: no request

    with _in_request("GET"):
        assert ServiceItem.objects.get(pk=item.pk)._state.db == replica
        with transaction.atomic():
            assert ServiceItem.objects.get(pk=item.pk)._state.db == "default"
        Department.objects.filter(pk=item.department_id).update(name="公安局")  # a write in a GET
        assert ServiceItem.objects.get(pk=item.pk)._state.db == "default"

    with _in_request("HEAD"):
        assert Department.objects.get(pk=item.department_id)._state.db == replica
    with _in_request("POST"):
        assert Department.objects.get(pk=item.department_id)._state.db == "default"


def test_non_catalogue_reads_and_every_write_stay_on_the_primary(replica, item):
    resident = factories.resident()
    with _in_request("GET"):
        assert type(resident).objects.get(pk=resident.pk)._state.db == "default"
        department = Department.objects.get(pk=item.department_id)
        assert department._state.db == replica
        department.name = "公安局"
        department.save()
        assert department._state.db == "default"


def test_without_replicas_the_router_routes_nothing(item):
    with _in_request("GET"):
        assert ServiceItem.objects.get(pk=item.pk)._state.db == "default"


def test_a_prepared_read_goes_where_the_router_sends_each_run_not_where_it_was_compiled(replica, item):
    from common.prepared import PreparedQueries

    prepared_department = PreparedQueries(
        lambda placeholders: Department.objects.filter(code=placeholders.text("code")).select_related()
    )
    with _in_request("POST"):  # compiled while the router answers "primary"
        [department] = prepared_department().run(code="ga")
        assert department._state.db == "default"

    with _in_request("GET"), CaptureQueriesContext(connections[replica]) as rep:
        [department] = prepared_department().run(code="ga")
    assert department._state.db == replica
    assert _catalogue_queries(rep)

    assert prepared_department().run(code="ga")[0]._state.db == "default"  # no request: a task
