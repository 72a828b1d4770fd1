"""WeChat Pay API v3 (微信支付) notifications, as documented by WeChat Pay.

A notification is verified before anything in it is believed:

1. the ``Wechatpay-Signature`` must not be a ``WECHATPAY/SIGNTEST/`` probe;
2. ``Wechatpay-Timestamp`` must be within 5 minutes of now;
3. the signature (SHA256withRSA) over ``timestamp\\nnonce\\nbody\\n`` — the **raw**
   request bytes — must verify with the platform key named by
   ``Wechatpay-Serial`` (only keys configured in ``PAYMENTS_WECHATPAY``; an
   unknown serial is refused, never fetched);
4. the ``resource`` is decrypted with AEAD_AES_256_GCM under the APIv3 key,
   with its ``nonce`` and ``associated_data``; then ``appid`` and ``mchid`` must
   be ours.

The answer is 204 when accepted, else 4xx with ``{"code": "FAIL", "message": …}``.
Outgoing calls (query, refund, statement) are not built yet: they raise
:class:`GatewayError`, so the query task and refunds skip WeChat orders.
"""

import base64
import binascii
import datetime
import json
import time
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _

from ...base import (
    BasePaymentGateway,
    GatewayError,
    InvalidNotification,
    NotificationOutcome,
    PaymentStart,
    QueryResult,
    RefundResult,
    StatementLine,
    VerifiedNotification,
)
from ...registry import register

MAX_SKEW_SECONDS = 5 * 60
SIGNTEST_PREFIX = "WECHATPAY/SIGNTEST/"


@lru_cache(maxsize=16)
def _public_key(path: str):
    return serialization.load_pem_public_key(Path(path).read_bytes())


def decrypt_resource(resource: dict, apiv3_key: bytes) -> dict:
    try:
        plain = AESGCM(apiv3_key).decrypt(
            resource["nonce"].encode(),
            base64.b64decode(resource["ciphertext"]),
            (resource.get("associated_data") or "").encode(),
        )
        return json.loads(plain)
    except (InvalidTag, KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise InvalidNotification("resource does not decrypt") from exc


@register("wechatpay")
class WechatPayGateway(BasePaymentGateway):
    verbose_name = _("微信支付")

    @property
    def config(self) -> dict:
        return settings.PAYMENTS_WECHATPAY

    @property
    def is_sandbox(self) -> bool:
        return any("sandbox" in path for path in self.config["PLATFORM_PUBLIC_KEYS"].values())

    def verify_headers(self, *, headers, body: bytes, now: float | None = None) -> None:
        signature = headers.get("Wechatpay-Signature", "")
        if signature.startswith(SIGNTEST_PREFIX):
            raise InvalidNotification("signature probe (WECHATPAY/SIGNTEST/)")
        try:
            timestamp = int(headers.get("Wechatpay-Timestamp", ""))
        except ValueError as exc:
            raise InvalidNotification("no timestamp") from exc
        if abs((time.time() if now is None else now) - timestamp) > MAX_SKEW_SECONDS:
            raise InvalidNotification("timestamp more than 5 minutes off")
        key_path = self.config["PLATFORM_PUBLIC_KEYS"].get(headers.get("Wechatpay-Serial", ""))
        if key_path is None:
            raise InvalidNotification("unknown platform key serial")
        message = f"{timestamp}\n{headers.get('Wechatpay-Nonce', '')}\n".encode() + body + b"\n"
        try:
            _public_key(key_path).verify(
                base64.b64decode(signature, validate=True), message, padding.PKCS1v15(), hashes.SHA256()
            )
        except (InvalidSignature, binascii.Error, ValueError) as exc:
            raise InvalidNotification("bad signature") from exc

    def parse_notification(self, *, request: HttpRequest) -> VerifiedNotification:
        body = request.body
        self.verify_headers(headers=request.headers, body=body)
        try:
            envelope = json.loads(body)
            resource = envelope["resource"]
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidNotification("malformed body") from exc
        if resource.get("algorithm") != "AEAD_AES_256_GCM":
            raise InvalidNotification("unknown algorithm")
        plain = decrypt_resource(resource, self.config["APIV3_KEY"].encode())
        if plain.get("appid") != self.config["APPID"] or plain.get("mchid") != self.config["MCHID"]:
            raise InvalidNotification("foreign appid or mchid")
        amount = plain.get("amount") or {}
        if not isinstance(amount.get("total"), int) or amount.get("currency", "CNY") != "CNY":
            raise InvalidNotification("bad amount")
        state = plain.get("trade_state")
        outcome = (
            NotificationOutcome.PAID
            if state == "SUCCESS"
            else NotificationOutcome.CLOSED
            if state in ("CLOSED", "REVOKED")
            else NotificationOutcome.PENDING
        )
        if not plain.get("out_trade_no") or not plain.get("transaction_id"):
            raise InvalidNotification("missing order or transaction number")
        return VerifiedNotification(
            out_trade_no=plain["out_trade_no"],
            transaction_id=plain["transaction_id"],
            amount_fen=amount["total"],
            outcome=outcome,
            raw=plain,
        )

    def notification_answer(self, *, accepted: bool) -> HttpResponse:
        if accepted:
            return HttpResponse(status=204)
        return JsonResponse({"code": "FAIL", "message": "失败"}, status=400)

    def start_payment(self, *, order, return_url: str, notify_url: str) -> PaymentStart:
        raise GatewayError("wechatpay: payment start (Native/H5) is not built yet")

    def handle_return(self, *, request: HttpRequest) -> str | None:
        return None  # WeChat Pay has no signed browser return

    def query(self, *, order) -> QueryResult:
        raise GatewayError("wechatpay: order query is not built yet")

    def refund(self, *, order, refund) -> RefundResult:
        raise GatewayError("wechatpay: refund is not built yet")

    def fetch_statement(self, *, day: datetime.date) -> list[StatementLine]:
        raise GatewayError("wechatpay: statement download is not built yet")
