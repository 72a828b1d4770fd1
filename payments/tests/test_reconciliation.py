"""Reconciliation against the sandbox's daily statement: extra and missing lines are flagged."""

import pytest
from django.utils import timezone

from payments.contrib.sandbox import services as sandbox
from payments.contrib.sandbox.models import SandboxTrade
from payments.models import Discrepancy
from payments.services import payment_confirm, reconcile

from .helpers import NOTIFY_URL, paid_sandbox_trade, passport_order

pytestmark = pytest.mark.django_db


def test_matching_books_raise_nothing(client, alipay):
    for _ in range(2):
        order = passport_order()
        client.post(NOTIFY_URL, sandbox.notification_params(paid_sandbox_trade(order)))

    assert reconcile(gateway="alipay", day=timezone.localdate()) == []
    assert not Discrepancy.objects.exists()


def test_an_extra_and_a_missing_line_are_flagged_once(client, alipay):
    matched = passport_order()
    client.post(NOTIFY_URL, sandbox.notification_params(paid_sandbox_trade(matched)))
    # Extra: the gateway took money we never heard of (its notification and queries all lost).
    unheard = passport_order()
    extra = paid_sandbox_trade(unheard, trade_no="20261129220010000009999")
    # Missing: we booked a payment the gateway's statement does not show.
    ghost = passport_order()
    payment_confirm(
        gateway="alipay",
        out_trade_no=ghost.out_trade_no,
        transaction_id="20261129220010000008888",
        amount_fen=12000,
        reason="test",
    )
    assert not SandboxTrade.objects.filter(trade_no="20261129220010000008888").exists()

    reconcile(gateway="alipay", day=timezone.localdate())
    reconcile(gateway="alipay", day=timezone.localdate())

    flagged = {(d.kind, d.transaction_id, d.out_trade_no) for d in Discrepancy.objects.all()}
    assert flagged == {
        (Discrepancy.Kind.EXTRA, extra.trade_no, unheard.out_trade_no),
        (Discrepancy.Kind.MISSING, "20261129220010000008888", ghost.out_trade_no),
    }
