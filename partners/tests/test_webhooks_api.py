"""The webhooks API: a partner's client-credentials token with ``webhooks:manage`` reads and
replays its own deliveries only. Tokens come from the real /o/token/ endpoint."""

import uuid

import pytest
from django.urls import reverse

from applications.tests.factories import resident
from identity.tests.oauth_helpers import client_credentials_token, make_backend_application
from partners.models import ClientEnvironment, DeliveryStatus, PartnerClient, WebhookDelivery
from partners.tests.test_webhooks import consent, make_client, make_partner, publish_status_change, subscribe

pytestmark = pytest.mark.django_db


def partner_with_deliveries(name: str, count: int = 2):
    partner = make_partner()
    follower = make_client(partner, client_id=f"{name}-web")
    subscribe(partner, f"https://{name}.example.cn/hooks", event_types=["application.status_changed"])
    user = resident()
    consent(user, follower)
    for number in range(count):
        publish_status_change(user, case_number=f"{name}-{number}")
    backend = make_backend_application(client_id=f"{name}-backend", scopes=("webhooks:manage", "catalogue:read"))
    PartnerClient.objects.create(partner=partner, application=backend, environment=ClientEnvironment.PRODUCTION)
    return partner, backend


def bearer(client, application, scope="webhooks:manage") -> dict:
    response = client_credentials_token(client, application, scope=scope)
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['access_token']}"}


def test_a_partner_lists_only_its_own_deliveries(client):
    mine, backend = partner_with_deliveries("alpha")
    partner_with_deliveries("beta", count=3)
    auth = bearer(client, backend)

    response = client.get(reverse("v1:webhook-delivery-list"), **auth)
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert len(results) == 2
    assert {row["resource"]["id"] for row in results} == {"alpha-0", "alpha-1"}
    assert set(WebhookDelivery.objects.filter(partner=mine).values_list("pk", flat=True)) == {
        uuid.UUID(row["id"]) for row in results
    }
    assert all(row["event_type"] == "application.status_changed" and row["status"] == "pending" for row in results)


def test_the_list_filters_by_status_and_event_type(client):
    mine, backend = partner_with_deliveries("gamma", count=3)
    one = WebhookDelivery.objects.filter(partner=mine).first()
    WebhookDelivery.objects.filter(pk=one.pk).update(status=DeliveryStatus.FAILED)
    auth = bearer(client, backend)
    url = reverse("v1:webhook-delivery-list")

    failed = client.get(url, {"status": "failed"}, **auth).json()["results"]
    assert [row["id"] for row in failed] == [str(one.pk)]
    assert len(client.get(url, {"event_type": "application.status_changed"}, **auth).json()["results"]) == 3
    assert client.get(url, {"event_type": "payment.succeeded"}, **auth).json()["results"] == []


def test_another_partners_delivery_is_not_found_and_cannot_be_replayed(client):
    _mine, backend = partner_with_deliveries("delta")
    theirs, _ = partner_with_deliveries("epsilon")
    their_delivery = WebhookDelivery.objects.filter(partner=theirs).first()
    auth = bearer(client, backend)

    detail = client.get(reverse("v1:webhook-delivery-detail", args=[their_delivery.pk]), **auth)
    assert detail.status_code == 404
    assert detail["Content-Type"].startswith("application/problem+json")
    replay = client.post(reverse("v1:webhook-delivery-replay", args=[their_delivery.pk]), **auth)
    assert replay.status_code == 404
    assert WebhookDelivery.objects.filter(partner=theirs).count() == 2
    assert client.get(reverse("v1:webhook-delivery-detail", args=["not-a-uuid"]), **auth).status_code == 404


def test_a_partner_reads_and_replays_its_own_delivery(client):
    mine, backend = partner_with_deliveries("zeta", count=1)
    delivery = WebhookDelivery.objects.get(partner=mine)
    auth = bearer(client, backend)

    detail = client.get(reverse("v1:webhook-delivery-detail", args=[delivery.pk]), **auth)
    assert detail.status_code == 200
    assert detail.json()["id"] == str(delivery.pk) and detail.json()["attempts_log"] == []

    replay = client.post(reverse("v1:webhook-delivery-replay", args=[delivery.pk]), **auth)
    assert replay.status_code == 202, replay.content
    body = replay.json()
    assert body["replay_of"] == str(delivery.pk) and body["event_id"] == str(delivery.event_id)
    assert WebhookDelivery.objects.filter(partner=mine).count() == 2


def test_the_scope_is_required(client):
    _mine, backend = partner_with_deliveries("eta", count=1)
    url = reverse("v1:webhook-delivery-list")
    assert client.get(url).status_code == 401
    wrong = client.get(url, **bearer(client, backend, scope="catalogue:read"))
    assert wrong.status_code == 403
    assert wrong.json()["required_scopes"] == ["webhooks:manage"]
    delivery = WebhookDelivery.objects.first()
    replay = client.post(
        reverse("v1:webhook-delivery-replay", args=[delivery.pk]), **bearer(client, backend, scope="catalogue:read")
    )
    assert replay.status_code == 403
    assert WebhookDelivery.objects.count() == 1


def test_a_client_that_is_no_partners_is_refused(client):
    partner_with_deliveries("theta", count=1)
    stray = make_backend_application(client_id="stray-backend", scopes=("webhooks:manage",))
    response = client.get(reverse("v1:webhook-delivery-list"), **bearer(client, stray))
    assert response.status_code == 403
    assert response.json()["code"] == "not_a_partner_client"
