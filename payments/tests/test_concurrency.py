"""Twenty deliveries of one notification at once: real threads, real connections, real row locks."""

import threading

import pytest
from django.db import connection
from django.test import Client

from notifications.models import OutboxMessage
from payments.constants import OrderStatus
from payments.contrib.sandbox import services as sandbox
from payments.models import GatewayTransaction, OrderTransition, Receipt
from payments.services import order_events_relay

from .helpers import NOTIFY_URL, paid_sandbox_trade, passport_order

pytestmark = pytest.mark.django_db(transaction=True)


def _run_in_threads(targets) -> list:
    outcomes: list = [None] * len(targets)

    def run(index, target):
        try:
            outcomes[index] = target()
        except BaseException as exc:  # reported below
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return outcomes


def test_twenty_concurrent_deliveries_pay_once():
    order = passport_order()
    trade = paid_sandbox_trade(order)
    params = sandbox.notification_params(trade)
    barrier = threading.Barrier(20)

    def deliver():
        client = Client()
        barrier.wait(timeout=30)
        return client.post(NOTIFY_URL, params).content

    answers = _run_in_threads([deliver] * 20)
    # The event relay may also race: three relays at once hand the event over once.
    _run_in_threads([order_events_relay] * 3)

    assert set(answers) == {b"success"}
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert GatewayTransaction.objects.filter(order=order).count() == 1
    assert OrderTransition.objects.filter(order=order, to_status=OrderStatus.PAID).count() == 1
    assert Receipt.objects.filter(order=order).count() == 1
    assert OutboxMessage.objects.filter(user=order.user, template="payments.paid", channel="inbox").count() == 1
