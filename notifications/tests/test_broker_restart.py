"""The worker survives a broker restart with a relay task in flight, and the
message is delivered once (issue 18; see docs/deployment.md for the cause)."""

import time

import pytest
from django.conf import settings
from django.db import connection, transaction

from common.sms.backends.filebox import read_filebox
from common.testing.processes import CeleryWorkerProcess, database_url
from identity.tests.factories import UserFactory
from notifications.constants import Channel, OutboxStatus
from notifications.models import MessageTemplate, OutboxMessage
from notifications.services import notify
from notifications.tests.templates import TEST_PING


def _wait_for(predicate, *, timeout: float = 90, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def slow_provider_worker(request, transactional_db, disposable_redis, tmp_path):
    """A real worker on a private Redis whose SMS provider (the file sandbox) takes 6 s per message."""
    from kombu import pools

    from config.celery import app

    filebox = tmp_path / "sms.jsonl"
    database = connection.settings_dict
    url = database_url(database)
    worker = CeleryWorkerProcess(
        database_url=url,
        broker_url=disposable_redis.url,
        pool=request.param,
        extra_env={
            "DJANGO_SETTINGS_MODULE": "common.testing.worker_settings",
            "TONGBAN_TEST_SMS_BACKEND": "common.sms.backends.filebox.FileboxSmsBackend",
            "SMS_FILEBOX_PATH": str(filebox),
            "SMS_FILEBOX_DELAY": "6",
        },
    )
    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_default_queue")}

    def reset():
        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None
        app._backend_cache = None
        app._local.__dict__.pop("backend", None)

    app.conf.update(
        broker_url=disposable_redis.url, result_backend=disposable_redis.url, task_default_queue=worker.queue
    )
    reset()
    worker.start()
    worker.wait_until_ready()
    try:
        yield worker, disposable_redis, filebox
    finally:
        worker.stop()
        app.conf.update(**saved)
        reset()


@pytest.mark.celery_worker
@pytest.mark.parametrize("slow_provider_worker", ["solo", "prefork"], indirect=True)
def test_the_worker_survives_a_redis_restart_with_a_relay_in_flight_and_delivers_once(slow_provider_worker):
    worker, redis, filebox = slow_provider_worker
    user = UserFactory()
    title, body = TEST_PING[settings.LANGUAGE_CODE]
    MessageTemplate.objects.create(key="test.ping", language=settings.LANGUAGE_CODE, title=title, body=body)
    with transaction.atomic():
        messages = notify(user=user, template="test.ping", context={"name": "张三"})
    sms = next(message for message in messages if message.channel == Channel.SMS)
    # The relay is running: the provider is taking its time over the SMS.
    _wait_for(
        lambda: "relay_outbox_messages" in worker.log() and "received" in worker.log(),
        what="the relay to start",
        timeout=40,
    )
    time.sleep(1)

    redis.stop()
    time.sleep(5)
    redis.start()

    try:
        _wait_for(
            lambda: OutboxMessage.objects.filter(pk=sms.pk, status=OutboxStatus.DELIVERED).exists(),
            timeout=120,
            what="the SMS to be delivered",
        )
        time.sleep(8)  # a redelivered relay would send again within this time
    finally:
        print(worker.log())
    assert worker.process.poll() is None, "the worker exited"
    assert "Unrecoverable error" not in worker.log()
    assert len(read_filebox(filebox)) == 1
    assert OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count() == 0
