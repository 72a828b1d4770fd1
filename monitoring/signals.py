"""Counters fed by signals, so the code that fails needs no knowledge of metrics."""

from celery.signals import task_failure
from django.db.models.signals import post_save

from .metrics import CELERY_TASK_FAILURES, WEBHOOK_ATTEMPT_FAILURES


def _count_task_failure(sender=None, **kwargs) -> None:
    # ``sender`` is the task; its name is one of the registered tasks (a bounded set).
    CELERY_TASK_FAILURES.labels(task=getattr(sender, "name", None) or "unknown").inc()


def _count_webhook_attempt(sender, instance, created, **kwargs) -> None:
    if created and not instance.succeeded:
        WEBHOOK_ATTEMPT_FAILURES.inc()


def connect() -> None:
    from partners.models import WebhookDeliveryAttempt

    task_failure.connect(_count_task_failure, weak=False, dispatch_uid="monitoring.task_failure")
    post_save.connect(
        _count_webhook_attempt,
        sender=WebhookDeliveryAttempt,
        weak=False,
        dispatch_uid="monitoring.webhook_attempt_failure",
    )
