"""Two refreshes of the same day at once (beat's and an operator's ``dashboard_refresh``) take turns
on an advisory lock: both succeed and the day has its rows once."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from applications.constants import Status
from applications.tests.factories import application_in, published_item
from dashboard.models import DailySummary
from dashboard.services import summary_refresh_day

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_refreshes_of_one_day_at_once_both_succeed():
    item = published_item(code="GA-LOCK", department_code="ga")
    application_in(Status.CONCLUDED, item=item)
    application_in(Status.SUBMITTED, item=item)
    today = timezone.localdate()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def refresh():
        try:
            barrier.wait(timeout=10)
            summary_refresh_day(day=today)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert list(DailySummary.objects.filter(day=today).values_list("received", "concluded", "in_progress")) == [
        (2, 1, 1)
    ]
