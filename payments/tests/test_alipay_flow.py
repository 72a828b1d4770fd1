"""Alipay end to end through the SANDBOX over HTTP: create → cashier → notify (paid) → partial
refund → refund notification → full refund → statement that reconciles without a discrepancy."""

from urllib.parse import urlparse

import pytest
from django.utils import timezone

from identity.tests.factories import UserFactory
from notifications.models import OutboxMessage
from payments.constants import OrderStatus, RefundStatus, TransactionKind
from payments.contrib.sandbox import services as sandbox
from payments.contrib.sandbox.models import SandboxRefund, SandboxTrade
from payments.models import Discrepancy, GatewayTransaction, OrderTransition, Receipt
from payments.services import (
    PaymentError,
    order_events_relay,
    reconcile,
    refund_approve,
    refund_process,
    refund_request,
)

from .helpers import NOTIFY_URL, passport_order, wsgi_transport

pytestmark = pytest.mark.django_db


def _deliver(trade) -> None:
    assert sandbox.notification_deliver(trade_id=trade.pk, transport=wsgi_transport())  # answered exactly "success"


def test_alipay_create_pay_notify_and_refund_through_the_sandbox(client, alipay):
    order = passport_order()

    # create: the signed page-pay request opens a trade at the sandbox cashier; the payer pays
    start = alipay.start_payment(order=order, return_url="http://testserver/return/", notify_url=NOTIFY_URL)
    url = urlparse(start.redirect_url)
    assert client.get(f"{url.path}?{url.query}").status_code == 200
    trade = SandboxTrade.objects.get(out_trade_no=order.out_trade_no)
    client.post(f"/sandbox/payments/alipay/cashier/{trade.trade_no}/", {"decision": "pay"})
    trade.refresh_from_db()
    assert (trade.status, trade.total_fen) == ("TRADE_SUCCESS", 12000)

    # notify (paid), twice: one payment, one state change, one receipt, one message
    _deliver(trade)
    _deliver(trade)
    order_events_relay()
    order.refresh_from_db()
    assert (order.status, order.gateway_trade_no) == (OrderStatus.PAID, trade.trade_no)
    assert GatewayTransaction.objects.filter(order=order, kind=TransactionKind.PAYMENT).count() == 1
    assert Receipt.objects.filter(order=order).count() == 1
    assert OutboxMessage.objects.filter(user=order.user, template="payments.paid", channel="inbox").count() == 1

    # a partial refund, requested and approved by an official, sent to the sandbox
    official = UserFactory(official=True)
    refund = refund_request(order_id=order.pk, amount_fen=5000, reason="部分退费", actor=official)
    refund_approve(refund_id=refund.pk, official=official)
    refund = refund_process(refund_id=refund.pk)
    assert refund.status == RefundStatus.SUCCEEDED
    order.refresh_from_db()
    assert (order.status, order.refunded_fen) == (OrderStatus.PARTIALLY_REFUNDED, 5000)
    trade.refresh_from_db()
    assert (trade.status, trade.refunded_fen) == ("TRADE_SUCCESS", 5000)

    # Alipay then notifies TRADE_SUCCESS with refund_fee: nothing moves back, nothing doubles
    _deliver(trade)
    order.refresh_from_db()
    assert (order.status, order.refunded_fen) == (OrderStatus.PARTIALLY_REFUNDED, 5000)

    # the rest: a full refund closes the trade at Alipay (TRADE_CLOSED with refund_fee)
    rest = refund_request(order_id=order.pk, amount_fen=7000, reason="撤回申请", approved=True)
    refund_process(refund_id=rest.pk)
    trade.refresh_from_db()
    assert (trade.status, trade.refunded_fen) == ("TRADE_CLOSED", 12000)
    _deliver(trade)
    order.refresh_from_db()
    assert (order.status, order.refunded_fen) == (OrderStatus.REFUNDED, 12000)
    assert list(OrderTransition.objects.filter(order=order).values_list("to_status", flat=True)) == [
        OrderStatus.CREATED,
        OrderStatus.PENDING,
        OrderStatus.PAID,
        OrderStatus.PARTIALLY_REFUNDED,
        OrderStatus.REFUNDED,
    ]
    assert SandboxRefund.objects.filter(trade=trade).count() == 2
    # A refund beyond what was paid is refused before it reaches the gateway.
    with pytest.raises(PaymentError, match="退款金额超过可退金额"):
        refund_request(order_id=order.pk, amount_fen=1, reason="多退")

    # the day's statement lists the payment and both refunds, and matches our books
    lines = alipay.fetch_statement(day=timezone.localdate())
    assert sorted((line.kind, line.amount_fen) for line in lines) == [
        (TransactionKind.PAYMENT, 12000),
        (TransactionKind.REFUND, 5000),
        (TransactionKind.REFUND, 7000),
    ]
    assert reconcile(gateway="alipay", day=timezone.localdate()) == []
    assert not Discrepancy.objects.exists()
