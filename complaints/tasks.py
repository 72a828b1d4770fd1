from celery import shared_task
from django.conf import settings

from applications.tasks import scan_retry_countdown


@shared_task(name="complaints.escalate_overdue_inquiries")
def escalate_overdue_inquiries() -> dict[str, int]:
    """Run by beat: escalate overdue inquiries, close answers past the reopen window,
    queue attachment scans that never ran. Idempotent."""
    from .services_inquiries import inquiries_escalate_overdue

    return inquiries_escalate_overdue()


@shared_task(name="complaints.scan_attachment", bind=True, max_retries=None)
def scan_attachment(self, attachment_id: int) -> str:
    """Scan an inquiry attachment with clamd, retried with back-off like application materials."""
    from .services_inquiries import attachment_scan

    try:
        return attachment_scan(attachment_id=attachment_id)
    except OSError as exc:
        if self.request.retries >= settings.MALWARE_SCAN_MAX_RETRIES:
            return "failed"  # still pending: the beat sweep tries again later
        raise self.retry(exc=exc, countdown=scan_retry_countdown(self.request.retries)) from exc
