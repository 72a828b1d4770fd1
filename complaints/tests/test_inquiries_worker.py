"""Inquiry background work in real Celery worker processes: escalation and attachment scans."""

import datetime
import time

import pytest
from django.utils import timezone

from applications.constants import ScanStatus
from applications.tests.test_scanning import FakeClamd, scanning_worker  # noqa: F401 - the fixture
from complaints.constants import InquiryAction, Kind
from complaints.models import Inquiry
from complaints.tasks import escalate_overdue_inquiries
from notifications.models import OutboxMessage

from .factories import inquiry_official, submitted_inquiry
from .test_inquiries import _department, _png


def _wait_for(condition, what: str, worker, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}\n{worker.log()}")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_beat_task_escalates_an_overdue_inquiry_in_a_worker(celery_worker_process):
    department = _department("scj")
    handler = inquiry_official(department=department)
    inquiry = submitted_inquiry(kind=Kind.COMPLAINT, about_department=department)
    Inquiry.objects.filter(pk=inquiry.pk).update(due_date=timezone.localdate() - datetime.timedelta(days=1))

    escalate_overdue_inquiries.delay()

    _wait_for(lambda: Inquiry.objects.get(pk=inquiry.pk).escalation_level >= 1, "the escalation", celery_worker_process)
    assert inquiry.transitions.filter(action=InquiryAction.ESCALATE).count() == 1
    assert OutboxMessage.objects.filter(template="complaints.inquiry_escalated", user=handler).exists()


@pytest.mark.celery_worker
def test_an_attachment_is_scanned_by_a_worker_after_commit(scanning_worker):  # noqa: F811 - the fixture
    worker, _redis, clamd_address = scanning_worker
    clamd = FakeClamd(port=int(clamd_address.rsplit(":", 1)[1]))
    try:
        inquiry = submitted_inquiry(about_department=_department("scj"), attachments=[_png()])
        attachment = inquiry.attachments.get()
        assert attachment.scan_status == ScanStatus.PENDING
        _wait_for(lambda: inquiry.attachments.get().scan_status == ScanStatus.CLEAN, "the attachment's scan", worker)
        assert clamd.commands == [b"zINSTREAM\0"]
    finally:
        clamd.close()
