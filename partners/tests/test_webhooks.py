"""Webhooks end to end: real PostgreSQL, a real HTTP receiver in a thread, real signatures.

The receiver checks each request with the recipe the guide gives partners
(``partners/webhooks/signing.py``), written out here again on purpose: HMAC-SHA256
of ``f"{t}.{raw_body}"`` compared with ``hmac.compare_digest``.
"""

import hashlib
import hmac
import json
import socket
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from applications.constants import Status
from applications.services import application_transition
from applications.tests.factories import application_in, official, published_item, resident
from identity.models import PartnerAuthorization
from identity.oauth.subjects import pairwise_subject
from identity.tests.factories import EnterpriseFactory
from identity.tests.oauth_helpers import make_web_application
from partners.events import event_publish
from partners.models import (
    ClientEnvironment,
    DeliveryStatus,
    Partner,
    PartnerClient,
    PartnerEvent,
    PartnerEventAction,
    PartnerStatus,
    WebhookDelivery,
    WebhookEvent,
    WebhookResourceSequence,
)
from partners.webhooks.services import (
    delivery_attempt,
    delivery_replay,
    webhook_secret_rotate,
    webhook_subscribe,
    webhook_subscription_deactivate,
    webhook_subscription_update,
)
from partners.webhooks.signing import signature_verify
from partners.webhooks.tasks import sweep_webhook_deliveries

pytestmark = pytest.mark.django_db


# --- The receiver --------------------------------------------------------------------------------


def recipe_verify(header: str, body: bytes, secret: str, tolerance: int = 300) -> bool:
    """The partner guide's recipe, verbatim."""
    items = [item.split("=", 1) for item in header.split(",")]
    t = next(value for key, value in items if key == "t")
    if abs(time.time() - int(t)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, value) for key, value in items if key == "v1")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Receiver:
    """A partner's endpoint: a real HTTP server on loopback that verifies every request.

    ``status`` is what it answers; ``received`` lists (headers, body, verified) per request.
    Created with a port but not listening until :meth:`start` (a receiver that is down).
    """

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.secret = ""
        self.status = 200
        self.received: list[tuple[dict, bytes, bool]] = []
        self.server = None
        self.thread = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/tongban"

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = dict(self.headers.items())
                verified = recipe_verify(headers.get("Tongban-Signature", ""), body, receiver.secret)
                receiver.received.append((headers, body, verified))
                self.send_response(receiver.status if verified else 400)
                self.end_headers()
                self.wfile.write(b"ok" if verified else b"bad signature")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def events(self) -> list[dict]:
        return [json.loads(body) for _headers, body, _ok in self.received]


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


# --- A partner with a consenting resident ----------------------------------------------------------


def make_partner(*, status=PartnerStatus.APPROVED) -> Partner:
    enterprise = EnterpriseFactory()
    return Partner.objects.create(
        enterprise=enterprise,
        purpose="为居民提供办件进度提醒",
        contact_name="联系人",
        contact_mobile="13900000000",
        contact_email="dev@partner.example.cn",
        requested_scopes="applications:read payments:read",
        approved_scopes="applications:read payments:read",
        status=status,
        applied_by=enterprise.legal_representative,
    )


def make_client(partner: Partner, *, client_id: str, scopes=("openid", "applications:read", "payments:read")):
    application = make_web_application(
        client_id=client_id, scopes=scopes, redirect_uris=f"https://{client_id}.example.cn/callback"
    )
    PartnerClient.objects.create(partner=partner, application=application, environment=ClientEnvironment.PRODUCTION)
    return application


def consent(user, application, scope="openid applications:read payments:read", withdrawn=False):
    now = timezone.now()
    return PartnerAuthorization.objects.create(
        user=user,
        application=application,
        scope=scope,
        granted_at=now,
        updated_at=now,
        withdrawn_at=now if withdrawn else None,
    )


def subscribe(partner, url, event_types=("application.status_changed",)):
    return webhook_subscribe(
        partner=partner, url=url, event_types=list(event_types), actor=partner.enterprise.legal_representative
    )


def publish_status_change(user, case_number="CASE-1", to_status="accepted"):
    return event_publish(
        event_type="application.status_changed",
        resource_type="application",
        resource_id=case_number,
        data={"case_number": case_number, "to_status": to_status},
        user=user,
    )


