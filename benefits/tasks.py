from celery import shared_task


@shared_task(name="benefits.send_reminders")
def send_reminders() -> dict[str, int]:
    """Run by beat: the due reminder of each open campaign, once per pending task. Idempotent."""
    from .services import reminders_send

    return reminders_send().sent


@shared_task(name="benefits.close_campaigns")
def close_campaigns() -> dict[int, int]:
    """Run by beat: close campaigns whose window ended, flagging the uncertified. Idempotent."""
    from .services import campaigns_close_due

    return campaigns_close_due()
