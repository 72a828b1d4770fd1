from celery import shared_task

from .services import ALIPAY_RETRY_SCHEDULE, notification_deliver


@shared_task(name="payments_sandbox.deliver_notification", bind=True, max_retries=len(ALIPAY_RETRY_SCHEDULE))
def deliver_notification(self, trade_id: int) -> bool:
    """SANDBOX: post the notification; unanswered, retry on Alipay's schedule (8 tries, ~25 h)."""
    if notification_deliver(trade_id=trade_id):
        return True
    if self.request.retries < len(ALIPAY_RETRY_SCHEDULE):
        raise self.retry(countdown=ALIPAY_RETRY_SCHEDULE[self.request.retries])
    return False
