"""The queue stays fast on many cases: a constant number of queries per page,
and the planner's estimate instead of COUNT(*) on big unfiltered lists."""

import datetime

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications.admin import ApplicationAdmin
from applications.admin_queue import EstimatedCountPaginator, is_unfiltered
from applications.constants import Status
from applications.models import Application
from applications.selectors import applications_for_official
from applications.tests import factories
from identity.tests.factories import login_with_totp

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/applications/application/"
# Measured: user, OTP device, the official's departments (once per request), the
# four tab counts (each capped), two permission lookups, the department filter, the planner
# estimate (EXPLAIN), the exact count (below the threshold), the page of rows
# (joined), the calendar (two queries), plus the request's savepoint and release.
QUEUE_PAGE_QUERIES = 17
# A filtered list is counted exactly without asking the planner first.
FILTERED_QUEUE_PAGE_QUERIES = QUEUE_PAGE_QUERIES - 1

STATUSES = (Status.SUBMITTED, Status.ACCEPTED, Status.IN_REVIEW, Status.SUPPLEMENT_REQUESTED, Status.APPROVED)


def bulk_cases(item, *, applicants, count: int, start: int = 0) -> None:
    """Cases in bulk, straight into the table: only what the queue shows."""
    today = timezone.localdate()
    version = item.published_version
    Application.objects.bulk_create(
        [
            Application(
                case_number=f"BULK-{item.code}-{start + n:06d}",
                applicant=applicants[n % len(applicants)],
                service_item=item,
                service_version=version,
                department=item.department,
                status=STATUSES[n % len(STATUSES)],
                submitted_at=timezone.now(),
                promised_deadline=today + datetime.timedelta(days=(n % 40) - 10),
                paused_since=today if STATUSES[n % len(STATUSES)] == Status.SUPPLEMENT_REQUESTED else None,
            )
            for n in range(count)
        ],
        batch_size=1000,
    )


@pytest.fixture
def ga_item():
    return factories.published_item(department_code="ga", code="GA-001")


@pytest.fixture
def officer(client, ga_item):
    user = factories.official(department=ga_item.department)
    login_with_totp(client, user)
    return user


@pytest.fixture
def applicants():
    return [factories.resident() for _ in range(5)]


def test_queue_page_queries_are_the_same_for_10_and_1000_cases(
    client, officer, ga_item, applicants, django_assert_num_queries
):
    bulk_cases(ga_item, applicants=applicants, count=10)
    client.get(CHANGELIST)  # warm the session and content-type caches
    with django_assert_num_queries(QUEUE_PAGE_QUERIES):
        small = client.get(CHANGELIST)
    assert small.content.decode().count('class="deadline ') == 10
    with django_assert_num_queries(FILTERED_QUEUE_PAGE_QUERIES):
        client.get(CHANGELIST, {"queue": "review"})

    bulk_cases(ga_item, applicants=applicants, count=990, start=10)
    with django_assert_num_queries(QUEUE_PAGE_QUERIES):
        large = client.get(CHANGELIST)
    page = large.content.decode()
    assert page.count('class="deadline ') == ApplicationAdmin.list_per_page  # one page
    assert "共 1000 件" in page

    # A filtered queue costs the same at both sizes too.
    with django_assert_num_queries(FILTERED_QUEUE_PAGE_QUERIES):
        client.get(CHANGELIST, {"queue": "review"})


def test_a_big_unfiltered_list_is_counted_by_the_planners_estimate(officer, ga_item, applicants):
    bulk_cases(ga_item, applicants=applicants, count=300)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE applications_application")
    paginator = EstimatedCountPaginator(applications_for_official(user=officer), 100, estimate=True)
    paginator.threshold = 100
    with CaptureQueriesContext(connection) as queries:
        count = paginator.count
    assert paginator.count_is_estimated
    assert not any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)
    assert any(query["sql"].startswith("EXPLAIN") for query in queries.captured_queries)
    assert 150 <= count <= 600  # an estimate, near the 300 rows
    assert paginator.num_pages == -(-count // 100)


def test_a_list_below_the_threshold_is_counted_exactly(officer, ga_item, applicants):
    bulk_cases(ga_item, applicants=applicants, count=300)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE applications_application")
    paginator = EstimatedCountPaginator(applications_for_official(user=officer), 100, estimate=True)
    assert paginator.threshold == 10_000
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 300
    assert not paginator.count_is_estimated
    assert any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)


def test_a_filtered_list_is_always_counted_exactly(officer, ga_item, applicants):
    bulk_cases(ga_item, applicants=applicants, count=300)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE applications_application")
    queryset = applications_for_official(user=officer).filter(status=Status.SUBMITTED)
    paginator = EstimatedCountPaginator(queryset, 100, estimate=False)
    paginator.threshold = 10
    assert paginator.count == 60
    assert not paginator.count_is_estimated


def test_only_paging_and_ordering_leave_a_list_unfiltered():
    factory = RequestFactory()
    assert is_unfiltered(factory.get(CHANGELIST))
    assert is_unfiltered(factory.get(CHANGELIST, {"p": "3", "o": "2"}))
    assert not is_unfiltered(factory.get(CHANGELIST, {"q": "GA"}))
    assert not is_unfiltered(factory.get(CHANGELIST, {"queue": "pending"}))
    assert not is_unfiltered(factory.get(CHANGELIST, {"anything": "else"}))


def test_the_queue_says_about_when_it_shows_an_estimate(client, officer, ga_item, applicants, monkeypatch):
    bulk_cases(ga_item, applicants=applicants, count=300)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE applications_application")
    monkeypatch.setattr(EstimatedCountPaginator, "threshold", 100)
    page = client.get(CHANGELIST).content.decode()
    assert "件（估算）" in page and "约 " in page
    filtered = client.get(CHANGELIST, {"queue": "pending"}).content.decode()
    assert "共 60 件" in filtered and "估算" not in filtered
