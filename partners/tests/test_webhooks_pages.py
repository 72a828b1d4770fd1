"""The partner's webhook pages (/partners/webhooks/): only people who may act for the
partner's enterprise see them."""

import pytest
from django.urls import reverse

from applications.tests.factories import resident
from identity.tests.factories import MandateFactory
from partners.models import PartnerEvent, PartnerEventAction, WebhookDelivery, WebhookSubscription
from partners.tests.test_webhooks import consent, make_client, make_partner, publish_status_change, subscribe

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner():
    return make_partner()


def test_a_stranger_gets_404_everywhere(client, partner):
    subscription = subscribe(partner, "https://partner.example.cn/hooks")
    client.force_login(resident())
    for url in (
        reverse("partner_webhooks:subscription_list", args=[partner.pk]),
        reverse("partner_webhooks:subscription_edit", args=[partner.pk, subscription.pk]),
        reverse("partner_webhooks:delivery_list", args=[partner.pk]),
    ):
        assert client.get(url).status_code == 404
    response = client.post(reverse("partner_webhooks:subscription_rotate", args=[partner.pk, subscription.pk]))
    assert response.status_code == 404
    assert not PartnerEvent.objects.filter(action=PartnerEventAction.WEBHOOK_SECRET_ROTATED).exists()


def test_the_representative_subscribes_sees_the_secret_and_rotates_it(client, partner):
    client.force_login(partner.enterprise.legal_representative)
    response = client.post(
        reverse("partner_webhooks:subscription_create", args=[partner.pk]),
        {"url": "https://partner.example.cn/hooks", "event_types": ["application.status_changed"]},
    )
    subscription = WebhookSubscription.objects.get(partner=partner)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert subscription.secret in page.content.decode()

    client.post(reverse("partner_webhooks:subscription_rotate", args=[partner.pk, subscription.pk]))
    subscription.refresh_from_db()
    assert subscription.previous_secret and subscription.secret != subscription.previous_secret
    assert subscription.signing_secrets() == [subscription.secret, subscription.previous_secret]


def test_an_http_url_is_refused_on_the_form(client, partner):
    client.force_login(partner.enterprise.legal_representative)
    response = client.post(
        reverse("partner_webhooks:subscription_create", args=[partner.pk]),
        {"url": "http://partner.example.cn/hooks", "event_types": ["application.status_changed"]},
    )
    assert response.status_code == 200
    assert "https" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_an_agent_reads_the_log_and_replays_a_delivery(client, partner):
    agent = resident()
    MandateFactory(enterprise=partner.enterprise, agent=agent, all_services=True)
    follower = make_client(partner, client_id="pages-web")
    user = resident()
    consent(user, follower)
    subscribe(partner, "https://partner.example.cn/hooks")
    publish_status_change(user, case_number="PAGE-1")
    delivery = WebhookDelivery.objects.get()
    client.force_login(agent)

    listing = client.get(reverse("partner_webhooks:delivery_list", args=[partner.pk]), {"status": "pending"})
    assert listing.status_code == 200 and "PAGE-1" in listing.content.decode()
    detail = client.get(reverse("partner_webhooks:delivery_detail", args=[partner.pk, delivery.pk]))
    assert detail.status_code == 200 and str(delivery.event_id) in detail.content.decode()

    replayed = client.post(reverse("partner_webhooks:delivery_replay", args=[partner.pk, delivery.pk]))
    assert replayed.status_code == 302
    assert WebhookDelivery.objects.filter(replay_of=delivery, replayed_by=agent).count() == 1


def test_officials_read_the_log_in_the_admin_and_replay_from_it(client, partner):
    from identity.tests.factories import UserFactory, login_with_totp

    follower = make_client(partner, client_id="admin-web")
    user = resident()
    consent(user, follower)
    subscription = subscribe(partner, "https://partner.example.cn/hooks")
    publish_status_change(user, case_number="ADMIN-1")
    delivery = WebhookDelivery.objects.get()
    official = UserFactory(username="webhook-official", mobile="13700000009", is_staff=True, is_superuser=True)
    login_with_totp(client, official)

    changelist = client.get(reverse("admin:partners_webhookdelivery_changelist"))
    assert changelist.status_code == 200
    detail = client.get(reverse("admin:partners_webhookdelivery_change", args=[delivery.pk]))
    assert detail.status_code == 200 and "ADMIN-1" in detail.content.decode()
    secret_page = client.get(reverse("admin:partners_webhooksubscription_change", args=[subscription.pk]))
    assert secret_page.status_code == 200 and subscription.secret not in secret_page.content.decode()

    response = client.post(
        reverse("admin:partners_webhookdelivery_changelist"),
        {"action": "replay", "_selected_action": [str(delivery.pk)]},
    )
    assert response.status_code == 302
    assert WebhookDelivery.objects.filter(replay_of=delivery, replayed_by=official).count() == 1
