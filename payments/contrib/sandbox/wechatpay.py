"""SANDBOX: WeChat Pay API v3 notifications in the real format, signed and encrypted with the
sandbox's test platform key and APIv3 key."""

import base64
import datetime
import json
import secrets
import time

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from common.money import yuan

from ...money import BEIJING, beijing_day
from ...signing import load_private_key, sign_sha256_rsa, verify_sha256_rsa
from ..wechatpay.plugin import MAX_SKEW_SECONDS, notification_message, parse_authorization, signing_message
from .services import KEYS, countdown_on, merchant_public_key, notification_post, trade_settle

SANDBOX_SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"


def encrypt_resource(plain: dict, *, apiv3_key: bytes, associated_data: str = "transaction") -> dict:
    nonce = secrets.token_hex(6)  # 12 characters, as WeChat Pay sends
    ciphertext = AESGCM(apiv3_key).encrypt(
        nonce.encode(), json.dumps(plain, ensure_ascii=False).encode(), associated_data.encode()
    )
    return {
        "original_type": "transaction",
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(ciphertext).decode(),
        "associated_data": associated_data,
        "nonce": nonce,
    }


def sign(message: bytes) -> str:
    return sign_sha256_rsa(message, load_private_key(KEYS / "wechatpay-platform-private.pem"))


def transaction_notification(
    *, out_trade_no: str, transaction_id: str, total_fen: int, trade_state: str = "SUCCESS", timestamp=None
) -> tuple[bytes, dict]:
    """(raw body, headers) of a ``TRANSACTION.SUCCESS`` notification, as WeChat Pay posts it."""
    config = settings.PAYMENTS_WECHATPAY
    plain = {
        "appid": config["APPID"],
        "mchid": config["MCHID"],
        "out_trade_no": out_trade_no,
        "transaction_id": transaction_id,
        "trade_type": "NATIVE",
        "trade_state": trade_state,
        "trade_state_desc": "支付成功",
        "success_time": datetime.datetime.now(datetime.UTC).isoformat(),
        "payer": {"openid": "oSandbox0000000000000000000"},
        "amount": {"total": total_fen, "payer_total": total_fen, "currency": "CNY", "payer_currency": "CNY"},
    }
    body = json.dumps(
        {
            "id": secrets.token_hex(18),
            "create_time": datetime.datetime.now(datetime.UTC).isoformat(),
            "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS",
            "summary": "支付成功",
            "resource": encrypt_resource(plain, apiv3_key=config["APIV3_KEY"].encode()),
        },
        ensure_ascii=False,
    ).encode()
    return body, {**signed_headers(body, timestamp=timestamp), "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048"}


# --- the API half: requests verified with the merchant key, answers signed ----------------

# WeChat Pay retries an unanswered notification 15 times over 24h4m.
WECHATPAY_RETRY_SCHEDULE = [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600]


def next_retry_countdown(retries_so_far: int) -> int | None:
    return countdown_on(WECHATPAY_RETRY_SCHEDULE, retries_so_far)


def request_is_signed(*, method: str, url: str, body: bytes, authorization: str, now: float | None = None) -> bool:
    """A merchant request's ``Authorization``: our MCHID, fresh, and signed with the merchant key."""
    fields = parse_authorization(authorization)
    if fields.get("mchid") != settings.PAYMENTS_WECHATPAY["MCHID"]:
        return False
    try:
        if abs((time.time() if now is None else now) - int(fields.get("timestamp", ""))) > MAX_SKEW_SECONDS:
            return False
        message = signing_message(method, url, fields["timestamp"], fields.get("nonce_str", ""), body.decode())
    except (ValueError, KeyError, UnicodeDecodeError):
        return False
    return verify_sha256_rsa(message, fields.get("signature", ""), merchant_public_key())


def signed_headers(body: bytes, *, timestamp=None) -> dict:
    """The ``Wechatpay-*`` headers WeChat Pay puts on each answer and notification (now, unless ``timestamp``)."""
    timestamp = str(int(time.time()) if timestamp is None else int(timestamp))
    nonce = secrets.token_hex(16)
    return {
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Serial": SANDBOX_SERIAL,
        "Wechatpay-Signature": sign(notification_message(timestamp, nonce, body)),
    }


def trade_open(payload: dict, *, notify_url: str):
    from django.utils import timezone

    from .models import SandboxTrade

    config = settings.PAYMENTS_WECHATPAY
    trade, _ = SandboxTrade.objects.get_or_create(
        provider="wechatpay",
        app_id=config["APPID"],
        out_trade_no=payload["out_trade_no"],
        status="NOTPAY",
        defaults={
            "trade_no": "4200" + timezone.localtime().strftime("%Y%m%d") + f"{secrets.randbelow(10**16):016d}",
            "subject": str(payload.get("description", ""))[:256],
            "total_fen": int(payload["amount"]["total"]),
            "notify_url": notify_url,
        },
    )
    return trade


def trade_pay(trade):
    """The payer chose "pay": the trade succeeds and the notification leaves (Celery)."""
    from .tasks import deliver_wechatpay_notification

    return trade_settle(trade, waiting="NOTPAY", paid="SUCCESS", notify_task=deliver_wechatpay_notification)


