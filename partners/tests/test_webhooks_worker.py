"""Webhook deliveries with real Celery worker processes: after commit, with the broker down at commit, and raced."""

import time

import pytest
from django.db import transaction

from applications.tests.factories import resident
from partners.models import DeliveryStatus, WebhookDelivery
from partners.tests.test_webhooks import Receiver, consent, make_client, make_partner, publish_status_change, subscribe


@pytest.mark.django_db(transaction=True)
def test_a_worker_posts_the_delivery_after_commit(celery_worker_process):
    receiver = Receiver().start()
    try:
        partner = make_partner()
        application = make_client(partner, client_id="worker-partner")
        user = resident()
        consent(user, application)
        subscription = subscribe(partner, receiver.url)
        receiver.secret = subscription.secret
        with transaction.atomic():
            event = publish_status_change(user, case_number="WORKER-1")
            assert receiver.received == []  # nothing leaves before commit

        deadline = time.monotonic() + 60
        delivery = WebhookDelivery.objects.get(event=event)
        while time.monotonic() < deadline and delivery.status == DeliveryStatus.PENDING:
            time.sleep(0.2)
            delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.DELIVERED, celery_worker_process.log()
        assert [verified for _h, _b, verified in receiver.received] == [True]
        assert [body["id"] for body in receiver.events()] == [str(event.id)]
    finally:
        receiver.stop()


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_delivery_post_it_once():
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from django.db import connection

    from partners.webhooks.services import delivery_attempt

    posts = []

    class Slow(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            posts.append(self.headers["Tongban-Delivery-Id"])
            time.sleep(1.0)  # the first worker is still posting when the second arrives
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        partner = make_partner()
        application = make_client(partner, client_id="race-partner")
        user = resident()
        consent(user, application)
        subscribe(partner, f"http://127.0.0.1:{server.server_address[1]}/hooks")
        delivery = WebhookDelivery.objects.get(event=publish_status_change(user, case_number="RACE-1"))

        results = []

        def worker():
            try:
                results.append(delivery_attempt(delivery_id=delivery.pk))
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(3)]
        for thread in threads:
            thread.start()
            time.sleep(0.1)
        for thread in threads:
            thread.join(10)
    finally:
        server.shutdown()
        server.server_close()
    assert posts == [str(delivery.pk)]
    assert sorted(results) == [False, False, True]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1


@pytest.mark.celery_worker
def test_a_delivery_written_while_the_broker_is_down_reaches_the_partner_once_after_it_returns(
    celery_on_disposable_redis,
):
    from partners.webhooks.tasks import relay_webhook_deliveries, sweep_webhook_deliveries

    worker, redis = celery_on_disposable_redis
    receiver = Receiver().start()
    try:
        partner = make_partner()
        application = make_client(partner, client_id="outage-partner")
        user = resident()
        consent(user, application)
        subscription = subscribe(partner, receiver.url)
        receiver.secret = subscription.secret
        relay_webhook_deliveries.delay([]).get(timeout=60)  # the worker is up and consuming

        redis.stop()
        with transaction.atomic():
            event = publish_status_change(user, case_number="OUTAGE-1")
        # The change committed although the relay could not be queued; the delivery waits.
        delivery = WebhookDelivery.objects.get(event=event)
        assert delivery.status == DeliveryStatus.PENDING and receiver.received == []

        redis.start()
        # What beat does every 30 seconds, through the broker to the real worker.
        sweep_webhook_deliveries.apply_async(kwargs={"grace_seconds": 0})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and delivery.status == DeliveryStatus.PENDING:
            time.sleep(0.2)
            delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.DELIVERED, worker.log()

        # Another sweep and a duplicate relay post nothing more.
        sweep_webhook_deliveries.apply_async(kwargs={"grace_seconds": 0}).get(timeout=60)
        relay_webhook_deliveries.delay([str(delivery.pk)]).get(timeout=60)
        assert [verified for _headers, _body, verified in receiver.received] == [True]
        assert [body["id"] for body in receiver.events()] == [str(event.id)]
    finally:
        receiver.stop()
