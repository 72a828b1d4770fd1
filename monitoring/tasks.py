import logging

from celery import shared_task
from django.conf import settings

from .retention import RetentionFloorError, registry, retention_run

logger = logging.getLogger(__name__)


@shared_task(name="monitoring.purge_expired")
def purge_expired() -> dict[str, dict[str, int]]:
    """Run daily by beat: every retention policy (only counting when ``RETENTION_DRY_RUN``).

    A policy refused by the audit floor does not stop the others; the task then fails, so the
    refusal is counted (tongban_celery_task_failures_total) and alerted on.
    """
    report, refused = {}, []
    for name in registry.names():
        try:
            (result,) = retention_run(dry_run=settings.RETENTION_DRY_RUN, names=[name])
        except RetentionFloorError:
            logger.exception("retention policy %s refused", name)
            refused.append(name)
            continue
        report[name] = result.counts
    if refused:
        raise RetentionFloorError(f"retention policies refused by the audit floor: {', '.join(refused)}")
    return report
