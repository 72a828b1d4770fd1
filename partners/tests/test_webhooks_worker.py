"""A real Celery worker process posts a delivery queued after commit (the relay task)."""

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
