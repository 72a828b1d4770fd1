"""The payment gateway contract.

A gateway is a :class:`BasePaymentGateway` registered in
:data:`payments.registry.gateways` from its app's ``AppConfig.ready()``
(``payments/contrib/<provider>/``). Payments calls it at six points:

``start_payment(order, return_url, notify_url, client_ip)``
    Where to send the payer: a :class:`PaymentStart` (a URL to redirect to).
    ``client_ip`` is the payer's address as ``identity.security.client_ip`` takes
    it (WeChat Pay's H5 ``payer_client_ip``); empty when unknown.
``handle_return(request)``
    The payer's browser came back. Returns the ``out_trade_no`` it names, or
    ``None`` if the signature is bad. Never marks anything paid: only a verified
    notification or a query does.
``parse_notification(request)``
    Verify the provider's asynchronous notification (signature, our app id
    and merchant id) and return a :class:`VerifiedNotification`; raise
    :class:`InvalidNotification` for anything not provably from the provider.
    The order's own checks (amount, order number) are made by
    ``payments.services.notification_handle`` under the order's lock.
``notification_answer(accepted)``
    The exact response the provider expects (Alipay: ``success``/``fail``).
``query(order)``
    Ask the provider about an order: a :class:`QueryResult`.
``refund(order, refund)``
    Ask the provider to refund: a :class:`RefundResult`.
``fetch_statement(day)``
    The provider's statement for ``day``: a list of :class:`StatementLine`.

``is_sandbox`` is true for a gateway that pays nothing real; production
refuses it (``config/settings/production.py``). For the HTTP gateways it is the
explicit ``SANDBOX`` entry of their settings dict, never guessed from a URL.

The three providers speak HTTP: :class:`HttpPaymentGateway` holds what they
share (their settings dict, the HTTP client, the test transport).
"""

import datetime
from dataclasses import dataclass, field

import httpx
from django.conf import settings
from django.http import HttpRequest, HttpResponse


class InvalidNotification(Exception):
    """A notification that must not be believed (bad signature, foreign app id…)."""


class GatewayError(Exception):
    """The provider could not be reached or answered nonsense."""


class NotificationOutcome:
    PAID = "paid"
    CLOSED = "closed"
    PENDING = "pending"


@dataclass(frozen=True)
class PaymentStart:
    redirect_url: str
    # When set, the browser must POST these fields to ``redirect_url`` (UnionPay's front transaction).
    form: dict | None = None


@dataclass(frozen=True)
class VerifiedNotification:
    out_trade_no: str
    transaction_id: str
    amount_fen: int
    outcome: str  # NotificationOutcome
    refunded_fen: int = 0
    raw: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class QueryResult:
    outcome: str  # NotificationOutcome
    transaction_id: str = ""
    amount_fen: int = 0


@dataclass(frozen=True)
class RefundResult:
    succeeded: bool
    refunded_fen: int = 0
    message: str = ""


@dataclass(frozen=True)
class StatementLine:
    out_trade_no: str
    transaction_id: str
    kind: str  # TransactionKind
    amount_fen: int


class BasePaymentGateway:
    verbose_name = "payment gateway"
    is_sandbox = False
    # Offered to the payer on the order page (false while ``start_payment`` is not built).
    offered = True

    def __init__(self, identifier: str):
        self.identifier = identifier

    def start_payment(self, *, order, return_url: str, notify_url: str, client_ip: str = "") -> PaymentStart:
        raise NotImplementedError

    def handle_return(self, *, request: HttpRequest) -> str | None:
        raise NotImplementedError

    def parse_notification(self, *, request: HttpRequest) -> VerifiedNotification:
        raise NotImplementedError

    def notification_answer(self, *, accepted: bool) -> HttpResponse:
        raise NotImplementedError

    def query(self, *, order) -> QueryResult:
        raise NotImplementedError

    def refund(self, *, order, refund) -> RefundResult:
        raise NotImplementedError

    def fetch_statement(self, *, day: datetime.date) -> list[StatementLine]:
        raise NotImplementedError


class HttpPaymentGateway(BasePaymentGateway):
    """A gateway that calls its provider over HTTP, configured by one settings dict.

    ``config_setting`` names the dict (``"PAYMENTS_ALIPAY"``); it holds ``TIMEOUT``
    (seconds) and ``SANDBOX`` (true when the adapter talks to the local sandbox and
    trusts its test keys). Tests pass an httpx ``transport`` to reach the sandbox
    inside the test process.
    """

    config_setting = ""

    def __init__(self, identifier: str, *, transport: httpx.BaseTransport | None = None):
        super().__init__(identifier)
        self.transport = transport

    @property
    def config(self) -> dict:
        return getattr(settings, self.config_setting)

    @property
    def is_sandbox(self) -> bool:
        return bool(self.config["SANDBOX"])

    def http_client(self) -> httpx.Client:
        return httpx.Client(transport=self.transport, timeout=self.config["TIMEOUT"])
