"""SANDBOX: the provider's side of each exchange, in the provider's real formats.

Signs with the sandbox's own test keys (``keys/``), which the Alipay adapter
trusts only where ``settings.PAYMENTS_ALIPAY`` points at them (demo, tests).
"""

import datetime
import json
import logging
import secrets
from collections.abc import Callable
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from common.money import yuan

from ...contrib.alipay import signing
from ...money import BEIJING, beijing_day, parse_yuan
from ...signing import load_private_key, load_public_key
from .models import SandboxRefund, SandboxTrade

logger = logging.getLogger(__name__)

KEYS = Path(__file__).resolve().parent / "keys"
# Alipay retries an unanswered notification 8 times over about 25 hours.
ALIPAY_RETRY_SCHEDULE = [4 * 60, 10 * 60, 10 * 60, 3600, 2 * 3600, 6 * 3600, 15 * 3600]


def countdown_on(schedule: list[int], retries_so_far: int) -> int | None:
    """Seconds until the next try after ``retries_so_far`` retries on ``schedule``; None once it is spent."""
    return schedule[retries_so_far] if retries_so_far < len(schedule) else None


def next_retry_countdown(retries_so_far: int) -> int | None:
    """Seconds until the next try after ``retries_so_far`` retries; None after the 8th try."""
    return countdown_on(ALIPAY_RETRY_SCHEDULE, retries_so_far)


def _private_key() -> rsa.RSAPrivateKey:
    """The sandbox's stand-in for Alipay's own key."""
    return load_private_key(KEYS / "alipay-private.pem")


def merchant_public_key() -> rsa.RSAPublicKey:
    """The merchant's (our) public key: every gateway the sandbox plays checks our requests with it."""
    return load_public_key(KEYS / "merchant-public.pem")


def alipay_signed(params: dict) -> dict:
    """``params`` signed with the sandbox's Alipay key, as Alipay signs what it sends (``sign_type`` unsigned)."""
    return {**signing.sign_params(params, _private_key()), "sign_type": "RSA2"}


def _stamp(moment: datetime.datetime | None = None) -> str:
    return (moment or timezone.now()).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def request_is_signed(params: dict) -> bool:
    return params.get("app_id") == settings.PAYMENTS_ALIPAY["APP_ID"] and signing.verify(
        signing.signing_string(params), params.get("sign", ""), merchant_public_key()
    )


def trade_open(params: dict) -> SandboxTrade:
    """A verified ``alipay.trade.page.pay`` request: the trade the cashier shows."""
    biz = json.loads(params["biz_content"])
    trade, _ = SandboxTrade.objects.get_or_create(
        app_id=params["app_id"],
        out_trade_no=biz["out_trade_no"],
        status="WAIT_BUYER_PAY",
        defaults={
            "trade_no": timezone.localtime().strftime("%Y%m%d") + f"2200{secrets.randbelow(10**14):014d}",
            "subject": biz.get("subject", ""),
            "total_fen": parse_yuan(biz["total_amount"]),
            "notify_url": params.get("notify_url", ""),
            "return_url": params.get("return_url", ""),
        },
    )
    return trade


def trade_settle(trade: SandboxTrade, *, waiting: str, paid: str, notify_task) -> SandboxTrade:
    """The payer chose "pay" at a provider's cashier: a trade still ``waiting`` becomes ``paid``
    (each provider's own words) and, once that commits, ``notify_task`` posts the notification.
    Choosing "pay" again changes nothing."""
    with transaction.atomic():
        trade = SandboxTrade.objects.select_for_update().get(pk=trade.pk)
        if trade.status == waiting:
            trade.status, trade.paid_at = paid, timezone.now()
            trade.save(update_fields=["status", "paid_at"])
            transaction.on_commit(lambda: _queue(notify_task, trade.pk))
    return trade


def _queue(task, trade_id: int) -> None:
    try:
        task.delay(trade_id)
    except Exception as exc:
        logger.warning("sandbox notification not queued (%s)", exc.__class__.__name__)


def notification_post(
    *, trade_id: int, transport: httpx.BaseTransport | None, request: Callable, accepted: Callable
) -> bool:
    """Post a trade's notification once and count the try; True when ``accepted(response)``.
    ``request(trade)`` gives the keyword arguments of the POST (its body and headers)."""
    trade = SandboxTrade.objects.get(pk=trade_id)
    try:
        with httpx.Client(transport=transport, timeout=10) as client:
            response = client.post(trade.notify_url, **request(trade))
        answered = accepted(response)
    except httpx.HTTPError as exc:
        logger.warning("sandbox notification to %s failed: %s", trade.notify_url, exc.__class__.__name__)
        answered = False
    SandboxTrade.objects.filter(pk=trade_id).update(
        notify_attempts=F("notify_attempts") + 1, notified_at=timezone.now() if answered else None
    )
    return answered


def trade_pay(trade: SandboxTrade) -> SandboxTrade:
    """The payer chose "pay" at the cashier: the trade succeeds and the notification leaves."""
    from .tasks import deliver_notification

    return trade_settle(trade, waiting="WAIT_BUYER_PAY", paid="TRADE_SUCCESS", notify_task=deliver_notification)