def make_due(delivery_id) -> None:
    """Skip the back-off: the next try is due now (instead of sleeping)."""
    WebhookDelivery.objects.filter(pk=delivery_id).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


@pytest.fixture
def partner_setup():
    partner = make_partner()
    application = make_client(partner, client_id="follow-partner")
    user = resident()
    consent(user, application)
    return partner, application, user


# --- Tests ----------------------------------------------------------------------------------------


def test_delivery_verifies_with_the_guides_recipe_and_carries_the_documented_shape(receiver, partner_setup):
    partner, application, user = partner_setup
    subscription = subscribe(partner, receiver.url)
    receiver.secret = subscription.secret
    event = publish_status_change(user)
    delivery = WebhookDelivery.objects.get(event=event)

    assert delivery_attempt(delivery_id=delivery.pk) is True

    [(headers, body, verified)] = receiver.received
    assert verified
    assert headers["Content-Type"] == "application/json"
    assert headers["Tongban-Event-Id"] == str(event.id)
    assert headers["Tongban-Event-Type"] == "application.status_changed"
    payload = json.loads(body)
    assert payload == {
        "id": str(event.id),
        "type": "application.status_changed",
        "created_at": payload["created_at"],
        "sequence": 1,
        "resource": {"type": "application", "id": "CASE-1"},
        "data": {"case_number": "CASE-1", "to_status": "accepted"},
        "subject": pairwise_subject(user=user, application=application),
    }
    assert payload["created_at"].endswith("Z")
    # Nothing that names the resident.
    assert user.id_number not in body.decode() and user.real_name not in body.decode()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert [(a.number, a.status_code) for a in delivery.attempts_log.all()] == [(1, 200)]


def test_a_tampered_body_fails_the_recipe(receiver, partner_setup):
    partner, _application, user = partner_setup
    subscription = subscribe(partner, receiver.url)
    receiver.secret = subscription.secret
    delivery_attempt(delivery_id=WebhookDelivery.objects.get(event=publish_status_change(user)).pk)
    [(headers, body, verified)] = receiver.received
    assert verified
    header = headers["Tongban-Signature"]
    tampered = body.replace(b'"accepted"', b'"approved"')
    assert tampered != body
    assert not recipe_verify(header, tampered, subscription.secret)
    assert not recipe_verify(header, body, "whsec_another-secret")
    assert not signature_verify(header=header, body=tampered, secret=subscription.secret)
    # A stale timestamp is refused too (a replayed request).
    assert not signature_verify(header=header, body=body, secret=subscription.secret, now=time.time() + 3600)


def test_a_receiver_that_is_down_gets_the_event_once_after_it_returns(partner_setup):
    partner, _application, user = partner_setup
    receiver = Receiver()  # not listening yet
    subscription = subscribe(partner, receiver.url)
    receiver.secret = subscription.secret
    delivery = WebhookDelivery.objects.get(event=publish_status_change(user))

    assert delivery_attempt(delivery_id=delivery.pk) is False  # connection refused
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=20)  # backing off
    assert sweep_webhook_deliveries(grace_seconds=0) == 0  # not due yet: nothing posted

    receiver.start()
    try:
        receiver.status = 503  # up, but not ready
        make_due(delivery.pk)
        assert sweep_webhook_deliveries(grace_seconds=0) == 0
        delivery.refresh_from_db()
        assert (delivery.status, delivery.last_status_code, delivery.attempts) == (DeliveryStatus.PENDING, 503, 2)
        gap_after_second = delivery.next_attempt_at - timezone.now()
        assert timedelta(seconds=50) < gap_after_second <= timedelta(seconds=60)  # 30 s, then 60 s

        receiver.status = 200
        make_due(delivery.pk)
        assert sweep_webhook_deliveries(grace_seconds=0) == 1
        make_due(delivery.pk)
        assert sweep_webhook_deliveries(grace_seconds=0) == 0  # delivered: never again
    finally:
        receiver.stop()

    assert [verified for _h, _b, verified in receiver.received] == [True, True]  # the 503, then the 200
    assert {event["id"] for event in receiver.events()} == {str(delivery.event_id)}
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    attempts = list(delivery.attempts_log.values_list("status_code", flat=True))
    assert attempts == [None, 503, 200]
    assert "ConnectError" in delivery.attempts_log.first().error


