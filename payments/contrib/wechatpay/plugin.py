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

Outgoing calls (H5 payment ``POST /v3/pay/transactions/h5``, query
``GET /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=``, refund
``POST /v3/refund/domestic/refunds``, statement ``GET /v3/bill/tradebill``
then its ``download_url``) carry ``Authorization: WECHATPAY2-SHA256-RSA2048
mchid=…,nonce_str=…,signature=…,timestamp=…,serial_no=…``, the signature being
SHA256withRSA with the merchant key over ``METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n``.
Every answer except the bill file itself is verified like a notification (the
bill file is checked against the SHA1 ``hash_value`` of the signed answer).
In demo and tests ``API_URL`` points at the local SANDBOX.
"""

import base64
import binascii
import datetime
import hashlib
import json
import secrets
import time
from urllib.parse import quote, urlencode, urlsplit

import httpx
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.http import HttpRequest, HttpResponse, JsonResponse
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
from ...money import parse_yuan
from ...registry import register
from ...signing import load_private_key, load_public_key, sign_sha256_rsa, verify_sha256_rsa

MAX_SKEW_SECONDS = 5 * 60
SIGNTEST_PREFIX = "WECHATPAY/SIGNTEST/"


def signing_message(method: str, url: str, timestamp: str, nonce: str, body: str) -> bytes:
    """What a v3 request signature covers; ``url`` is the path with its query string."""
    return f"{method}\n{url}\n{timestamp}\n{nonce}\n{body}\n".encode()


def notification_message(timestamp: str, nonce: str, body: bytes) -> bytes:
    """What a notification's or an answer's ``Wechatpay-Signature`` covers: the **raw** body."""
    return f"{timestamp}\n{nonce}\n".encode() + body + b"\n"


def parse_authorization(value: str) -> dict:
    """The fields of a ``WECHATPAY2-SHA256-RSA2048 k="v",…`` header ({} if malformed)."""
    scheme, _, rest = value.partition(" ")
    if scheme != "WECHATPAY2-SHA256-RSA2048":
        return {}
    fields = {}
    for part in rest.split(","):
        key, sep, val = part.strip().partition("=")
        if not sep:
            return {}
        fields[key] = val.strip('"')
    return fields


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
class WechatPayGateway(HttpPaymentGateway):
    verbose_name = _("微信支付")

    config_setting = "PAYMENTS_WECHATPAY"

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
        message = notification_message(str(timestamp), headers.get("Wechatpay-Nonce", ""), body)
        if not verify_sha256_rsa(message, signature, load_public_key(key_path)):
            raise InvalidNotification("bad signature")

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

    # --- outgoing calls ----------------------------------------------------------------

    def authorization(self, method: str, url: str, body: str) -> str:
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
        signature = sign_sha256_rsa(
            signing_message(method, url, timestamp, nonce, body),
            load_private_key(self.config["MERCHANT_PRIVATE_KEY_FILE"]),
        )
        return (
            f'WECHATPAY2-SHA256-RSA2048 mchid="{self.config["MCHID"]}",nonce_str="{nonce}",'
            f'signature="{signature}",timestamp="{timestamp}",'
            f'serial_no="{self.config["MERCHANT_SERIAL_NO"]}"'
        )

    def _call(self, method: str, path: str, payload: dict | None = None, *, verify: bool = True) -> httpx.Response:
        base = self.config["API_URL"].rstrip("/")
        url = base + path
        body = "" if payload is None else json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        split = urlsplit(url)
        signed_url = split.path + (f"?{split.query}" if split.query else "")
        headers = {
            "Authorization": self.authorization(method, signed_url, body),
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        try:
            with self.http_client() as client:
                response = client.request(method, url, content=body.encode(), headers=headers)
        except httpx.HTTPError as exc:
            raise GatewayError(f"wechatpay {path}: {exc.__class__.__name__}") from exc
        if verify:
            try:
                self.verify_headers(headers=response.headers, body=response.content)
            except InvalidNotification as exc:
                raise GatewayError(f"wechatpay {path}: answer not verified ({exc})") from exc
        if response.status_code >= 500:
            raise GatewayError(f"wechatpay {path}: HTTP {response.status_code}")
        return response

    @staticmethod
    def _json(response: httpx.Response) -> dict:
        try:
            data = response.json()
        except ValueError as exc:
            raise GatewayError("wechatpay: answer is not JSON") from exc
        if not isinstance(data, dict):
            raise GatewayError("wechatpay: answer is not an object")
        return data

    # --- the contract ------------------------------------------------------------------

    def start_payment(self, *, order, return_url: str, notify_url: str, client_ip: str = "") -> PaymentStart:
        """H5 payment: WeChat Pay answers an ``h5_url``; the payer goes there and, done,
        back to ``redirect_url`` (which proves nothing: only notifications and queries do)."""
        response = self._call(
            "POST",
            "/v3/pay/transactions/h5",
            {
                "appid": self.config["APPID"],
                "mchid": self.config["MCHID"],
                "description": order.subject[:127],
                "out_trade_no": order.out_trade_no,
                "notify_url": notify_url,
                "amount": {"total": order.amount_fen, "currency": "CNY"},
                # Required by WeChat Pay; empty only when called outside a request.
                "scene_info": {"payer_client_ip": client_ip or "127.0.0.1", "h5_info": {"type": "Wap"}},
            },
        )
        data = self._json(response)
        if response.status_code != 200 or not data.get("h5_url"):
            raise GatewayError(f"wechatpay payment: {data.get('code', response.status_code)}")
        return PaymentStart(redirect_url=f"{data['h5_url']}&redirect_url={quote(return_url, safe='')}")

    def handle_return(self, *, request: HttpRequest) -> str | None:
        return None  # WeChat Pay has no signed browser return

    def query(self, *, order) -> QueryResult:
        response = self._call(
            "GET",
            f"/v3/pay/transactions/out-trade-no/{quote(order.out_trade_no, safe='')}?"
            + urlencode({"mchid": self.config["MCHID"]}),
        )
        data = self._json(response)
        if response.status_code == 404:  # ORDER_NOT_EXIST: the payer never reached the cashier
            return QueryResult(outcome=NotificationOutcome.PENDING)
        if response.status_code != 200:
            raise GatewayError(f"wechatpay query: {data.get('code', response.status_code)}")
        if data.get("mchid") != self.config["MCHID"] or data.get("appid") != self.config["APPID"]:
            raise GatewayError("wechatpay query: foreign appid or mchid")
        state = data.get("trade_state")
        outcome = (
            NotificationOutcome.PAID
            if state in ("SUCCESS", "REFUND")
            else NotificationOutcome.CLOSED
            if state in ("CLOSED", "REVOKED", "PAYERROR")
            else NotificationOutcome.PENDING
        )
        amount = data.get("amount") or {}
        return QueryResult(
            outcome=outcome, transaction_id=data.get("transaction_id", ""), amount_fen=int(amount.get("total") or 0)
        )

    def refund(self, *, order, refund) -> RefundResult:
        response = self._call(
            "POST",
            "/v3/refund/domestic/refunds",
            {
                "out_trade_no": order.out_trade_no,
                "out_refund_no": refund.refund_no,
                "reason": (refund.reason or "")[:80],
                "amount": {"refund": refund.amount_fen, "total": order.amount_fen, "currency": "CNY"},
            },
        )
        data = self._json(response)
        if response.status_code != 200:
            return RefundResult(succeeded=False, message=f"{data.get('code', '')}: {data.get('message', '')}")
        status = data.get("status")
        if status == "SUCCESS":
            return RefundResult(succeeded=True, refunded_fen=refund.amount_fen)
        if status == "PROCESSING":
            # Not done yet: refund_process keeps it approved and asks again (same out_refund_no).
            raise GatewayError("wechatpay refund: PROCESSING")
        return RefundResult(succeeded=False, message=str(status))

    def fetch_statement(self, *, day: datetime.date) -> list[StatementLine]:
        response = self._call(
            "GET", "/v3/bill/tradebill?" + urlencode({"bill_date": day.isoformat(), "bill_type": "ALL"})
        )
        data = self._json(response)
        if response.status_code != 200 or not data.get("download_url"):
            raise GatewayError(f"wechatpay statement: {data.get('code', response.status_code)}")
        download = urlsplit(data["download_url"])
        base = urlsplit(self.config["API_URL"])
        if (download.scheme, download.netloc) != (base.scheme, base.netloc):
            raise GatewayError("wechatpay statement: download_url on a foreign host")
        # The file itself is not signed; its hash is, in the answer above.
        path = download.path[len(base.path.rstrip("/")) :] + (f"?{download.query}" if download.query else "")
        content = self._call("GET", path, verify=False).content
        if data.get("hash_type") != "SHA1" or hashlib.sha1(content).hexdigest() != data.get("hash_value"):  # noqa: S324
            raise GatewayError("wechatpay statement: file hash does not match")
        return parse_tradebill(content.decode("utf-8-sig"))


def parse_tradebill(text: str) -> list[StatementLine]:
    """WeChat Pay's trade bill: a header row, one row per payment or refund (each field
    prefixed with a backtick), then a summary header and row."""
    rows = [row for row in text.splitlines() if row.strip()]
    if not rows:
        return []
    header = [name.strip() for name in rows[0].split(",")]
    try:
        col = {
            name: header.index(name)
            for name in ("微信订单号", "商户订单号", "交易状态", "应结订单金额", "商户退款单号", "退款金额")
        }
    except ValueError as exc:
        raise GatewayError("wechatpay statement: unknown columns") from exc
    lines = []
    for row in rows[1:]:
        if not row.startswith("`"):
            break  # the summary section
        fields = [field.strip().lstrip("`") for field in row.split(",")]
        try:
            if fields[col["交易状态"]] == "REFUND":
                lines.append(
                    StatementLine(
                        out_trade_no=fields[col["商户订单号"]],
                        transaction_id=fields[col["商户退款单号"]],
                        kind=TransactionKind.REFUND,
                        amount_fen=parse_yuan(fields[col["退款金额"]]),
                    )
                )
            else:
                lines.append(
                    StatementLine(
                        out_trade_no=fields[col["商户订单号"]],
                        transaction_id=fields[col["微信订单号"]],
                        kind=TransactionKind.PAYMENT,
                        amount_fen=parse_yuan(fields[col["应结订单金额"]]),
                    )
                )
        except (IndexError, ValueError) as exc:
            raise GatewayError("wechatpay statement: malformed row") from exc
    return lines
