"""Fixtures for the drills (``make drills``)."""

import pytest
from django.conf import settings as django_settings


@pytest.fixture
def drill(transactional_db, disposable_redis, tmp_path, settings):
    """The test process and its broker on a private Redis, the SMS provider a
    file shared with the workers, the ``test.ping`` template in the database, and
    a few residents. Yields a namespace the drill uses."""
    from types import SimpleNamespace

    from kombu import pools

    from config.celery import app
    from identity.tests.factories import UserFactory
    from notifications.models import MessageTemplate
    from notifications.tests.templates import TEST_PING

    filebox = tmp_path / "sms.jsonl"
    settings.SMS_BACKEND = "common.sms.backends.filebox.FileboxSmsBackend"
    settings.SMS_FILEBOX_PATH = str(filebox)
    settings.SMS_FILEBOX_DELAY = 0
    settings.OUTBOX_ATTEMPT_LEASE_SECONDS = 5
    title, body = TEST_PING[django_settings.LANGUAGE_CODE]
    MessageTemplate.objects.create(key="test.ping", language=django_settings.LANGUAGE_CODE, title=title, body=body)
    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_default_queue")}

    def reset():
        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None
        app._backend_cache = None
        app._local.__dict__.pop("backend", None)

    app.conf.update(broker_url=disposable_redis.url, result_backend=disposable_redis.url)
    reset()
    workers = []
    namespace = SimpleNamespace(
        redis=disposable_redis, filebox=filebox, users=[UserFactory() for _ in range(5)], workers=workers, app=app
    )
    try:
        yield namespace
    finally:
        for worker in workers:
            worker.stop()
        app.conf.update(**saved)
        reset()