def test_a_status_change_with_a_consenting_partner_gives_one_delivery_with_rising_sequences(receiver, partner_setup):
    partner, _application, user = partner_setup
    subscribe(partner, receiver.url)
    other = make_partner()  # no consent from this resident
    subscribe(other, "https://other-partner.example.cn/hooks")
    item = published_item()
    officer = official(department=item.department)
    case = application_in(Status.SUBMITTED, applicant=user, item=item)
    before = set(WebhookDelivery.objects.values_list("pk", flat=True))

    application_transition(application_id=case.pk, to_status=Status.ACCEPTED, actor=officer)
    application_transition(application_id=case.pk, to_status=Status.ACCEPTED, actor=officer)  # idempotent
    application_transition(application_id=case.pk, to_status=Status.IN_REVIEW, actor=officer)

    new = WebhookDelivery.objects.exclude(pk__in=before).select_related("event").order_by("event__sequence")
    assert [(d.partner_id, d.event.data["to_status"]) for d in new] == [
        (partner.pk, Status.ACCEPTED),
        (partner.pk, Status.IN_REVIEW),
    ]
    sequences = [d.event.sequence for d in new]
    assert sequences[1] == sequences[0] + 1
    first = new[0].event
    assert first.resource_id == case.case_number
    assert first.data["from_status"] == Status.SUBMITTED
    assert first.data["service_code"] == item.code
    # The sequence is per resource: another case starts its own count.
    assert publish_status_change(user, case_number="ANOTHER").sequence == 1


def test_a_partner_without_consent_gets_nothing(receiver):
    partner = make_partner()
    application = make_client(partner, client_id="no-consent")
    subscribe(partner, receiver.url, event_types=["application.status_changed", "payment.succeeded"])
    withdrawn, narrow, stranger = resident(), resident(), resident()
    consent(withdrawn, application, withdrawn=True)
    consent(narrow, application, scope="openid payments:read")  # not applications:read

    for user in (withdrawn, narrow, stranger, None):
        publish_status_change(user)
    assert not WebhookDelivery.objects.exists()

    # The payments:read consent does reach a payment event; a suspended partner hears nothing.
    event_publish(event_type="payment.succeeded", resource_type="payment", resource_id="P1", data={}, user=narrow)
    assert WebhookDelivery.objects.count() == 1
    Partner.objects.filter(pk=partner.pk).update(status=PartnerStatus.SUSPENDED)
    event_publish(event_type="payment.succeeded", resource_type="payment", resource_id="P1", data={}, user=narrow)
    assert WebhookDelivery.objects.count() == 1


def test_only_subscribed_types_and_active_subscriptions_get_deliveries(partner_setup):
    partner, _application, user = partner_setup
    payments_only = subscribe(partner, "https://partner.example.cn/pay", event_types=["payment.succeeded"])
    apps = subscribe(partner, "https://partner.example.cn/apps")
    publish_status_change(user)
    assert list(WebhookDelivery.objects.values_list("subscription_id", flat=True)) == [apps.pk]
    webhook_subscription_deactivate(subscription_id=apps.pk, actor=None)
    publish_status_change(user)
    assert WebhookDelivery.objects.count() == 1
    assert payments_only.deliveries.count() == 0


def test_a_share_holder_hears_of_a_revocation_without_the_subject():
    partner = make_partner()
    make_client(partner, client_id="hotel-desk")
    subscribe(partner, "https://hotel.example.cn/hooks", event_types=["certificate.revoked"])
    event_publish(
        event_type="certificate.revoked",
        resource_type="certificate",
        resource_id="LIC-1",
        data={"certificate_number": "LIC-1"},
        user=resident(),
        share_client_ids=["hotel-desk"],
    )
    [delivery] = WebhookDelivery.objects.all()
    assert delivery.subject == ""


