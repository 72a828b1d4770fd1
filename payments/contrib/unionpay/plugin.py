"""UnionPay (银联) online payment 5.1.0: the back-end notification (后台通知), verified ourselves.

Verification, with ``cryptography`` only (no SDK):

1. ``signPubKeyCert`` (the signing certificate sent along) must be issued by the
   configured UnionPay middle certificate, which must be issued by the
   configured root; it must be valid now and its CN must name
   中国银联股份有限公司;
2. ``signMethod`` 01: the signature is SHA256withRSA over the lowercase hex
   SHA-256 digest of the sorted ``k=v&…`` string without ``signature``;
3. ``merId`` must be ours, ``respCode`` ``00`` means paid; ``txnAmt`` is in fen.

UnionPay counts HTTP 200 as received and retries only a few times within
minutes, so the order-query task and reconciliation matter most here. Outgoing
calls are not built yet: they raise :class:`GatewayError`.
"""

import base64
import binascii
import datetime
import hashlib
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.http import HttpRequest, HttpResponse
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
from ..alipay.signing import signing_string

UNIONPAY_CN = "中国银联股份有限公司"


@lru_cache(maxsize=8)
def _trusted_middle(root_path: str, middle_path: str) -> x509.Certificate:
    root = x509.load_pem_x509_certificate(Path(root_path).read_bytes())
    middle = x509.load_pem_x509_certificate(Path(middle_path).read_bytes())
    middle.verify_directly_issued_by(root)
    return middle


def signed_digest(params: dict) -> bytes:
    return hashlib.sha256(signing_string(params, drop=("signature",)).encode()).hexdigest().encode()


@register("unionpay")
class UnionPayGateway(BasePaymentGateway):
    verbose_name = _("银联")
    offered = False  # start_payment is not built yet

    @property
    def config(self) -> dict:
        return settings.PAYMENTS_UNIONPAY

    @property
    def is_sandbox(self) -> bool:
        return "sandbox" in self.config["ROOT_CERT_FILE"]

    def verify(self, params: dict, *, now: datetime.datetime | None = None) -> None:
        if params.get("signMethod") != "01":
            raise InvalidNotification("unsupported signMethod")
        try:
            cert = x509.load_pem_x509_certificate(params.get("signPubKeyCert", "").encode())
            cert.verify_directly_issued_by(
                _trusted_middle(self.config["ROOT_CERT_FILE"], self.config["MIDDLE_CERT_FILE"])
            )
        except (ValueError, TypeError, InvalidSignature) as exc:
            raise InvalidNotification("signing certificate not issued by UnionPay") from exc
        now = now or datetime.datetime.now(datetime.UTC)
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            raise InvalidNotification("signing certificate expired")
        common_names = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
        if not any(UNIONPAY_CN in str(cn).split("@") for cn in common_names):
            raise InvalidNotification("signing certificate is not UnionPay's")
        try:
            cert.public_key().verify(
                base64.b64decode(params.get("signature", ""), validate=True),
                signed_digest(params),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (InvalidSignature, binascii.Error, ValueError) as exc:
            raise InvalidNotification("bad signature") from exc

    def parse_notification(self, *, request: HttpRequest) -> VerifiedNotification:
        params = request.POST.dict()
        self.verify(params)
        if params.get("merId") != self.config["MER_ID"]:
            raise InvalidNotification("foreign merId")
        amount = params.get("txnAmt", "")
        if not amount.isdigit() or params.get("currencyCode", "156") != "156":
            raise InvalidNotification("bad amount")
        if not params.get("orderId") or not params.get("queryId"):
            raise InvalidNotification("missing order or query id")
        return VerifiedNotification(
            out_trade_no=params["orderId"],
            transaction_id=params["queryId"],
            amount_fen=int(amount),
            outcome=NotificationOutcome.PAID if params.get("respCode") == "00" else NotificationOutcome.PENDING,
            raw=params,
        )

    def notification_answer(self, *, accepted: bool) -> HttpResponse:
        return HttpResponse(b"ok", status=200) if accepted else HttpResponse(b"fail", status=400)

    def start_payment(self, *, order, return_url: str, notify_url: str) -> PaymentStart:
        raise GatewayError("unionpay: front-end payment is not built yet")

    def handle_return(self, *, request: HttpRequest) -> str | None:
        return None

    def query(self, *, order) -> QueryResult:
        raise GatewayError("unionpay: query is not built yet")

    def refund(self, *, order, refund) -> RefundResult:
        raise GatewayError("unionpay: refund is not built yet")

    def fetch_statement(self, *, day: datetime.date) -> list[StatementLine]:
        raise GatewayError("unionpay: statement download is not built yet")
