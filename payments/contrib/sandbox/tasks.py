from celery import shared_task

from . import unionpay, wechatpay
from .services import ALIPAY_RETRY_SCHEDULE, next_retry_countdown, notification_deliver


def _deliver_or_retry(task, deliver, next_countdown, trade_id: int) -> bool:
    """Post one notification; unanswered, retry after ``next_countdown(retries)`` until it says None."""
    if deliver(trade_id=trade_id):
        return True
    countdown = next_countdown(task.request.retries)
    if countdown is not None:
        raise task.retry(countdown=countdown)
    return False


@shared_task(name="payments_sandbox.deliver_notification", bind=True, max_retries=len(ALIPAY_RETRY_SCHEDULE))
def deliver_notification(self, trade_id: int) -> bool:
    """SANDBOX: post the notification; unanswered, retry on Alipay's schedule (8 tries, ~25 h)."""
    return _deliver_or_retry(self, notification_deliver, next_retry_countdown, trade_id)


@shared_task(
    name="payments_sandbox.deliver_wechatpay_notification",
    bind=True,
    max_retries=len(wechatpay.WECHATPAY_RETRY_SCHEDULE),
)
def deliver_wechatpay_notification(self, trade_id: int) -> bool:
    """SANDBOX: post WeChat Pay's notification; unanswered, retry on its schedule (16 tries, 24h4m)."""
    return _deliver_or_retry(self, wechatpay.notification_deliver, wechatpay.next_retry_countdown, trade_id)


@shared_task(
    name="payments_sandbox.deliver_unionpay_notification",
    bind=True,
    max_retries=len(unionpay.UNIONPAY_RETRY_SCHEDULE),
)
def deliver_unionpay_notification(self, trade_id: int) -> bool:
    """SANDBOX: post UnionPay's back-end notification; unanswered, retry a few times within minutes."""
    return _deliver_or_retry(self, unionpay.notification_deliver, unionpay.next_retry_countdown, trade_id)
