"""Officials approve refunds and see discrepancies in the admin."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from identity.tests.factories import UserFactory, login_with_totp
from payments.constants import RefundStatus
from payments.contrib.sandbox import services as sandbox
from payments.models import Discrepancy, Refund
from payments.services import refund_request

from .helpers import NOTIFY_URL, paid_sandbox_trade, passport_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance_official(client):
    official = UserFactory(official=True)
    official.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="payments", codename__startswith="view_"),
        *Permission.objects.filter(codename__in=["change_discrepancy", "approve_refund"]),
    )
    login_with_totp(client, official)
    return official


def test_an_official_approves_a_requested_refund(client, finance_official):
    order = passport_order()
    client.post(NOTIFY_URL, sandbox.notification_params(paid_sandbox_trade(order)))
    refund = refund_request(order_id=order.pk, amount_fen=3000, reason="多收退费")

    listing = client.get(reverse("admin:payments_refund_changelist"))
    assert refund.refund_no in listing.content.decode()
    client.post(reverse("admin:payments_refund_changelist"), {"action": "approve", "_selected_action": [refund.pk]})

    refund.refresh_from_db()
    assert (refund.status, refund.approved_by) == (RefundStatus.APPROVED, finance_official)


def test_approving_a_refund_needs_the_approve_permission(client):
    official = UserFactory(official=True)
    official.user_permissions.add(*Permission.objects.filter(codename="view_refund"))
    login_with_totp(client, official)
    order = passport_order()
    client.post(NOTIFY_URL, sandbox.notification_params(paid_sandbox_trade(order)))
    refund = refund_request(order_id=order.pk, amount_fen=3000, reason="多收退费")

    client.post(reverse("admin:payments_refund_changelist"), {"action": "approve", "_selected_action": [refund.pk]})

    refund.refresh_from_db()
    assert refund.status == RefundStatus.REQUESTED


def test_discrepancies_are_listed_in_the_admin(client, finance_official):
    Discrepancy.objects.create(
        gateway="alipay",
        day="2026-11-28",
        kind=Discrepancy.Kind.EXTRA,
        transaction_id="2026112822001",
        their_amount_fen=1,
    )
    page = client.get(reverse("admin:payments_discrepancy_changelist"))
    assert page.status_code == 200
    assert "2026112822001" in page.content.decode()
    assert not Refund.objects.exists()
