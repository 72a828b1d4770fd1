"""Certificates and payments publish their events to consenting partners (and share holders)."""

import datetime

import pytest
from django.utils import timezone

from certificates.services import certificate_revoke, share_create
from certificates.tests.factories import certificate
from identity.tests.factories import UserFactory
from partners.models import WebhookDelivery, WebhookEvent
from partners.tests.test_webhooks import consent, make_client, make_partner, subscribe
from payments.constants import OrderStatus
from payments.services import order_events_relay, order_transition, payment_confirm
from payments.tests.helpers import passport_order

pytestmark = pytest.mark.django_db

ALL = ["certificate.issued", "certificate.revoked", "payment.succeeded", "payment.refunded"]


def test_issuing_and_revoking_a_certificate_reach_the_consenting_partner_and_the_share_holder():
    follower = make_partner()
    follower_client = make_client(follower, client_id="cert-follower")
    subscribe(follower, "https://follower.example.cn/hooks", event_types=ALL)
    hotel = make_partner()
    make_client(hotel, client_id="hotel-frontdesk", scopes=("certificates:verify",))
    subscribe(hotel, "https://hotel.example.cn/hooks", event_types=ALL)
    holder = UserFactory(verified=True)
    consent(holder, follower_client, scope="openid applications:read")

    issued = certificate(holder=holder)
    [delivery] = WebhookDelivery.objects.select_related("event")
    assert delivery.partner == follower and delivery.event.type == "certificate.issued"
    assert delivery.event.resource_id == issued.number
    assert delivery.event.data["type_code"] == issued.type.code

    share_create(
        certificate=issued,
        actor=holder,
        recipient="某酒店",
        purpose="入住登记",
        valid_until=timezone.now() + datetime.timedelta(days=1),
        recipient_client_id="hotel-frontdesk",
    )
    certificate_revoke(certificate_id=issued.pk, actor=UserFactory(is_superuser=True), reason="骗取登记")
    revoked = WebhookDelivery.objects.filter(event__type="certificate.revoked").select_related("event")
    assert {(d.partner_id, bool(d.subject)) for d in revoked} == {(follower.pk, True), (hotel.pk, False)}
    assert {d.event.sequence for d in revoked} == {2}


def test_a_paid_and_a_refunded_order_reach_the_partner_with_payments_consent():
    partner = make_partner()
    application = make_client(partner, client_id="pay-follower")
    subscribe(partner, "https://pay.example.cn/hooks", event_types=ALL)
    payer = UserFactory()
    consent(payer, application, scope="openid payments:read")
    order = passport_order(user=payer)

    assert payment_confirm(
        gateway="alipay", out_trade_no=order.out_trade_no, transaction_id="T-1", amount_fen=12000, reason="test"
    ) == ("paid")
    assert not WebhookEvent.objects.exists()  # published by the payments event relay, not the notification
    order_events_relay()
    order_transition(order_id=order.pk, to_status=OrderStatus.REFUNDED, reason="test refund")
    order_events_relay()
    order_events_relay()  # handled once

    events = list(WebhookEvent.objects.order_by("sequence").values_list("type", "sequence", "resource_id"))
    assert events == [
        ("payment.succeeded", 1, order.out_trade_no),
        ("payment.refunded", 2, order.out_trade_no),
    ]
    assert WebhookDelivery.objects.filter(partner=partner).count() == 2