def notification_params(trade: SandboxTrade) -> dict:
    """The asynchronous notification Alipay posts, signed (``sign_type`` is not signed)."""
    params = {
        "notify_time": _stamp(),
        "notify_type": "trade_status_sync",
        "notify_id": secrets.token_hex(16),
        "charset": "utf-8",
        "version": "1.0",
        "app_id": trade.app_id,
        "seller_id": settings.PAYMENTS_ALIPAY["SELLER_ID"],
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "buyer_id": "2088102177846880",
        "trade_status": trade.status,
        "total_amount": yuan(trade.total_fen),
        "receipt_amount": yuan(trade.total_fen),
        "subject": trade.subject,
        "gmt_payment": _stamp(trade.paid_at) if trade.paid_at else "",
    }
    if trade.refunded_fen:
        params["refund_fee"] = yuan(trade.refunded_fen)
    return alipay_signed({key: value for key, value in params.items() if value != ""})


def return_params(trade: SandboxTrade) -> dict:
    params = {
        "app_id": trade.app_id,
        "method": "alipay.trade.page.pay.return",
        "charset": "utf-8",
        "timestamp": _stamp(),
        "out_trade_no": trade.out_trade_no,
        "trade_no": trade.trade_no,
        "total_amount": yuan(trade.total_fen),
        "seller_id": settings.PAYMENTS_ALIPAY["SELLER_ID"],
    }
    return alipay_signed(params)


def notification_deliver(*, trade_id: int, transport: httpx.BaseTransport | None = None) -> bool:
    """Post the notification once; True when the portal answered exactly ``success``."""
    return notification_post(
        trade_id=trade_id,
        transport=transport,
        request=lambda trade: {"data": notification_params(trade)},
        accepted=lambda response: response.status_code == 200 and response.text == "success",
    )


# --- the server-to-server API ---------------------------------------------------------


def _signed_answer(node: str, body: dict) -> str:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return f'{{"{node}":{text},"sign":"{signing.sign(text, _private_key())}"}}'


def api_answer(params: dict, *, bill_url) -> str:
    method = params.get("method", "")
    node = method.replace(".", "_") + "_response"
    try:
        biz = json.loads(params.get("biz_content") or "{}")
    except ValueError:
        biz = {}
    if method == "alipay.trade.query":
        trade = (
            SandboxTrade.objects.filter(app_id=params["app_id"], out_trade_no=biz.get("out_trade_no"))
            .order_by("-paid_at", "-created_at")
            .first()
        )
        if trade is None:
            return _signed_answer(node, {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST"})
        return _signed_answer(
            node,
            {
                "code": "10000",
                "msg": "Success",
                "trade_no": trade.trade_no,
                "out_trade_no": trade.out_trade_no,
                "trade_status": trade.status,
                "total_amount": yuan(trade.total_fen),
            },
        )
    if method == "alipay.trade.refund":
        return _signed_answer(node, _refund(params["app_id"], biz))
    if method == "alipay.data.dataservice.bill.downloadurl.query":
        return _signed_answer(
            node, {"code": "10000", "msg": "Success", "bill_download_url": bill_url(biz.get("bill_date", ""))}
        )
    return _signed_answer(node, {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.INVALID_METHOD"})


def _refund(app_id: str, biz: dict) -> dict:
    with transaction.atomic():
        trade = (
            SandboxTrade.objects.select_for_update()
            .filter(app_id=app_id, out_trade_no=biz.get("out_trade_no"), status__in=["TRADE_SUCCESS", "TRADE_CLOSED"])
            .order_by("-paid_at")
            .first()
        )
        if trade is None:
            return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST"}
        existing = SandboxRefund.objects.filter(out_request_no=biz.get("out_request_no", "")).first()
        amount = parse_yuan(biz.get("refund_amount", "0"))
        if existing is None:
            if trade.refunded_fen + amount > trade.total_fen:
                return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"}
            SandboxRefund.objects.create(trade=trade, out_request_no=biz["out_request_no"], amount_fen=amount)
            trade.refunded_fen += amount
            if trade.refunded_fen == trade.total_fen:
                trade.status = "TRADE_CLOSED"
            trade.save(update_fields=["refunded_fen", "status"])
    return {
        "code": "10000",
        "msg": "Success",
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "fund_change": "Y" if existing is None else "N",
        "refund_fee": yuan(trade.refunded_fen),
    }


def statement_csv(day: datetime.date) -> str:
    """The day's statement (Asia/Shanghai day): payments, then refunds."""
    start, end = beijing_day(day)
    rows = ["#支付宝业务明细查询（沙箱 SANDBOX）", "#支付宝交易号,商户订单号,业务类型,金额"]
    for trade in SandboxTrade.objects.filter(paid_at__gte=start, paid_at__lt=end).order_by("paid_at"):
        rows.append(f"{trade.trade_no},{trade.out_trade_no},交易,{yuan(trade.total_fen)}")
    for refund in SandboxRefund.objects.filter(created_at__gte=start, created_at__lt=end).select_related("trade"):
        rows.append(f"{refund.out_request_no},{refund.trade.out_trade_no},退款,{yuan(refund.amount_fen)}")
    return "\n".join(rows) + "\n"