def _notification_request(trade) -> dict:
    body, headers = transaction_notification(
        out_trade_no=trade.out_trade_no, transaction_id=trade.trade_no, total_fen=trade.total_fen
    )
    return {"content": body, "headers": {**headers, "Content-Type": "application/json"}}


def notification_deliver(*, trade_id: int, transport=None) -> bool:
    """Post the notification once; True when the portal answered 200 or 204."""
    return notification_post(
        trade_id=trade_id,
        transport=transport,
        request=_notification_request,
        accepted=lambda response: response.status_code in (200, 204),
    )


def trade_answer(out_trade_no: str) -> tuple[int, dict]:
    from .models import SandboxTrade

    config = settings.PAYMENTS_WECHATPAY
    trade = (
        SandboxTrade.objects.filter(provider="wechatpay", out_trade_no=out_trade_no)
        .order_by("-paid_at", "-created_at")
        .first()
    )
    if trade is None:
        return 404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"}
    answer = {
        "appid": config["APPID"],
        "mchid": config["MCHID"],
        "out_trade_no": trade.out_trade_no,
        "transaction_id": trade.trade_no if trade.status != "NOTPAY" else "",
        "trade_type": "MWEB",
        "trade_state": trade.status,
        "trade_state_desc": trade.status,
        "amount": {"total": trade.total_fen, "currency": "CNY"},
    }
    if trade.paid_at:
        answer["success_time"] = trade.paid_at.isoformat()
    return 200, answer


def refund_answer(payload: dict) -> tuple[int, dict]:
    from django.db import transaction

    from .models import SandboxRefund, SandboxTrade

    try:
        amount = int(payload["amount"]["refund"])
        out_refund_no = str(payload["out_refund_no"])
    except (KeyError, TypeError, ValueError):
        return 400, {"code": "PARAM_ERROR", "message": "参数错误"}
    with transaction.atomic():
        trade = (
            SandboxTrade.objects.select_for_update()
            .filter(provider="wechatpay", out_trade_no=payload.get("out_trade_no"), status__in=["SUCCESS", "REFUND"])
            .first()
        )
        if trade is None:
            return 404, {"code": "RESOURCE_NOT_EXISTS", "message": "订单不存在"}
        refund = SandboxRefund.objects.filter(out_request_no=out_refund_no).first()
        if refund is None:
            if amount <= 0 or trade.refunded_fen + amount > trade.total_fen:
                return 403, {"code": "NOT_ENOUGH", "message": "退款金额超过可退金额"}
            refund = SandboxRefund.objects.create(trade=trade, out_request_no=out_refund_no, amount_fen=amount)
            trade.refunded_fen += amount
            trade.status = "REFUND"
            trade.save(update_fields=["refunded_fen", "status"])
    return 200, {
        "refund_id": f"5030{refund.pk:024d}",
        "out_refund_no": refund.out_request_no,
        "transaction_id": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "channel": "ORIGINAL",
        "status": "SUCCESS",
        "create_time": refund.created_at.isoformat(),
        "amount": {"total": trade.total_fen, "refund": refund.amount_fen, "currency": "CNY"},
    }


BILL_HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,"
    "货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,"
    "商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
)


def tradebill(day: datetime.date) -> bytes:
    """The day's trade bill (Asia/Shanghai day) in WeChat Pay's format: a backtick before each field."""
    from .models import SandboxRefund, SandboxTrade

    config = settings.PAYMENTS_WECHATPAY
    start, end = beijing_day(day)
    rows = [BILL_HEADER]

    def row(moment, trade, state, settle, refund_no="", refund_amount="0.00"):
        fields = [
            moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S"), config["APPID"], config["MCHID"], "0", "",
            trade.trade_no, trade.out_trade_no, "oSandbox0000000000000000000", "MWEB", state, "OTHERS", "CNY",
            settle, "0.00", "", refund_no, refund_amount, "0.00", "ORIGINAL" if refund_no else "",
            "SUCCESS" if refund_no else "", trade.subject.replace(",", "，"), "", "0.00000", "0.60%",
            yuan(trade.total_fen), refund_amount, "",
        ]  # fmt: skip
        return ",".join("`" + field for field in fields)

    paid = SandboxTrade.objects.filter(provider="wechatpay", paid_at__gte=start, paid_at__lt=end).order_by("paid_at")
    for trade in paid:
        rows.append(row(trade.paid_at, trade, "SUCCESS", yuan(trade.total_fen)))
    refunds = SandboxRefund.objects.filter(
        trade__provider="wechatpay", created_at__gte=start, created_at__lt=end
    ).select_related("trade")
    for refund in refunds:
        rows.append(
            row(refund.created_at, refund.trade, "REFUND", "0.00", refund.out_request_no, yuan(refund.amount_fen))
        )
    rows.append("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额")
    total = sum(t.total_fen for t in paid)
    refunded = sum(r.amount_fen for r in refunds)
    rows.append(f"`{len(paid)},`{yuan(total)},`{yuan(refunded)},`0.00,`0.00000,`{yuan(total)},`{yuan(refunded)}")
    return ("\n".join(rows) + "\n").encode()
