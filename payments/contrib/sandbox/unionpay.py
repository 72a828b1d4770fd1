"""SANDBOX: UnionPay 5.1.0 back-end notifications, signed with the sandbox's test certificate
(issued by the sandbox's test middle and root certificates)."""

import base64
from functools import lru_cache

from django.conf import settings
from django.utils import timezone

from ...money import beijing_day
from ...signing import load_private_key, sign_sha256_rsa, verify_sha256_rsa
from ..unionpay.plugin import PROTOCOL_FIELDS, signed_digest
from .services import KEYS, countdown_on, merchant_public_key, notification_post, trade_settle


@lru_cache(maxsize=1)
def _sign_cert() -> str:
    return (KEYS / "unionpay-sign-cert.pem").read_text()


def sign(params: dict) -> dict:
    params = {**params, "signPubKeyCert": _sign_cert()}
    key = load_private_key(KEYS / "unionpay-sign-private.pem")
    return {**params, "signature": sign_sha256_rsa(signed_digest(params), key)}


def payment_notification(*, order_id: str, query_id: str, amount_fen: int, resp_code: str = "00") -> dict:
    return sign(
        {
            **PROTOCOL_FIELDS,
            "txnType": "01",
            "txnSubType": "01",
            "bizType": "000201",
            "accessType": "0",
            "merId": settings.PAYMENTS_UNIONPAY["MER_ID"],
            "orderId": order_id,
            "txnTime": timezone.localtime().strftime("%Y%m%d%H%M%S"),
            "txnAmt": str(amount_fen),
            "currencyCode": "156",
            "queryId": query_id,
            "respCode": resp_code,
            "respMsg": "成功[0000000]",
            "traceNo": "000001",
            "traceTime": timezone.localtime().strftime("%m%d%H%M%S"),
            "settleAmt": str(amount_fen),
            "settleCurrencyCode": "156",
            "settleDate": timezone.localtime().strftime("%m%d"),
        }
    )


# --- the gateway: requests verified with the merchant key, answers signed with the test cert ------

# UnionPay retries an unanswered back-end notification a few times within minutes.
UNIONPAY_RETRY_SCHEDULE = [60, 120, 240, 480]


def next_retry_countdown(retries_so_far: int) -> int | None:
    return countdown_on(UNIONPAY_RETRY_SCHEDULE, retries_so_far)


def request_is_signed(params: dict) -> bool:
    config = settings.PAYMENTS_UNIONPAY
    if params.get("signMethod") != "01" or params.get("certId") != config["CERT_ID"]:
        return False
    if params.get("merId") != config["MER_ID"]:
        return False
    return verify_sha256_rsa(signed_digest(params), params.get("signature", ""), merchant_public_key())


def answer_text(params: dict) -> str:
    """A signed back-end answer, ``k=v&…`` unencoded, as UnionPay sends it."""
    signed = sign({**PROTOCOL_FIELDS, **params})
    return "&".join(f"{key}={value}" for key, value in signed.items())


def trade_open(params: dict):
    import secrets

    from .models import SandboxTrade

    trade, _ = SandboxTrade.objects.get_or_create(
        provider="unionpay",
        app_id=params["merId"],
        out_trade_no=params["orderId"],
        status="NOTPAY",
        defaults={
            "trade_no": timezone.localtime().strftime("%m%d%H%M%S") + f"{secrets.randbelow(10**11):011d}",
            "subject": params.get("orderDesc", "")[:256],
            "total_fen": int(params["txnAmt"]),
            "notify_url": params["backUrl"],
            "return_url": params.get("frontUrl", ""),
        },
    )
    return trade


def trade_pay(trade):
    from .tasks import deliver_unionpay_notification

    return trade_settle(trade, waiting="NOTPAY", paid="00", notify_task=deliver_unionpay_notification)


def notification_deliver(*, trade_id: int, transport=None) -> bool:
    """Post the back-end notification once; UnionPay counts HTTP 200 as received."""
    return notification_post(
        trade_id=trade_id,
        transport=transport,
        request=lambda trade: {
            "data": payment_notification(
                order_id=trade.out_trade_no, query_id=trade.trade_no, amount_fen=trade.total_fen
            )
        },
        accepted=lambda response: response.status_code == 200,
    )


