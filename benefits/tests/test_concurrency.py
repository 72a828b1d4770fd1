"""Two beats (or a beat and a retried task) at once: each reminder is still sent once, and a
campaign is closed, and its pensioners flagged, once."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from benefits import services
from benefits.constants import TaskStatus
from benefits.models import CertificationTask, ReminderSent, TaskTransition
from notifications.models import OutboxMessage

from .factories import campaign, pensioner_task


def _at_once(function, runs: int = 2) -> list:
    barrier = threading.Barrier(runs)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(function())
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


@pytest.mark.django_db(transaction=True)
def test_two_reminder_runs_at_once_send_each_reminder_once():
    start = timezone.localdate()
    window = campaign(start=start, days=30)
    tasks = [pensioner_task(window, name=f"人{n}", mobile=f"1370000{n:04d}") for n in range(20)]
    _at_once(lambda: services.reminders_send(today=start))
    services.reminders_send(today=start)  # whatever one run skipped as locked, the next sends
    assert ReminderSent.objects.count() == len(tasks)
    assert OutboxMessage.objects.filter(template="benefits.reminder").count() == len(tasks)


@pytest.mark.django_db(transaction=True)
def test_two_closings_at_once_flag_each_pensioner_once():
    window = campaign(start=timezone.localdate() - datetime.timedelta(days=40), days=30)
    for n in range(10):
        pensioner_task(window, name=f"人{n}", mobile=f"1370000{n:04d}")
    results = _at_once(lambda: services.campaign_close(campaign_id=window.pk))
    assert sorted(results) == [0, 10]
    assert CertificationTask.objects.filter(status=TaskStatus.FLAGGED).count() == 10
    assert TaskTransition.objects.filter(action="flag").count() == 10
    assert OutboxMessage.objects.filter(template="benefits.flagged").count() == 10
