"""Alipay (支付宝) computer-website payment, as documented by Alipay Open Platform.

Outgoing requests (``alipay.trade.page.pay``, ``.query``, ``.refund``) are
signed with the application's RSA2 key; answers and asynchronous
notifications are verified with Alipay's public key. Configured by
``settings.PAYMENTS_ALIPAY``; in demo and tests it points at the local
SANDBOX (``payments/contrib/sandbox``) and trusts the sandbox's test key.
"""

import datetime
import json
import logging
from urllib.parse import urlencode

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.money import yuan

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
from ...money import BEIJING, parse_yuan
from ...registry import register
from ...signing import load_private_key, load_public_key
from . import signing

logger = logging.getLogger(__name__)

PAID_STATUSES = {"TRADE_SUCCESS", "TRADE_FINISHED"}


def extract_response_node(raw: str, node: str) -> str:
    """The exact text of ``node`` in an Alipay JSON answer: the part that is signed."""
    start = raw.index(f'"{node}"')
    start = raw.index(":", start) + 1
    end = raw.rindex(',"sign"')
    return raw[start:end].strip()


@register("alipay")
class AlipayGateway(HttpPaymentGateway):
    verbose_name = _("支付宝")

    config_setting = "PAYMENTS_ALIPAY"

    @property
    def _private_key(self) -> rsa.RSAPrivateKey:
        return load_private_key(self.config["PRIVATE_KEY_FILE"])

    @property
    def _public_key(self) -> rsa.RSAPublicKey:
        return load_public_key(self.config["ALIPAY_PUBLIC_KEY_FILE"])

    def _common(self, method: str, biz: dict, **extra) -> dict:
        params = {
            "app_id": self.config["APP_ID"],
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": timezone.now().astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
            "version": "1.0",
            "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
            **extra,
        }
        return signing.sign_params(params, self._private_key)

    # --- the contract -------------------------------------------------------------

    def start_payment(self, *, order, return_url: str, notify_url: str, client_ip: str = "") -> PaymentStart:
        params = self._common(
            "alipay.trade.page.pay",
            {
                "out_trade_no": order.out_trade_no,
                "total_amount": yuan(order.amount_fen),
                "subject": order.subject,
                "product_code": "FAST_INSTANT_TRADE_PAY",
            },
            return_url=return_url,
            notify_url=notify_url,
        )
        return PaymentStart(redirect_url=f"{self.config['GATEWAY_URL']}?{urlencode(params)}")

    def handle_return(self, *, request: HttpRequest) -> str | None:
        params = request.GET.dict()
        if params.get("app_id") != self.config["APP_ID"] or not signing.verify_notification(params, self._public_key):
            return None
        return params.get("out_trade_no") or None

    def parse_notification(self, *, request: HttpRequest) -> VerifiedNotification:
        params = request.POST.dict()
        if not signing.verify_notification(params, self._public_key):
            raise InvalidNotification("bad signature")
        if params.get("app_id") != self.config["APP_ID"]:
            raise InvalidNotification("foreign app_id")
        if params.get("seller_id") != self.config["SELLER_ID"]:
            raise InvalidNotification("foreign seller_id")
        try:
            amount = parse_yuan(params.get("total_amount", ""))
            refunded = parse_yuan(params["refund_fee"]) if params.get("refund_fee") else 0
        except ValueError as exc:
            raise InvalidNotification("bad amount") from exc
        status = params.get("trade_status", "")
        if status in PAID_STATUSES:
            outcome = NotificationOutcome.PAID
        elif status == "TRADE_CLOSED":
            outcome = NotificationOutcome.CLOSED
        else:
            outcome = NotificationOutcome.PENDING
        if not params.get("out_trade_no") or not params.get("trade_no"):
            raise InvalidNotification("missing order or trade number")
        return VerifiedNotification(
            out_trade_no=params["out_trade_no"],
            transaction_id=params["trade_no"],
            amount_fen=amount,
            outcome=outcome,
            refunded_fen=refunded,
            raw=params,
        )

    def notification_answer(self, *, accepted: bool) -> HttpResponse:
        # Alipay stops retrying only on exactly "success".
        return HttpResponse(b"success" if accepted else b"fail", content_type="text/plain")

    def _call(self, method: str, biz: dict) -> dict:
        node = method.replace(".", "_") + "_response"
        params = self._common(method, biz)
        try:
            with self.http_client() as client:
                response = client.post(self.config["API_URL"], data=params)
            raw = response.text
            signed = extract_response_node(raw, node)
            body = json.loads(raw)
        except (httpx.HTTPError, ValueError) as exc:
            raise GatewayError(f"alipay {method}: {exc.__class__.__name__}") from exc
        if not signing.verify(signed, body.get("sign", ""), self._public_key):
            raise GatewayError(f"alipay {method}: bad answer signature")
        return body[node]

    def query(self, *, order) -> QueryResult:
        answer = self._call("alipay.trade.query", {"out_trade_no": order.out_trade_no})
        if answer.get("code") != "10000":
            # ACQ.TRADE_NOT_EXIST: the payer never reached the cashier.
            return QueryResult(outcome=NotificationOutcome.PENDING)
        status = answer.get("trade_status")
        outcome = (
            NotificationOutcome.PAID
            if status in PAID_STATUSES
            else NotificationOutcome.CLOSED
            if status == "TRADE_CLOSED"
            else NotificationOutcome.PENDING
        )
        return QueryResult(
            outcome=outcome, transaction_id=answer.get("trade_no", ""), amount_fen=parse_yuan(answer["total_amount"])
        )

    def refund(self, *, order, refund) -> RefundResult:
        answer = self._call(
            "alipay.trade.refund",
            {
                "out_trade_no": order.out_trade_no,
                "refund_amount": yuan(refund.amount_fen),
                "out_request_no": refund.refund_no,
            },
        )
        if answer.get("code") != "10000":
            return RefundResult(succeeded=False, message=answer.get("sub_msg", answer.get("msg", "")))
        return RefundResult(succeeded=True, refunded_fen=refund.amount_fen)

    def fetch_statement(self, *, day: datetime.date) -> list[StatementLine]:
        answer = self._call(
            "alipay.data.dataservice.bill.downloadurl.query", {"bill_type": "trade", "bill_date": day.isoformat()}
        )
        if answer.get("code") != "10000":
            raise GatewayError("alipay statement: " + answer.get("msg", ""))
        with self.http_client() as client:
            text = client.get(answer["bill_download_url"]).text
        lines = []
        for row in text.splitlines():
            if not row or row.startswith("#"):
                continue
            trade_no, out_trade_no, kind, amount = row.split(",")[:4]
            lines.append(
                StatementLine(
                    out_trade_no=out_trade_no.strip(),
                    transaction_id=trade_no.strip(),
                    kind=TransactionKind.REFUND if kind.strip() == "退款" else TransactionKind.PAYMENT,
                    amount_fen=parse_yuan(amount.strip()),
                )
            )
        return lines
