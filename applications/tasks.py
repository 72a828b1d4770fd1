from celery import shared_task
from django.conf import settings

from .services import applications_flag_overdue


@shared_task(name="applications.flag_overdue")
def flag_overdue() -> int:
    """Run by beat: flag overdue and stuck cases for the officials' queues."""
    return applications_flag_overdue()


@shared_task(name="applications.scan_material", bind=True, max_retries=None)
def scan_material(self, material_id: int) -> str:
    """Scan an uploaded material with clamd; the file stays pending until then.

    If clamd is unreachable the task retries with exponential back-off
    (``MALWARE_SCAN_RETRY_BASE_SECONDS`` × 2^n, at most an hour apart) up to
    ``MALWARE_SCAN_MAX_RETRIES`` times; the beat sweeper picks up whatever is
    still pending after that, or was never queued. Idempotent.
    """
    from .scanning import material_scan

    try:
        return material_scan(material_id=material_id)
    except OSError as exc:
        if self.request.retries >= settings.MALWARE_SCAN_MAX_RETRIES:
            return "failed"  # still pending: the sweeper tries again later
        raise self.retry(exc=exc, countdown=scan_retry_countdown(self.request.retries)) from exc


def scan_retry_countdown(retries: int) -> int:
    """Seconds before retry number ``retries + 1``: doubling from the base, at most an hour."""
    return min(settings.MALWARE_SCAN_RETRY_BASE_SECONDS * 2**retries, 3600)


@shared_task(name="applications.sweep_material_scans")
def sweep_material_scans(stuck_after_seconds: int | None = None) -> int:
    """Run by beat: queue again the scans of materials pending past the threshold."""
    from .scanning import material_scan_queue, materials_scan_due_ids

    return sum(
        material_scan_queue(material_id=material_id)
        for material_id in materials_scan_due_ids(stuck_after_seconds=stuck_after_seconds)
    )


@shared_task(name="applications.purge_drafts")
def purge_drafts() -> int:
    """Run by beat, daily: delete drafts untouched for APPLICATION_DRAFT_RETENTION_DAYS and their files."""
    from .services_resident import applications_purge_drafts

    return applications_purge_drafts()
