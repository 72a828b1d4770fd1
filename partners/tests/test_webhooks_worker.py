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
        assert [(verified, body["id"]) for (_h, _b, verified), body in zip(receiver.received, receiver.events())] == [
            (True, str(event.id))
        ]
    finally:
        receiver.stop()
