from celery import shared_task

from .services import applications_flag_overdue


@shared_task(name="applications.flag_overdue")
def flag_overdue() -> int:
    """Run by beat: flag overdue and stuck cases for the officials' queues."""
    return applications_flag_overdue()


@shared_task(name="applications.scan_material")
def scan_material(material_id: int) -> str:
    """Scan an uploaded material with clamd; the file stays pending until then."""
    from .scanning import material_scan

    return material_scan(material_id=material_id)


@shared_task(name="applications.purge_drafts")
def purge_drafts() -> int:
    """Run by beat, daily: delete drafts untouched for APPLICATION_DRAFT_RETENTION_DAYS and their files."""
    from .services_resident import applications_purge_drafts

    return applications_purge_drafts()
