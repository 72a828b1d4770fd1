"""Drill (issue 18): payment notifications replayed, raced and out of order.

Per gateway (Alipay, WeChat Pay v3, UnionPay), through the real notification
endpoint with real signatures from the SANDBOX:

* one notification replayed 15 times in sequence;
* one notification delivered 20 times at once (threads, own connections, row locks);
* Alipay's full-refund notification (``TRADE_CLOSED`` with ``refund_fee``) arriving
  before the ``TRADE_SUCCESS`` one.

Each order must end paid exactly once: one payment transaction, one ``paid``
transition, one receipt and one message per channel to the resident, no overpayment refund.
"""

import threading

from django.db import connection
from django.test import Client

from notifications.models import OutboxMessage
from payments.constants import OrderStatus
from payments.contrib.sandbox import services as alipay_sandbox
from payments.contrib.sandbox import unionpay as unionpay_sandbox
from payments.contrib.sandbox import wechatpay as wechatpay_sandbox
from payments.models import GatewayTransaction, OrderTransition, Receipt, Refund
from payments.services import order_events_relay

from .harness import Report


def _threads(targets) -> list:
    outcomes: list = [None] * len(targets)

    def run(index, target):
        try:
            outcomes[index] = target()
        except BaseException as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def _order(gateway: str):
    from identity.tests.factories import UserFactory
    from payments.services import FeeLine, order_create, order_start_payment

    user = UserFactory()
    order = order_create(
        user=user,
        subject="普通护照签发",
        lines=[FeeLine(name="普通护照工本费", amount_fen=12000, legal_basis="发改价格〔2017〕1186号")],
    )
    return order_start_payment(order_id=order.pk, user=user, gateway=gateway)


def _deliveries(gateway: str, order, n: int):
    """A function posting the notification for ``order`` (the same bytes each time) and its
    accepted-answer test."""
    url = f"/payments/notify/{gateway}/"
    if gateway == "alipay":
        from payments.tests.helpers import paid_sandbox_trade

        params = alipay_sandbox.notification_params(paid_sandbox_trade(order))
        return (lambda: Client().post(url, params)), (lambda r: r.content == b"success")
    if gateway == "wechatpay":
        body, headers = wechatpay_sandbox.transaction_notification(
            out_trade_no=order.out_trade_no, transaction_id=f"42000000002026112{order.pk:011d}", total_fen=12000
        )
        return (
            lambda: Client().post(url, body, content_type="application/json", headers=headers),
            lambda r: r.status_code == 204,
        )
    params = unionpay_sandbox.payment_notification(
        order_id=order.out_trade_no, query_id=f"7729{order.pk:017d}", amount_fen=12000
    )
    return (lambda: Client().post(url, params)), (lambda r: r.status_code == 200)


def _duplicates(order) -> int:
    """Side effects beyond the one each paid order must have."""
    counts = [
        GatewayTransaction.objects.filter(order=order).count(),
        OrderTransition.objects.filter(order=order, to_status=OrderStatus.PAID).count(),
        Receipt.objects.filter(order=order).count(),
        *(
            OutboxMessage.objects.filter(user=order.user, template="payments.paid", channel=channel).count()
            for channel in OutboxMessage.objects.filter(user=order.user).values_list("channel", flat=True).distinct()
        ),
    ]
    extra = sum(max(0, count - 1) for count in counts)
    return extra + Refund.objects.filter(order=order).count()


def _settle(report: Report, orders) -> None:
    _threads([order_events_relay] * 3)  # the relays race too
    for order in orders:
        order.refresh_from_db()
        if order.status != OrderStatus.PAID or not Receipt.objects.filter(order=order).exists():
            report.requests_lost += 1
        report.side_effects_duplicated += _duplicates(order)
        report.notes.append(
            f"{order.gateway} {order.out_trade_no}: {order.status}, "
            f"transactions {GatewayTransaction.objects.filter(order=order).count()}, "
            f"messages {OutboxMessage.objects.filter(user=order.user).count()} (one per channel)"
        )


def test_notifications_replayed_15_times_and_20_at_once_pay_each_order_once(transactional_db):
    report = Report("payments-replay")
    orders = []
    for gateway in ("alipay", "wechatpay", "unionpay"):
        # 15 times in sequence.
        order = _order(gateway)
        deliver, accepted = _deliveries(gateway, order, 15)
        for _ in range(15):
            report.requests_sent += 1
            report.acknowledged += accepted(deliver())
        report.faults_injected += 14
        orders.append(order)

        # 20 times at once.
        order = _order(gateway)
        deliver, accepted = _deliveries(gateway, order, 20)
        barrier = threading.Barrier(20)

        def at_once(deliver=deliver, barrier=barrier):
            barrier.wait(timeout=60)
            return deliver()

        answers = _threads([at_once] * 20)
        report.requests_sent += 20
        report.faults_injected += 19
        errors = [a for a in answers if isinstance(a, BaseException)]
        assert not errors, errors
        report.acknowledged += sum(1 for a in answers if accepted(a))
        orders.append(order)

    _settle(report, orders)
    report.print()
    assert report.acknowledged == report.requests_sent
    assert report.requests_lost == 0
    assert report.side_effects_duplicated == 0


def test_a_refund_notification_arriving_before_the_success_leaves_the_order_paid_once(transactional_db):
    from payments.contrib.sandbox.models import SandboxTrade
    from payments.tests.helpers import paid_sandbox_trade

    report = Report("payments-refund-first")
    orders = []
    for _ in range(5):
        order = _order("alipay")
        trade = paid_sandbox_trade(order)
        success = alipay_sandbox.notification_params(trade)
        # The trade is then refunded in full at Alipay; that notification overtakes the first.
        SandboxTrade.objects.filter(pk=trade.pk).update(refunded_fen=trade.total_fen, status="TRADE_CLOSED")
        trade.refresh_from_db()
        refund_first = alipay_sandbox.notification_params(trade)
        for params in (refund_first, success, refund_first):
            report.requests_sent += 1
            report.acknowledged += Client().post("/payments/notify/alipay/", params).content == b"success"
        report.faults_injected += 2  # reordered, then replayed
        orders.append(order)

    _settle(report, orders)
    report.print()
    assert report.acknowledged == report.requests_sent
    assert report.requests_lost == 0
    assert report.side_effects_duplicated == 0
