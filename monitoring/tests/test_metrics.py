"""/metrics: who may read it, and what it says."""

import datetime
from importlib import import_module

import pytest
import yaml
from celery import shared_task
from django.conf import settings
from django.utils import timezone
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from identity.tests.factories import UserFactory
from notifications.constants import OutboxStatus
from notifications.models import OutboxMessage
from payments.models import Discrepancy
from payments.tests.helpers import NOTIFY_URL, paid_sandbox_trade, passport_order

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-tests-0123456789"

SERIES = (
    "tongban_http_requests_total",
    "tongban_http_request_duration_seconds",
    "tongban_celery_queue_length",
    "tongban_celery_task_failures_total",
    "tongban_outbox_backlog",
    "tongban_outbox_oldest_pending_age_seconds",
    "tongban_outbox_dead",
    "tongban_webhook_deliveries_pending",
    "tongban_webhook_oldest_pending_delivery_age_seconds",
    "tongban_webhook_deliveries_failed",
    "tongban_webhook_attempt_failures_total",
    "tongban_payment_notifications_total",
    "tongban_payment_reconciliation_discrepancies",
    "tongban_metrics_source_up",
)


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []
    return TOKEN


def scrape(client) -> dict:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    return {family.name: family for family in text_string_to_metric_families(response.content.decode())}


def sample(families, name, **labels):
    for family in families.values():
        for s in family.samples:
            if s.name == name and all(s.labels.get(key) == value for key, value in labels.items()):
                return s.value
    return None


def test_an_anonymous_caller_is_refused(client, token):
    response = client.get("/metrics")
    assert response.status_code == 404
    assert b"tongban_" not in response.content


def test_a_wrong_token_is_refused(client, token):
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer not-the-token").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x").status_code == 404


