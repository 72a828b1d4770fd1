from celery import shared_task


@shared_task(name="supervision.issue_cards")
def issue_cards() -> dict[str, int]:
    """Run by beat every 15 minutes: yellow and red cards for cases near or past their promised
    deadline; closes the cards of cases that left the working set. Idempotent."""
    from .services import cards_issue

    return cards_issue()


@shared_task(name="supervision.weekly_digest")
def weekly_digest() -> int:
    """Run by beat weekly: each department head gets the last ISO week's figures (once)."""
    from .services import weekly_digests_send

    return weekly_digests_send()
