"""The dashboard page and its CSV exports cost the same number of queries on 10 cases as on
100,000: they read the summary tables, never the cases. The cases are inserted in bulk with one
``INSERT … SELECT generate_series`` (only the columns the summary reads), then summarised."""

import pgtrigger
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.tests.factories import published_item
from dashboard.models import DailySummary
from dashboard.services import summary_rebuild
from dashboard.tests.test_admin import PAGE, grant_dashboard
from identity.tests.factories import UserFactory, login_with_totp

pytestmark = pytest.mark.django_db

BULK_CASES = """
INSERT INTO applications_application (
    applicant_id, service_item_id, service_version_id, department_id, status, form_data, field_sources,
    submitted_at, concluded_at, promised_deadline, statutory_deadline, deadline_provisional,
    paused_working_days, flagged, created_at, updated_at
)
SELECT %s, item.id, item.published_version_id, item.department_id,
       CASE WHEN n %% 3 = 0 THEN 'concluded' WHEN n %% 7 = 0 THEN 'withdrawn' ELSE 'in_review' END,
       '{"name": "x", "phone": "y", "address": "z"}'::jsonb,
       CASE WHEN n %% 2 = 0 THEN '{"name": {"source": "identity.name"}}'::jsonb ELSE '{}'::jsonb END,
       submitted,
       CASE WHEN n %% 3 = 0 THEN LEAST(submitted + (n %% 12) * INTERVAL '1 day', NOW()) END,
       (submitted + INTERVAL '7 days')::date, (submitted + INTERVAL '28 days')::date, FALSE,
       0, '', submitted, submitted
FROM generate_series(%s, %s) AS n
CROSS JOIN LATERAL (SELECT NOW() - (n %% 60) * INTERVAL '1 day' - (n %% 600) * INTERVAL '1 minute' AS submitted) s
JOIN services_serviceitem item ON item.id = (%s::int[])[1 + n %% 2]
"""


def _insert_cases(*, applicant, items, first: int, last: int) -> None:
    # The audit history triggers would copy each row into applications_applicationevent: a
    # hundred thousand snapshots that cost minutes and say nothing about the dashboard.
    with pgtrigger.ignore(*_history_triggers()), connection.cursor() as cursor:
        cursor.execute(
            BULK_CASES,
            # Positional: pgtrigger.ignore() puts its own statement, with a positional parameter, in front.
            [applicant.pk, first, last, [item.pk for item in items]],
        )


def _history_triggers() -> list[str]:
    """The URIs of the Application's audit history triggers (django-pgtrigger's registry)."""
    return [
        trigger.get_uri(model)
        for model, trigger in pgtrigger.registered()
        if model._meta.label == "applications.Application"
    ]


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(queries)


URLS = (
    PAGE,
    PAGE + "?period=week",
    PAGE + "?period=month&region=440100",
    PAGE + "export/duration.csv",
    PAGE + "export/volume.csv?period=month",
)


def test_the_dashboard_costs_the_same_queries_on_10_and_on_100000_cases(client):
    items = [
        published_item(code="GA-PERF", name="食品经营许可", department_code="ga"),
        published_item(code="RSJ-PERF", name="失业登记", department_code="rsj"),
    ]
    applicant = UserFactory()
    superuser = UserFactory(official=True, is_superuser=True)
    officer = grant_dashboard(UserFactory(official=True))
    from applications.models import DepartmentOfficial

    DepartmentOfficial.objects.create(user=officer, department=items[0].department)

    _insert_cases(applicant=applicant, items=items, first=1, last=10)
    summary_rebuild()
    counts = {}
    for user in (superuser, officer):
        login_with_totp(client, user)
        counts[user.pk] = [_queries(client, url) for url in URLS]

    _insert_cases(applicant=applicant, items=items, first=11, last=100_000)
    summary_rebuild()
    summary = DailySummary.objects.filter(department__code="ga")
    assert sum(summary.values_list("received", flat=True)) == 50_000
    for user in (superuser, officer):
        login_with_totp(client, user)
        assert [_queries(client, url) for url in URLS] == counts[user.pk]