def back_answer(path: str, params: dict) -> str:
    from django.db import transaction

    from .models import SandboxRefund, SandboxTrade

    base = {key: params.get(key, "") for key in ("merId", "orderId", "txnTime", "txnType", "txnSubType", "bizType")}
    if not request_is_signed(params):
        return answer_text({**base, "respCode": "11", "respMsg": "验证签名失败（沙箱 SANDBOX）"})
    if path == "queryTrans" and params.get("txnType") == "00":
        trade = SandboxTrade.objects.filter(provider="unionpay", out_trade_no=params.get("orderId")).first()
        if trade is None:
            return answer_text({**base, "respCode": "34", "respMsg": "查无此交易"})
        return answer_text(
            {
                **base,
                "respCode": "00",
                "respMsg": "成功[0000000]",
                "queryId": trade.trade_no,
                "txnAmt": str(trade.total_fen),
                "origRespCode": "00" if trade.status == "00" else "05",
                "origRespMsg": "成功" if trade.status == "00" else "交易处理中",
            }
        )
    if path == "backTransReq" and params.get("txnType") == "04":
        amount = params.get("txnAmt", "")
        with transaction.atomic():
            trade = (
                SandboxTrade.objects.select_for_update()
                .filter(provider="unionpay", trade_no=params.get("origQryId"), status="00")
                .first()
            )
            if trade is None or not amount.isdigit():
                return answer_text({**base, "respCode": "35", "respMsg": "原交易不存在或状态不正确"})
            refund = SandboxRefund.objects.filter(out_request_no=params.get("orderId", "")).first()
            if refund is None:
                if int(amount) <= 0 or trade.refunded_fen + int(amount) > trade.total_fen:
                    return answer_text({**base, "respCode": "94", "respMsg": "退货金额超限"})
                refund = SandboxRefund.objects.create(
                    trade=trade, out_request_no=params["orderId"], amount_fen=int(amount)
                )
                trade.refunded_fen += int(amount)
                trade.save(update_fields=["refunded_fen"])
        return answer_text({**base, "respCode": "00", "respMsg": "成功[0000000]", "queryId": f"R{refund.pk:020d}"})
    if path == "fileTransReq" and params.get("txnType") == "76":
        return answer_text(
            {**base, "respCode": "00", "respMsg": "成功[0000000]", **settlement_file(params.get("settleDate", ""))}
        )
    return answer_text({**base, "respCode": "12", "respMsg": "交易类型不支持（沙箱 SANDBOX）"})


def settlement_file(settle_date: str) -> dict:
    """A day's simplified ZM file (see ``unionpay.plugin.parse_settlement``), zipped, deflated, base64."""
    import datetime
    import io
    import zipfile
    import zlib

    from .models import SandboxRefund, SandboxTrade

    today = timezone.localdate()
    try:
        day = datetime.date(today.year, int(settle_date[:2]), int(settle_date[2:4]))
    except (ValueError, IndexError):
        day = today
    if day > today:
        day = day.replace(year=day.year - 1)
    start, end = beijing_day(day)
    rows = [
        f"S22 {t.trade_no} {t.out_trade_no} {t.total_fen:012d}"
        for t in SandboxTrade.objects.filter(provider="unionpay", paid_at__gte=start, paid_at__lt=end)
    ]
    rows += [
        f"S30 R{r.pk:020d} {r.out_request_no} {r.amount_fen:012d}"
        for r in SandboxRefund.objects.filter(trade__provider="unionpay", created_at__gte=start, created_at__lt=end)
    ]
    name = f"INN{day:%y%m%d}88ZM_{settings.PAYMENTS_UNIONPAY['MER_ID']}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, "\n".join(rows) + "\n")
    return {"fileName": name + ".zip", "fileContent": base64.b64encode(zlib.compress(buffer.getvalue())).decode()}
