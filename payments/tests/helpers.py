"""Shared test helpers: orders, and the sandbox playing Alipay (real keys, real formats)."""

import httpx
from django.test import Client

from identity.tests.factories import UserFactory
from payments.contrib.sandbox import services as sandbox
from payments.contrib.sandbox.models import SandboxTrade
from payments.services import FeeLine, order_create, order_start_payment

NOTIFY_URL = "http://testserver/payments/notify/alipay/"


def passport_fee_order(user, *, reference: str = "", item_code: str = ""):
    """The ¥120 passport fee, ordered by ``user``; no gateway chosen yet."""
    return order_create(
        user=user,
        subject="普通护照签发",
        lines=[FeeLine(name="普通护照工本费", amount_fen=12000, legal_basis="发改价格〔2017〕1186号")],
        reference=reference,
        item_code=item_code,
    )


def passport_order(*, user=None, reference: str = "", gateway: str = "alipay", item_code: str = "GA-PASSPORT"):
    """The passport fee order, its payment started with ``gateway``."""
    user = user or UserFactory()
    order = passport_fee_order(user, reference=reference, item_code=item_code)
    return order_start_payment(order_id=order.pk, user=user, gateway=gateway)


def paid_sandbox_trade(order, *, total_fen: int | None = None, trade_no: str = "") -> SandboxTrade:
    """What the sandbox holds after the payer chose "pay" at its cashier."""
    trade = SandboxTrade.objects.create(
        app_id="2021000000000001",
        out_trade_no=order.out_trade_no,
        trade_no=trade_no or f"2026112922001{order.pk:010d}",
        subject=order.subject,
        total_fen=order.amount_fen if total_fen is None else total_fen,
        notify_url=NOTIFY_URL,
    )
    return sandbox.trade_pay(trade)


def sql_statements(captured) -> list[str]:
    """The SQL a ``CaptureQueriesContext`` saw, without the BEGIN and COMMIT psycopg issues around the
    order lock's short transaction (transaction control, not work)."""
    return [q["sql"] for q in captured.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]


class DjangoTransport(httpx.BaseTransport):
    """HTTP into this Django process through the test client (which keeps the test's
    database connection open): the sandbox and the adapter exchange real requests."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        response = Client().generic(
            request.method,
            request.url.raw_path.decode(),
            data=body,
            content_type=request.headers.get("content-type", "application/octet-stream"),
            headers={k: v for k, v in request.headers.items() if k.lower() not in ("content-type", "content-length")},
        )
        return httpx.Response(response.status_code, headers=dict(response.items()), content=response.content)


def wsgi_transport() -> DjangoTransport:
    return DjangoTransport()
