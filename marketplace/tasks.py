from celery import shared_task


@shared_task(name="marketplace.close_due_postings")
def close_due_postings() -> int:
    """Run by beat: close open postings past their quote deadline. Idempotent."""
    from .services import postings_close_due

    return postings_close_due()


@shared_task(name="marketplace.expire_qualifications")
def expire_qualifications() -> dict[str, int]:
    """Run by beat: record expired qualifications and send the advance reminders, once each. Idempotent."""
    from .services import qualifications_expire

    return qualifications_expire()


@shared_task(name="marketplace.scan_qualification", bind=True, max_retries=None)
def scan_qualification(self, qualification_id: int) -> str:
    """Scan a qualification certificate's file with clamd, retried with back-off like application materials."""
    from django.conf import settings

    from applications.tasks import scan_retry_countdown

    from .services import qualification_scan

    try:
        return qualification_scan(qualification_id=qualification_id)
    except OSError as exc:
        if self.request.retries >= settings.MALWARE_SCAN_MAX_RETRIES:
            return "failed"
        raise self.retry(exc=exc, countdown=scan_retry_countdown(self.request.retries)) from exc