def test_exhausting_the_retry_window_marks_the_delivery_failed(partner_setup, settings):
    partner, _application, user = partner_setup
    down = Receiver()
    subscribe(partner, down.url)
    delivery = WebhookDelivery.objects.get(event=publish_status_change(user))
    assert settings.WEBHOOK_RETRY_HOURS >= 24

    # Back-off doubles from 30 s and is capped at an hour; the window is not yet over.
    gaps = []
    for _ in range(9):
        make_due(delivery.pk)
        delivery_attempt(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        gaps.append(round((delivery.next_attempt_at - timezone.now()).total_seconds() / 30))
    assert gaps == [1, 2, 4, 8, 16, 32, 64, 120, 120]
    assert delivery.status == DeliveryStatus.PENDING

    # 24 hours and a bit later (the setting says 25): the last try fails it for good.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        created_at=timezone.now() - timedelta(hours=settings.WEBHOOK_RETRY_HOURS, minutes=1)
    )
    make_due(delivery.pk)
    delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.failed_at is not None
    assert delivery.attempts == 10 and delivery.attempts_log.count() == 10
    make_due(delivery.pk)
    assert sweep_webhook_deliveries(grace_seconds=0) == 0


def test_replay_makes_a_new_delivery_of_the_same_event(receiver, partner_setup):
    partner, _application, user = partner_setup
    subscription = subscribe(partner, receiver.url)
    receiver.secret = subscription.secret
    original = WebhookDelivery.objects.get(event=publish_status_change(user))
    delivery_attempt(delivery_id=original.pk)
    actor = partner.enterprise.legal_representative

    replay = delivery_replay(delivery_id=original.pk, actor=actor)
    assert replay.pk != original.pk and replay.event_id == original.event_id and replay.replay_of == original
    assert delivery_attempt(delivery_id=replay.pk) is True
    first, second = receiver.events()
    assert first == second  # the same event: the receiver dedupes by its id
    assert [h["Tongban-Event-Id"] for h, _b, _v in receiver.received] == [str(original.event_id)] * 2
    assert PartnerEvent.objects.filter(partner=partner, action=PartnerEventAction.DELIVERY_REPLAYED).count() == 1

    # Another partner cannot replay it.
    with pytest.raises(Exception) as refused:
        delivery_replay(delivery_id=original.pk, actor=None, partner=make_partner())
    assert refused.value.status == 404


def test_rotation_signs_with_both_secrets_during_the_overlap(receiver, partner_setup):
    partner, _application, user = partner_setup
    subscription = subscribe(partner, receiver.url)
    old_secret = subscription.secret
    rotated = webhook_secret_rotate(subscription_id=subscription.pk, actor=None)
    assert rotated.secret != old_secret

    for case_number, secret in (("R1", old_secret), ("R2", rotated.secret)):
        receiver.secret = secret  # a receiver still on the old secret, then one on the new
        delivery_attempt(delivery_id=WebhookDelivery.objects.get(event=publish_status_change(user, case_number)).pk)
    headers = [h["Tongban-Signature"] for h, _b, _v in receiver.received]
    assert all(header.count("v1=") == 2 for header in headers)
    assert [verified for _h, _b, verified in receiver.received] == [True, True]

    # After the overlap only the new secret signs.
    type(rotated).objects.filter(pk=rotated.pk).update(previous_secret_expires_at=timezone.now())
    receiver.secret = old_secret
    delivery_attempt(delivery_id=WebhookDelivery.objects.get(event=publish_status_change(user, "LATER")).pk)
    assert receiver.received[-1][0]["Tongban-Signature"].count("v1=") == 1
    assert receiver.received[-1][2] is False


def test_subscription_changes_are_recorded_without_the_secret(partner_setup):
    partner, _application, _user = partner_setup
    subscription = subscribe(partner, "https://partner.example.cn/hooks")
    webhook_subscription_update(
        subscription_id=subscription.pk,
        actor=None,
        url="https://partner.example.cn/v2/hooks",
        event_types=["application.status_changed", "certificate.issued"],
    )
    webhook_secret_rotate(subscription_id=subscription.pk, actor=None)
    webhook_subscription_deactivate(subscription_id=subscription.pk, actor=None)
    subscription.refresh_from_db()
    actions = list(PartnerEvent.objects.filter(partner=partner).order_by("pk").values_list("action", "summary"))
    assert [action for action, _summary in actions] == [
        PartnerEventAction.WEBHOOK_SUBSCRIBED,
        PartnerEventAction.WEBHOOK_CHANGED,
        PartnerEventAction.WEBHOOK_SECRET_ROTATED,
        PartnerEventAction.WEBHOOK_CHANGED,
    ]
    for _action, summary in actions:
        assert subscription.secret not in summary and subscription.previous_secret not in summary
        assert "whsec_" not in summary


