"""The beat task in a real Celery worker process issues a red card (once)."""

import time

import pytest

from applications.constants import Status
from notifications.models import OutboxMessage
from supervision.constants import Colour
from supervision.models import SupervisionCard
from supervision.tasks import issue_cards

from .factories import case_due, published_item, supervisor, working_day


def _wait_for(condition, what: str, worker, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}\n{worker.log()}")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_beat_task_issues_a_red_card_in_a_worker(celery_worker_process):
    item = published_item(department_code="ga")
    boss = supervisor(department=item.department)
    case = case_due(Status.IN_REVIEW, item=item, deadline=working_day(-3))

    first = issue_cards.delay()
    second = issue_cards.delay()

    _wait_for(lambda: first.ready() and second.ready(), "both runs", celery_worker_process)
    assert sorted(result.get(timeout=5)["red"] for result in (first, second)) == [0, 1]
    card = SupervisionCard.objects.get(application=case)
    assert card.colour == Colour.RED
    assert OutboxMessage.objects.filter(template="supervision.card_issued", user=boss).count() == 1
