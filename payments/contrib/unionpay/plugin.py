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
minutes, so the order-query task and reconciliation matter most here.

Our requests carry ``certId`` and are signed the same way (signMethod 01) with
the merchant signing key: the front transaction (``frontTransReq.do``, a form
the payer's browser posts to the cashier), and, server to server over httpx,
query (``queryTrans.do``, txnType 00), refund (``backTransReq.do``, txnType 04)
and the settlement file (``fileTransReq.do``, txnType 76). Every answer is
verified like a notification, else :class:`GatewayError`.
"""

import base64
import binascii
import datetime
import hashlib
import io
import zipfile
import zlib
from functools import lru_cache
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from ...base import (
    GatewayError,
    HttpPaymentGateway,
    InvalidNotification,
    NotificationOutcome,
    PaymentStart,
    QueryResult,
    RefundResult,
    StatementLine,
    VerifiedNotification,
)
from ...constants import TransactionKind
from ...money import BEIJING
from ...registry import register
from ...signing import load_private_key, sign_sha256_rsa, verify_sha256_rsa
from ..alipay.signing import signing_string

UNIONPAY_CN = "中国银联股份有限公司"
# Every message, both ways: interface version 5.1.0, UTF-8, signMethod 01 (SHA256withRSA).
PROTOCOL_FIELDS = {"version": "5.1.0", "encoding": "UTF-8", "signMethod": "01"}


def parse_answer(text: str) -> dict:
    """A back-end answer: ``k=v&k=v`` with values not URL-encoded (as UnionPay sends them)."""
    params = {}
    for part in text.split("&"):
        key, sep, value = part.partition("=")
        if sep:
            params[key] = value
    return params


def txn_time(moment: datetime.datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y%m%d%H%M%S")


@lru_cache(maxsize=8)
def _trusted_middle(root_path: str, middle_path: str) -> x509.Certificate:
    root = x509.load_pem_x509_certificate(Path(root_path).read_bytes())
    middle = x509.load_pem_x509_certificate(Path(middle_path).read_bytes())
    middle.verify_directly_issued_by(root)
    return middle


def signed_digest(params: dict) -> bytes:
    return hashlib.sha256(signing_string(params, drop=("signature",)).encode()).hexdigest().encode()


@register("unionpay")
class UnionPayGateway(HttpPaymentGateway):
    verbose_name = _("银联")

    config_setting = "PAYMENTS_UNIONPAY"

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
        if not verify_sha256_rsa(signed_digest(params), params.get("signature", ""), cert.public_key()):
            raise InvalidNotification("bad signature")

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

    # --- our requests -----------------------------------------------------------------------

    def sign(self, params: dict) -> dict:
        params = {**params, **PROTOCOL_FIELDS, "certId": self.config["CERT_ID"]}
        key = load_private_key(self.config["MERCHANT_PRIVATE_KEY_FILE"])
        return {**params, "signature": sign_sha256_rsa(signed_digest(params), key)}

    def _call(self, path: str, params: dict) -> dict:
        try:
            with self.http_client() as client:
                response = client.post(self.config["GATEWAY_URL"].rstrip("/") + path, data=self.sign(params))
        except httpx.HTTPError as exc:
            raise GatewayError(f"unionpay {path}: {exc.__class__.__name__}") from exc
        answer = parse_answer(response.text)
        try:
            self.verify(answer)
        except InvalidNotification as exc:
            raise GatewayError(f"unionpay {path}: answer not verified ({exc})") from exc
        if answer.get("merId", self.config["MER_ID"]) != self.config["MER_ID"]:
            raise GatewayError(f"unionpay {path}: foreign merId")
        return answer

    def _order_fields(self, order) -> dict:
        return {
            "bizType": "000201",
            "accessType": "0",
            "channelType": "07",
            "merId": self.config["MER_ID"],
            "orderId": order.out_trade_no,
            "txnTime": txn_time(order.created_at),
        }

    # --- the contract -------------------------------------------------------------------------

    def start_payment(self, *, order, return_url: str, notify_url: str, client_ip: str = "") -> PaymentStart:
        """前台类交易: the payer's browser posts this signed form to the UnionPay cashier."""
        form = self.sign(
            {
                **self._order_fields(order),
                "txnType": "01",
                "txnSubType": "01",
                "txnAmt": str(order.amount_fen),
                "currencyCode": "156",
                "frontUrl": return_url,
                "backUrl": notify_url,
                "orderDesc": order.subject[:32],
                "payTimeout": txn_time(order.expires_at),
            }
        )
        return PaymentStart(redirect_url=self.config["FRONT_TRANS_URL"], form=form)

    def handle_return(self, *, request: HttpRequest) -> str | None:
        return None

    def query(self, *, order) -> QueryResult:
        answer = self._call(
            "/gateway/api/queryTrans.do", {**self._order_fields(order), "txnType": "00", "txnSubType": "00"}
        )
        if answer.get("respCode") != "00":  # 34: no such order (the payer never paid)
            return QueryResult(outcome=NotificationOutcome.PENDING)
        if answer.get("orderId") != order.out_trade_no:
            raise GatewayError("unionpay query: another order's answer")
        if answer.get("origRespCode") != "00":
            return QueryResult(outcome=NotificationOutcome.PENDING)
        amount = answer.get("txnAmt", "")
        if not amount.isdigit():
            raise GatewayError("unionpay query: bad txnAmt")
        return QueryResult(
            outcome=NotificationOutcome.PAID, transaction_id=answer.get("queryId", ""), amount_fen=int(amount)
        )

    def refund(self, *, order, refund) -> RefundResult:
        from django.utils import timezone

        answer = self._call(
            "/gateway/api/backTransReq.do",
            {
                "bizType": "000201",
                "accessType": "0",
                "channelType": "07",
                "merId": self.config["MER_ID"],
                "txnType": "04",
                "txnSubType": "00",
                "orderId": refund.refund_no,
                "origQryId": order.gateway_trade_no,
                "txnTime": txn_time(timezone.now()),
                "txnAmt": str(refund.amount_fen),
                "currencyCode": "156",
                "backUrl": settings.PAYMENTS_SITE_URL.rstrip("/") + "/payments/notify/unionpay/",
            },
        )
        if answer.get("respCode") == "00":
            return RefundResult(succeeded=True, refunded_fen=refund.amount_fen)
        return RefundResult(succeeded=False, message=f"{answer.get('respCode', '')} {answer.get('respMsg', '')}")

    def fetch_statement(self, *, day: datetime.date) -> list[StatementLine]:
        from django.utils import timezone

        answer = self._call(
            "/gateway/api/fileTransReq.do",
            {
                "bizType": "000000",
                "accessType": "0",
                "merId": self.config["MER_ID"],
                "txnType": "76",
                "txnSubType": "01",
                "fileType": "00",
                "settleDate": day.strftime("%m%d"),
                "txnTime": txn_time(timezone.now()),
            },
        )
        if answer.get("respCode") != "00":
            raise GatewayError(f"unionpay statement: {answer.get('respCode')} {answer.get('respMsg', '')}")
        try:
            archive = zipfile.ZipFile(io.BytesIO(zlib.decompress(base64.b64decode(answer["fileContent"]))))
            name = next(n for n in archive.namelist() if "ZM_" in n)
            text = archive.read(name).decode("utf-8")
        except (KeyError, ValueError, zlib.error, zipfile.BadZipFile, StopIteration, binascii.Error) as exc:
            raise GatewayError("unionpay statement: unreadable file") from exc
        return parse_settlement(text)


# The SANDBOX's settlement (ZM) file is a simplified one: per line, space separated,
# 交易代码 (S22 消费 / S30 退货), 查询流水号 (queryId), 商户订单号, 交易金额 (12 digits, fen).
TRANSACTION_CODES = {"S22": TransactionKind.PAYMENT, "S30": TransactionKind.REFUND}


def parse_settlement(text: str) -> list[StatementLine]:
    lines = []
    for row in text.splitlines():
        fields = row.split()
        if not fields:
            continue
        if len(fields) != 4 or fields[0] not in TRANSACTION_CODES or not fields[3].isdigit():
            raise GatewayError("unionpay statement: malformed line")
        code, query_id, order_id, amount = fields
        kind = TRANSACTION_CODES[code]
        lines.append(
            StatementLine(
                out_trade_no=order_id,
                # Our refund rows are keyed by our refund number (the refund's orderId).
                transaction_id=query_id if kind == TransactionKind.PAYMENT else order_id,
                kind=kind,
                amount_fen=int(amount),
            )
        )
    return lines