@pytest.mark.parametrize(
    "url",
    [
        "http://partner.example.cn/hooks",  # plain http off loopback
        "ftp://partner.example.cn/hooks",
        "https://user:pw@partner.example.cn/hooks",
        "https:///nohost",
    ],
)
def test_subscription_refuses_unsafe_urls(url):
    with pytest.raises(Exception) as refused:
        subscribe(make_partner(), url)
    assert refused.value.code.startswith("webhook_url")


def test_http_loopback_needs_the_setting(settings):
    settings.WEBHOOKS_ALLOW_HTTP_LOOPBACK = False
    settings.DEBUG = False
    with pytest.raises(Exception) as refused:
        subscribe(make_partner(), "http://127.0.0.1:8000/hooks")
    assert refused.value.code == "webhook_url_not_https"


@pytest.mark.parametrize("host", ["10.0.0.8", "169.254.169.254", "192.168.1.1", "[::1]", "[fd00::1]"])
def test_delivery_refuses_private_and_link_local_targets(partner_setup, settings, host):
    partner, _application, user = partner_setup
    subscription = subscribe(partner, "https://partner.example.cn/hooks")
    # As if the partner's DNS or URL now pointed inside (the check runs at each delivery).
    type(subscription).objects.filter(pk=subscription.pk).update(url=f"https://{host}/hooks")
    settings.WEBHOOKS_ALLOW_HTTP_LOOPBACK = False
    delivery = WebhookDelivery.objects.get(event=publish_status_change(user))
    assert delivery_attempt(delivery_id=delivery.pk) is False
    delivery.refresh_from_db()
    assert "non-public" in delivery.last_error
    assert delivery.last_status_code is None


def test_redirects_are_not_followed(partner_setup):
    partner, _application, user = partner_setup
    redirected = Receiver().start()
    target = Receiver().start()
    try:
        # The first receiver answers 302 to the second; the delivery stays pending.
        redirected.status = 302
        subscription = subscribe(partner, redirected.url)
        redirected.secret = subscription.secret
        delivery = WebhookDelivery.objects.get(event=publish_status_change(user))
        assert delivery_attempt(delivery_id=delivery.pk) is False
        delivery.refresh_from_db()
        assert delivery.last_status_code == 302 and delivery.status == DeliveryStatus.PENDING
        assert target.received == []
    finally:
        redirected.stop()
        target.stop()


def test_an_event_nobody_follows_writes_nothing():
    # A status change with no consenting, subscribed partner costs no event row and no counter.
    assert publish_status_change(None, case_number="LONELY") is None
    assert not WebhookEvent.objects.exists()
    assert not WebhookResourceSequence.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_the_log_keeps_finished_deliveries_for_the_retention_period_then_purges_them(receiver, partner_setup):
    from partners.models import WebhookDeliveryAttempt
    from partners.webhooks.services import webhook_log_purge

    partner, _application, user = partner_setup
    subscription = subscribe(partner, receiver.url)
    receiver.secret = subscription.secret
    old = WebhookDelivery.objects.get(event=publish_status_change(user, case_number="OLD-1"))
    assert delivery_attempt(delivery_id=old.pk)
    replay = delivery_replay(delivery_id=old.pk, partner=partner)
    pending = WebhookDelivery.objects.get(event=publish_status_change(user, case_number="OLD-2"))
    long_ago = timezone.now() - timedelta(days=181)
    WebhookDelivery.objects.filter(pk__in=[old.pk, pending.pk]).update(created_at=long_ago)
    WebhookEvent.objects.update(created_at=long_ago)

    assert webhook_log_purge() == 1
    assert not WebhookDelivery.objects.filter(pk=old.pk).exists()
    assert not WebhookDeliveryAttempt.objects.filter(delivery_id=old.pk).exists()
    # The recent replay and the still-pending delivery stay, and so do their events.
    assert WebhookDelivery.objects.filter(pk__in=[replay.pk, pending.pk]).count() == 2
    assert WebhookDelivery.objects.get(pk=replay.pk).replay_of is None
    assert WebhookEvent.objects.count() == 2
    assert webhook_log_purge() == 0
