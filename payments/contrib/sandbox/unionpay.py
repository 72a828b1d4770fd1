"""SANDBOX: UnionPay 5.1.0 back-end notifications, signed with the sandbox's test certificate
(issued by the sandbox's test middle and root certificates)."""

import base64

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.conf import settings
from django.utils import timezone

from ..unionpay.plugin import signed_digest
from .services import KEYS


def sign(params: dict) -> dict:
    key = serialization.load_pem_private_key((KEYS / "unionpay-sign-private.pem").read_bytes(), password=None)
    params = {**params, "signPubKeyCert": (KEYS / "unionpay-sign-cert.pem").read_text()}
    signature = key.sign(signed_digest(params), padding.PKCS1v15(), hashes.SHA256())
    return {**params, "signature": base64.b64encode(signature).decode()}


def payment_notification(*, order_id: str, query_id: str, amount_fen: int, resp_code: str = "00") -> dict:
    return sign(
        {
            "version": "5.1.0",
            "encoding": "UTF-8",
            "signMethod": "01",
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
