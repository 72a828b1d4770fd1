"""identity's background work, run by Celery; the work itself is in services."""

from celery import shared_task


@shared_task(name="identity.purge_axes_logs")
def purge_axes_logs() -> dict[str, int]:
    """Run by beat, daily: delete sign-in records older than AXES_LOG_RETENTION_DAYS."""
    from .services.retention import axes_logs_purge

    return axes_logs_purge()
