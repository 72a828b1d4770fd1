"""Two officials approving the same case at once produce one transition.

Real PostgreSQL, real row locks: each thread has its own connection and its
own transaction (``transaction=True``), and closes its connection at the end.
"""

import threading

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from applications.constants import Status
from applications.models import ResultDocument, Transition
from applications.services import application_transition
from applications.services_decisions import application_decide
from applications.tests import factories
from common.testing.files import pdf_bytes
from identity.tests.factories import login_with_totp

# The flush after these tests empties the holiday tables too; the autouse fixture in
# conftest.py seeds them again for the tests that follow.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def accepted_case():
    item = factories.published_item(department_code="ga", code="GA-001")
    first = factories.official(department=item.department, username="official-ga-1")
    second = factories.official(department=item.department, username="official-ga-2")
    case = factories.submitted_application(applicant=factories.resident(), item=item)
    application_transition(application_id=case.pk, to_status=Status.ACCEPTED, actor=first)
    return case, first, second


def _run_in_threads(*targets) -> list:
    """Run each target in its own thread with its own database connection; re-raise failures."""
    outcomes: list = [None] * len(targets)

    def run(index, target):
        try:
            outcomes[index] = target()
        except BaseException as exc:  # reported to the test below
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return outcomes


def _approve_through_the_admin(user, case, barrier):
    client = Client()
    login_with_totp(client, user)
    url = reverse("admin:applications_application_decide", args=[case.pk, Status.APPROVED])
    data = {
        f"{Status.APPROVED}-comment": f"{user.username} 准予许可",
        f"{Status.APPROVED}-result_file": SimpleUploadedFile("许可证.pdf", pdf_bytes()),
    }

    def approve():
        barrier.wait(timeout=30)
        response = client.post(url, data)
        return response.status_code, [str(m) for m in get_messages(response.wsgi_request)]

    return approve


def test_two_officials_approving_at_once_record_one_approval(accepted_case):
    case, first, second = accepted_case
    barrier = threading.Barrier(2)
    outcomes = _run_in_threads(
        _approve_through_the_admin(first, case, barrier), _approve_through_the_admin(second, case, barrier)
    )
    assert [status for status, _messages in outcomes] == [302, 302]
    assert Transition.objects.filter(application=case, to_status=Status.APPROVED).count() == 1
    assert ResultDocument.objects.filter(application=case).count() == 1
    shown = [message for _status, messages in outcomes for message in messages]
    assert sum("已变更为“准予许可”" in m for m in shown) == 1
    assert sum("未重复办理" in m for m in shown) == 1


def test_an_approval_waiting_on_the_lock_finds_the_case_decided(accepted_case):
    """Deterministic overlap: the first official holds the row lock while the
    second one's request arrives, then commits; the second changes nothing."""
    case, first, second = accepted_case
    locked = threading.Event()

    def first_holds_the_lock():
        with transaction.atomic():
            decision = application_decide(application_id=case.pk, to_status=Status.APPROVED, actor=first)
            locked.set()
            # Keep the transaction (and the row lock) open while the other request runs into it.
            threading.Event().wait(1.0)
        return decision.changed

    def second_arrives_meanwhile():
        client = Client()
        login_with_totp(client, second)
        assert locked.wait(timeout=30)
        url = reverse("admin:applications_application_decide", args=[case.pk, Status.APPROVED])
        response = client.post(url, {f"{Status.APPROVED}-comment": "也准予许可"})
        return [str(m) for m in get_messages(response.wsgi_request)]

    changed, messages = _run_in_threads(first_holds_the_lock, second_arrives_meanwhile)
    assert changed is True
    assert any("未重复办理" in m for m in messages)
    approvals = Transition.objects.filter(application=case, to_status=Status.APPROVED)
    assert approvals.count() == 1
    assert approvals.get().actor == first
