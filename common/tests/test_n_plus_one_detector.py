"""The suite's N+1 detector (django-zeal, config/settings/test.py) is on for every request,
and ``one_at_a_time`` makes each pass of a loop a scope of its own."""

import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path
from zeal.errors import NPlusOneError

from common.row_by_row import one_at_a_time
from services.models import Department, ServiceItem


def _departments_row_by_row(request):
    return HttpResponse(",".join(item.department.code for item in ServiceItem.objects.order_by("pk")[:5]))


def _departments_joined(request):
    items = ServiceItem.objects.select_related("department").order_by("pk")[:5]
    return HttpResponse(",".join(item.department.code for item in items))


def _first_item_department_per_department(request, *, passes=one_at_a_time):
    # One department's item list per pass, and one relation read in it: the same read again for
    # the next department is that department's own work when each pass is its own scope.
    codes = []
    for department in passes(Department.objects.order_by("pk")[:3]):
        items = list(ServiceItem.objects.filter(department=department).order_by("pk")[:2])
        codes.append(items[0].department.code if items else "")
    return HttpResponse(",".join(codes))


def _first_item_department_per_department_in_one_scope(request):
    return _first_item_department_per_department(request, passes=iter)


def _row_by_row_within_one_pass(request):
    codes = []
    for department in one_at_a_time(Department.objects.order_by("pk")[:1]):
        items = ServiceItem.objects.filter(department=department).order_by("pk")[:3]
        codes += [item.published_version.item_id for item in items]
    return HttpResponse(str(codes))


urlpatterns = [
    path("row-by-row/", _departments_row_by_row),
    path("joined/", _departments_joined),
    path("each-on-its-own/", _first_item_department_per_department),
    path("all-in-one-scope/", _first_item_department_per_department_in_one_scope),
    path("row-by-row-within-one-pass/", _row_by_row_within_one_pass),
]


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]


@override_settings(ROOT_URLCONF=__name__)
def test_a_relation_read_row_by_row_while_answering_a_request_fails_the_test(client):
    with pytest.raises(NPlusOneError, match=r"services\.ServiceItem\.department"):
        client.get("/row-by-row/")
    assert client.get("/joined/").status_code == 200


@override_settings(ROOT_URLCONF=__name__)
def test_each_pass_of_a_one_at_a_time_loop_is_its_own_scope(client):
    assert client.get("/each-on-its-own/").status_code == 200
    with pytest.raises(NPlusOneError, match=r"services\.ServiceItem\.department"):
        client.get("/all-in-one-scope/")
    with pytest.raises(NPlusOneError, match=r"services\.ServiceItem\.published_version"):
        client.get("/row-by-row-within-one-pass/")


def test_outside_a_request_the_loop_yields_every_row():
    assert list(one_at_a_time(iter([1, 2, 3]))) == [1, 2, 3]
