from celery import shared_task
from django.conf import settings

from .retention import retention_run


@shared_task(name="monitoring.purge_expired")
def purge_expired() -> dict[str, dict[str, int]]:
    """Run daily by beat: every retention policy (only counting when ``RETENTION_DRY_RUN``)."""
    results = retention_run(dry_run=settings.RETENTION_DRY_RUN)
    return {result.policy: result.counts for result in results}
