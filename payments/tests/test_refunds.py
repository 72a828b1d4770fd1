"""Refunds: never beyond what was paid, even at once; through the sandbox; before the notification."""

import threading

import pytest
from django.db import connection

from common.exceptions import ApplicationError
from payments.constants import OrderStatus, RefundStatus
from payments.contrib.sandbox import services as sandbox
from payments.models import GatewayTransaction, OrderTransition, PaymentOrder, Refund
from payments.services import refund_approve, refund_process, refund_request

from .helpers import NOTIFY_URL, paid_sandbox_trade, passport_order
from .test_notifications import _resigned


def _paid_order(client):
    order = passport_order()
    trade = paid_sandbox_trade(order)
    assert client.post(NOTIFY_URL, sandbox.notification_params(trade)).content == b"success"
    order.refresh_from_db()
    return order, trade


@pytest.mark.django_db
def test_partial_then_full_refund_through_the_sandbox(client, alipay, django_user_model):
    order, trade = _paid_order(client)
    official = order.user  # any user may stand in for the approving official here

    first = refund_request(order_id=order.pk, amount_fen=2000, reason="部分退费")
    assert first.status == RefundStatus.REQUESTED
    refund_approve(refund_id=first.pk, official=official)
    refund_process(refund_id=first.pk)
    order.refresh_from_db()
    assert (order.status, order.refunded_fen) == (OrderStatus.PARTIALLY_REFUNDED, 2000)

    second = refund_request(order_id=order.pk, amount_fen=10000, reason="余额退费", approved=True)
    refund_process(refund_id=second.pk)
    refund_process(refund_id=second.pk)  # a repeated task changes nothing
    order.refresh_from_db()
    trade.refresh_from_db()
    assert (order.status, order.refunded_fen) == (OrderStatus.REFUNDED, 12000)
    assert (trade.status, trade.refunded_fen) == ("TRADE_CLOSED", 12000)

    with pytest.raises(ApplicationError):
        refund_request(order_id=order.pk, amount_fen=1, reason="再退")


@pytest.mark.django_db(transaction=True)
def test_concurrent_refunds_never_exceed_the_paid_amount(client):
    order, _ = _paid_order(client)
    barrier = threading.Barrier(6)
    outcomes: list = []

    def ask():
        try:
            barrier.wait(timeout=30)
            refund_request(order_id=order.pk, amount_fen=5000, reason="并发退款")
            outcomes.append("ok")
        except ApplicationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["ok", "ok", "refused", "refused", "refused", "refused"]
    assert sum(Refund.objects.filter(order=order).values_list("amount_fen", flat=True)) == 10000


@pytest.mark.django_db
def test_a_refund_notification_before_the_success_notification_leaves_a_consistent_order(client):
    order = passport_order()
    trade = paid_sandbox_trade(order)
    success = sandbox.notification_params(trade)
    refunded = _resigned(success, trade_status="TRADE_CLOSED", refund_fee="120.00")

    assert client.post(NOTIFY_URL, refunded).content == b"success"
    assert client.post(NOTIFY_URL, success).content == b"success"

    order = PaymentOrder.objects.get(pk=order.pk)
    # The refund proves the payment: the order is paid (never closed), by one transaction,
    # with one recorded change; the late success is a replay.
    assert order.status == OrderStatus.PAID
    assert order.gateway_trade_no == trade.trade_no
    assert GatewayTransaction.objects.filter(order=order).count() == 1
    assert list(OrderTransition.objects.filter(order=order).values_list("to_status", flat=True)) == [
        OrderStatus.CREATED,
        OrderStatus.PENDING,
        OrderStatus.PAID,
    ]


@pytest.mark.django_db
def test_overpayment_is_refunded_through_the_gateway(client, alipay):
    order, _ = _paid_order(client)
    second = paid_sandbox_trade(order, trade_no="20261129220019999999999")
    client.post(NOTIFY_URL, sandbox.notification_params(second))
    refund = Refund.objects.get(overpayment__transaction_id=second.trade_no)

    refund_process(refund_id=refund.pk)

    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    # The fee itself stays paid: only the second payment went back.
    assert (order.status, order.refunded_fen) == (OrderStatus.PAID, 0)
