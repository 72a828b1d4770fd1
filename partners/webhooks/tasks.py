from celery import shared_task

from .services import deliveries_due_ids, delivery_attempt, webhook_log_purge


@shared_task(name="partners.relay_webhook_deliveries")
def relay_webhook_deliveries(delivery_ids: list[str]) -> int:
    """Post the given deliveries (queued after the commit that wrote them)."""
    return sum(delivery_attempt(delivery_id=delivery_id) for delivery_id in delivery_ids)


@shared_task(name="partners.sweep_webhook_deliveries")
def sweep_webhook_deliveries(grace_seconds: int = 10) -> int:
    """Run by beat: post what is due (retries, broker down at commit, a crashed worker's lease run out)."""
    due = deliveries_due_ids(grace_seconds=grace_seconds)
    return sum(delivery_attempt(delivery_id=delivery_id) for delivery_id in due)


@shared_task(name="partners.purge_webhook_log")
def purge_webhook_log() -> int:
    """Run daily by beat: finished deliveries and their events past ``WEBHOOK_LOG_RETENTION_DAYS``."""
    return webhook_log_purge()
