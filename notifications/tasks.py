from celery import shared_task

from .services import outbox_due_ids, outbox_message_deliver


@shared_task(name="notifications.relay_outbox_messages")
def relay_outbox_messages(message_ids: list[str]) -> int:
    """Deliver the given outbox rows (queued after the commit that wrote them)."""
    return sum(outbox_message_deliver(message_id=message_id) for message_id in message_ids)


@shared_task(name="notifications.sweep_outbox")
def sweep_outbox(grace_seconds: int = 10) -> int:
    """Run by beat: deliver whatever the relay missed (broker down at commit, crashed worker)."""
    return sum(
        outbox_message_deliver(message_id=message_id) for message_id in outbox_due_ids(grace_seconds=grace_seconds)
    )
