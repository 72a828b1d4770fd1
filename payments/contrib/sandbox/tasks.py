from celery import shared_task

from . import unionpay, wechatpay
from .services import ALIPAY_RETRY_SCHEDULE, next_retry_countdown, notification_deliver


@shared_task(name="payments_sandbox.deliver_notification", bind=True, max_retries=len(ALIPAY_RETRY_SCHEDULE))
def deliver_notification(self, trade_id: int) -> bool:
    """SANDBOX: post the notification; unanswered, retry on Alipay's schedule (8 tries, ~25 h)."""
    if notification_deliver(trade_id=trade_id):
        return True
    countdown = next_retry_countdown(self.request.retries)
    if countdown is not None:
        raise self.retry(countdown=countdown)
    return False


@shared_task(
    name="payments_sandbox.deliver_wechatpay_notification",
    bind=True,
    max_retries=len(wechatpay.WECHATPAY_RETRY_SCHEDULE),
)
def deliver_wechatpay_notification(self, trade_id: int) -> bool:
    """SANDBOX: post WeChat Pay's notification; unanswered, retry on its schedule (16 tries, 24h4m)."""
    if wechatpay.notification_deliver(trade_id=trade_id):
        return True
    countdown = wechatpay.next_retry_countdown(self.request.retries)
    if countdown is not None:
        raise self.retry(countdown=countdown)
    return False


@shared_task(
    name="payments_sandbox.deliver_unionpay_notification",
    bind=True,
    max_retries=len(unionpay.UNIONPAY_RETRY_SCHEDULE),
)
def deliver_unionpay_notification(self, trade_id: int) -> bool:
    """SANDBOX: post UnionPay's back-end notification; unanswered, retry a few times within minutes."""
    if unionpay.notification_deliver(trade_id=trade_id):
        return True
    countdown = unionpay.next_retry_countdown(self.request.retries)
    if countdown is not None:
        raise self.retry(countdown=countdown)
    return False
