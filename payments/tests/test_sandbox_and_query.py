"""The sandbox end to end over HTTP, and the query task that covers lost notifications."""

import datetime
from urllib.parse import urlparse

import pytest
from django.utils import timezone

from payments.constants import OrderStatus
from payments.contrib.sandbox import services as sandbox
from payments.contrib.sandbox.models import SandboxTrade
from payments.models import GatewayTransaction, PaymentOrder
from payments.services import pending_orders_query

from .helpers import NOTIFY_URL, passport_order, wsgi_transport

pytestmark = pytest.mark.django_db


def _pay_at_the_cashier(client, order, gateway) -> SandboxTrade:
    start = gateway.start_payment(order=order, return_url="http://testserver/return/", notify_url=NOTIFY_URL)
    url = urlparse(start.redirect_url)
    cashier = client.get(f"{url.path}?{url.query}")
    assert cashier.status_code == 200
    assert "沙箱" in cashier.content.decode()
    trade = SandboxTrade.objects.get(out_trade_no=order.out_trade_no)
    client.post(f"/sandbox/payments/alipay/cashier/{trade.trade_no}/", {"decision": "pay"})
    trade.refresh_from_db()
    return trade


def test_sandbox_cashier_refuses_an_unsigned_request(client):
    order = passport_order()
    response = client.get(
        "/sandbox/payments/alipay/gateway.do",
        {"method": "alipay.trade.page.pay", "app_id": "2021000000000001", "biz_content": "{}"},
    )
    assert response.status_code == 400
    assert not SandboxTrade.objects.filter(out_trade_no=order.out_trade_no).exists()


def test_payer_pays_at_the_sandbox_cashier_and_its_notification_marks_the_order_paid(client, alipay):
    order = passport_order()
    trade = _pay_at_the_cashier(client, order, alipay)
    assert trade.status == "TRADE_SUCCESS"

    assert sandbox.notification_deliver(trade_id=trade.pk, transport=wsgi_transport())

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.gateway_trade_no == trade.trade_no


def test_with_every_notification_dropped_the_query_task_still_marks_the_order_paid(client, alipay):
    order = passport_order()
    trade = _pay_at_the_cashier(client, order, alipay)
    # No notification is ever delivered; the order has waited a while.
    PaymentOrder.objects.filter(pk=order.pk).update(updated_at=timezone.now() - datetime.timedelta(minutes=5))

    assert pending_orders_query() == 1
    assert pending_orders_query() == 0

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert GatewayTransaction.objects.get(order=order).transaction_id == trade.trade_no


def test_query_task_expires_an_unpaid_order_past_its_time(client, alipay):
    order = passport_order()
    PaymentOrder.objects.filter(pk=order.pk).update(
        updated_at=timezone.now() - datetime.timedelta(minutes=5),
        expires_at=timezone.now() - datetime.timedelta(minutes=1),
    )

    pending_orders_query()

    order.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED


def test_sandbox_refund_and_statement_speak_alipays_format(client, alipay):
    order = passport_order()
    trade = _pay_at_the_cashier(client, order, alipay)
    sandbox.notification_deliver(trade_id=trade.pk, transport=wsgi_transport())

    lines = alipay.fetch_statement(day=timezone.localdate())

    assert [(line.out_trade_no, line.transaction_id, line.amount_fen) for line in lines] == [
        (order.out_trade_no, trade.trade_no, 12000)
    ]


def test_an_order_never_taken_to_the_cashier_expires(alipay):
    from payments.services import FeeLine, order_create

    from .helpers import UserFactory

    order = order_create(
        user=UserFactory(), subject="普通护照签发", lines=[FeeLine(name="工本费", amount_fen=12000, legal_basis="-")]
    )
    PaymentOrder.objects.filter(pk=order.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))

    pending_orders_query()

    order.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED


def test_sandbox_retries_an_unanswered_notification_on_alipays_schedule():
    from payments.contrib.sandbox.services import next_retry_countdown

    from .helpers import paid_sandbox_trade

    trade = paid_sandbox_trade(passport_order())
    # Nobody listens there: every try fails and is counted.
    SandboxTrade.objects.filter(pk=trade.pk).update(notify_url="http://127.0.0.1:9/payments/notify/alipay/")
    tries, countdowns = 0, []
    while True:
        assert not sandbox.notification_deliver(trade_id=trade.pk)
        tries += 1
        countdown = next_retry_countdown(tries - 1)
        if countdown is None:
            break
        countdowns.append(countdown)

    trade.refresh_from_db()
    assert tries == trade.notify_attempts == 8  # Alipay: 8 tries over about 25 hours
    assert sum(countdowns) / 3600 == pytest.approx(24.4, abs=0.1)
    assert trade.notified_at is None