def test_nobody_may_read_it_when_neither_token_nor_allow_list_is_set(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


def test_a_post_is_refused_like_a_get(client, token):
    assert client.post("/metrics").status_code == 404


def test_the_right_token_gets_the_exposition_with_every_series(client, token):
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    text = response.content.decode()
    for name in SERIES:
        assert f"# TYPE {name} " in text, name
    assert "no-store" in response["Cache-Control"]


def test_an_allow_listed_address_is_accepted_and_others_are_not(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["10.20.0.0/16", "2001:db8::/32"]

    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="2001:db8::7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.21.3.4").status_code == 404
    # A client naming an allowed address itself is not believed (no trusted proxy).
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.20.3.4").status_code == 404


def test_behind_a_trusted_proxy_the_address_the_proxy_saw_counts(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["10.20.0.0/16"]
    settings.TRUSTED_PROXY_COUNT = 1
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.20.3.4").status_code == 200


def test_the_scrape_touches_no_session(client, token, monkeypatch):
    store = import_module(settings.SESSION_ENGINE).SessionStore
    reads = []
    monkeypatch.setattr(store, "load", lambda self: reads.append(self.session_key) or {})
    client.cookies[settings.SESSION_COOKIE_NAME] = "a-session-key-that-is-never-read"

    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    refused = client.get("/metrics")

    assert (response.status_code, refused.status_code) == (200, 404)
    assert reads == []
    assert "Set-Cookie" not in response.headers
    assert not response.cookies


def test_the_scrape_time_series_cost_five_queries(client, token, django_assert_num_queries):
    with django_assert_num_queries(5):
        client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")


def test_requests_are_labelled_by_view_name_not_path(client, token):
    client.get("/healthz")
    client.get("/healthz?x=1")
    client.get("/no-such-page/first")
    client.get("/no-such-page/second")

    families = scrape(client)

    views = {s.labels["view"] for s in families["tongban_http_requests"].samples}
    assert {"healthz", "metrics", "<unresolved>"} <= views
    assert not [view for view in views if "no-such-page" in view or "/" in view]
    assert sample(families, "tongban_http_requests_total", view="healthz", method="GET", status="2xx") >= 2
    assert sample(families, "tongban_http_requests_total", view="<unresolved>", method="GET", status="4xx") >= 2
    assert sample(families, "tongban_http_request_duration_seconds_count", view="healthz", method="GET") >= 2


def test_the_outbox_backlog_and_its_age_follow_the_rows(client, token):
    before = scrape(client)
    assert sample(before, "tongban_outbox_backlog") == 0
    assert sample(before, "tongban_outbox_oldest_pending_age_seconds") == 0
    now = timezone.now()
    for minutes in (1, 10):
        created_at = now - datetime.timedelta(minutes=minutes)
        OutboxMessage.objects.create(channel="inbox", template="t", created_at=created_at)
    OutboxMessage.objects.create(channel="inbox", template="t", status=OutboxStatus.DELIVERED, delivered_at=now)
    OutboxMessage.objects.create(channel="sms", template="t", status=OutboxStatus.DEAD)

    after = scrape(client)

    assert sample(after, "tongban_outbox_backlog") == 2
    assert 600 <= sample(after, "tongban_outbox_oldest_pending_age_seconds") < 700
    assert sample(after, "tongban_outbox_dead") == 1
    assert sample(after, "tongban_metrics_source_up", source="database") == 1


def test_unresolved_discrepancies_are_counted_by_gateway_and_kind(client, token):
    day = datetime.date(2026, 11, 28)
    Discrepancy.objects.create(gateway="alipay", day=day, kind="missing", transaction_id="a1")
    Discrepancy.objects.create(gateway="alipay", day=day, kind="missing", transaction_id="a2")
    Discrepancy.objects.create(gateway="alipay", day=day, kind="extra", transaction_id="a3", resolved=True)

    families = scrape(client)

    assert sample(families, "tongban_payment_reconciliation_discrepancies", gateway="alipay", kind="missing") == 2
    assert sample(families, "tongban_payment_reconciliation_discrepancies", gateway="alipay", kind="extra") is None


def test_payment_notifications_are_counted_by_result(client, token):
    def count(result):
        value = REGISTRY.get_sample_value(
            "tongban_payment_notifications_total", {"gateway": "alipay", "result": result}
        )
        return value or 0

    paid, invalid = count("paid"), count("invalid")
    order = passport_order(gateway="alipay")
    from payments.contrib.sandbox import services as alipay_sandbox

    params = alipay_sandbox.notification_params(paid_sandbox_trade(order))
    assert client.post(NOTIFY_URL, params).status_code == 200
    assert client.post(NOTIFY_URL, {**params, "sign": "forged"}).status_code != 500

    assert count("paid") == paid + 1
    assert count("invalid") == invalid + 1


@shared_task(name="monitoring.tests.always_fails")
def always_fails():
    raise RuntimeError("this task always fails")


def test_a_failing_celery_task_increments_the_failure_counter():
    labels = {"task": "monitoring.tests.always_fails"}
    before = REGISTRY.get_sample_value("tongban_celery_task_failures_total", labels) or 0

    # Run here, as a worker would: not re-raised (an eager task that re-raises skips the signal).
    result = always_fails.apply(throw=False)

    assert result.failed()

    assert REGISTRY.get_sample_value("tongban_celery_task_failures_total", labels) == before + 1


def test_the_celery_queue_length_is_read_from_the_broker(client, token, settings):
    import redis

    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("the broker is not Redis in this run")
    queue = "monitoring-test-queue"
    settings.METRICS_CELERY_QUEUES = [queue]
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    from config.celery import app

    broker.delete(queue, *broker.keys(f"{queue}*"))
    try:
        # Published as any caller does; one with a priority lands in a list of its own.
        for priority in (None, None, 9):
            app.send_task("monitoring.tests.never_consumed", queue=queue, priority=priority)
        assert len(broker.keys(f"{queue}*")) == 2
        families = scrape(client)
    finally:
        broker.delete(queue, *broker.keys(f"{queue}*"))
    assert sample(families, "tongban_celery_queue_length", queue=queue) == 3
    assert sample(families, "tongban_metrics_source_up", source="broker") == 1


def test_the_alert_rules_in_the_operations_guide_parse():
    text = (settings.BASE_DIR / "docs" / "operations.md").read_text()
    blocks = [yaml.safe_load(block.split("```", 1)[0]) for block in text.split("```yaml")[1:]]
    rule_files = [block for block in blocks if "groups" in block]
    assert len(rule_files) == 1, "docs/operations.md needs one ```yaml block of alert rules"
    rules = rule_files[0]
    alerts = {rule["alert"]: rule for group in rules["groups"] for rule in group["rules"]}
    assert len(alerts) >= 7
    for rule in alerts.values():
        assert rule["expr"].strip()
        assert rule["labels"]["severity"] in {"page", "ticket"}
    # Each alert reads series this endpoint exposes.
    exprs = " ".join(rule["expr"] for rule in alerts.values())
    for name in (
        "tongban_outbox_oldest_pending_age_seconds",
        "tongban_payment_reconciliation_discrepancies",
        "tongban_celery_task_failures_total",
        "tongban_webhook_deliveries_failed",
        "tongban_celery_queue_length",
        "tongban_http_requests_total",
        "tongban_http_request_duration_seconds_bucket",
    ):
        assert name in exprs, name


def test_webhook_deliveries_and_failed_attempts_are_reported(client, token, settings):
    from common.testing.processes import free_port
    from partners.models import DeliveryStatus, WebhookDelivery
    from partners.tests.test_webhooks import consent, make_client, make_partner, publish_status_change, subscribe
    from partners.webhooks.services import delivery_attempt

    settings.WEBHOOKS_ALLOW_HTTP_LOOPBACK = True
    partner = make_partner()
    user = UserFactory()
    consent(user, make_client(partner, client_id="metrics-partner"))
    # Nobody listens on this port: every POST fails.
    subscribe(partner, f"http://127.0.0.1:{free_port()}/hooks")
    failing = WebhookDelivery.objects.get(event=publish_status_change(user, case_number="M-1"))
    given_up = WebhookDelivery.objects.get(event=publish_status_change(user, case_number="M-2"))
    WebhookDelivery.objects.filter(pk=given_up.pk).update(status=DeliveryStatus.FAILED)
    WebhookDelivery.objects.filter(pk=failing.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=3))
    attempts_before = REGISTRY.get_sample_value("tongban_webhook_attempt_failures_total") or 0

    assert delivery_attempt(delivery_id=failing.pk) is False

    assert REGISTRY.get_sample_value("tongban_webhook_attempt_failures_total") == attempts_before + 1
    families = scrape(client)
    assert sample(families, "tongban_webhook_deliveries_pending") == 1
    assert 180 <= sample(families, "tongban_webhook_oldest_pending_delivery_age_seconds") < 300
    assert sample(families, "tongban_webhook_deliveries_failed") == 1


def test_a_broker_that_does_not_answer_is_reported_down_without_failing_the_scrape(client, token, settings):
    from common.testing.processes import free_port

    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"

    families = scrape(client)

    assert sample(families, "tongban_metrics_source_up", source="broker") == 0
    assert sample(families, "tongban_metrics_source_up", source="database") == 1
    assert sample(families, "tongban_outbox_backlog") == 0


def test_a_multiprocess_dir_that_is_not_a_writable_directory_stops_the_start(tmp_path, monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from monitoring.exposition import check_multiprocess_dir

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="PROMETHEUS_MULTIPROC_DIR"):
        check_multiprocess_dir()

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    check_multiprocess_dir()
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    check_multiprocess_dir()
