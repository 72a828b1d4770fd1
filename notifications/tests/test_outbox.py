import time

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import path

from common import sms
from identity.tests.factories import UserFactory
from notifications.constants import Channel, OutboxStatus
from notifications.models import InboxMessage, MessageTemplate, NotificationPreference, OutboxMessage
from notifications.services import notify, notify_mobile, outbox_due_ids, outbox_message_deliver
from notifications.tasks import relay_outbox_messages, sweep_outbox
from notifications.tests.templates import TEST_PING


def _wait_for(predicate, *, timeout: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.django_db
def test_notify_writes_rows_but_sends_nothing_before_commit(django_capture_on_commit_callbacks):
    sms.outbox.clear()
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        messages = notify(user=user, template="test.ping", context={"name": "张三"})
    assert {message.channel for message in messages} == {Channel.INBOX, Channel.SMS}
    assert len(callbacks) == 1  # the relay is queued only after commit
    assert not InboxMessage.objects.exists()
    assert sms.outbox == []


@pytest.mark.django_db
def test_delivery_is_idempotent_and_renders_the_users_language():
    sms.outbox.clear()
    user = UserFactory()
    NotificationPreference.objects.create(user=user, sms=True, email=False)
    inbox, text = notify(user=user, template="test.ping", context={"name": "Zhang"}, language="en")

    assert outbox_message_deliver(message_id=inbox.id) is True
    assert outbox_message_deliver(message_id=inbox.id) is False
    assert outbox_message_deliver(message_id=text.id) is True

    message = InboxMessage.objects.get(user=user)
    assert (message.title, message.body) == ("Test message", "Hello Zhang. This is a test message.")
    assert [m.text for m in sms.outbox] == ["【通办】Hello Zhang. This is a test message."]
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.DELIVERED}


@pytest.mark.django_db
def test_a_mobile_without_an_account_gets_one_sms_and_no_inbox(django_capture_on_commit_callbacks):
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        (message,) = notify_mobile(mobile="13700000009", template="test.ping", context={"name": "陈老伯"})
    assert len(callbacks) == 1
    assert (message.channel, message.user, message.address) == (Channel.SMS, None, "13700000009")
    assert notify_mobile(mobile="", template="test.ping", context={}) == []
    assert outbox_message_deliver(message_id=message.id) is True
    assert outbox_message_deliver(message_id=message.id) is False
    assert [(m.mobile, m.text) for m in sms.outbox] == [("13700000009", "【通办】你好，陈老伯。这是一条测试消息。")]
    assert not InboxMessage.objects.exists()
    message.refresh_from_db()
    assert (message.status, message.address) == (OutboxStatus.DELIVERED, "")


@pytest.mark.django_db
def test_opted_out_channels_get_nothing():
    user = UserFactory()
    NotificationPreference.objects.create(user=user, sms=False, email=False)
    messages = notify(user=user, template="test.ping", context={"name": "张三"})
    assert [message.channel for message in messages] == [Channel.INBOX]


@pytest.mark.django_db
def test_failed_delivery_is_retried_later_then_given_up(settings):
    settings.SMS_BACKEND = "common.sms.backends.aliyun.AliyunSmsBackend"  # unconfigured: every send fails
    user = UserFactory()
    _inbox, text = notify(user=user, template="test.ping", context={"name": "张三"})

    assert outbox_message_deliver(message_id=text.id) is False
    text.refresh_from_db()
    assert text.status == OutboxStatus.PENDING
    assert text.attempts == 1 and "SmsError" in text.last_error
    assert str(text.id) not in outbox_due_ids(grace_seconds=0)  # backing off

    OutboxMessage.objects.filter(pk=text.pk).update(attempts=7, next_attempt_at=text.created_at)
    outbox_message_deliver(message_id=text.id)
    text.refresh_from_db()
    assert text.status == OutboxStatus.DEAD


def test_beat_runs_the_sweeper():
    schedule = settings.CELERY_BEAT_SCHEDULE["notifications-sweep-outbox"]
    assert schedule["task"] == sweep_outbox.name
    assert schedule["schedule"] <= 60


# --- A view that fails after writing sends nothing ----------------------------------


def notify_then_fail(request):
    notify(user=request.user, template="test.ping", context={"name": "张三"})
    raise RuntimeError("something broke after the write")


urlpatterns = [path("fail/", notify_then_fail)]


@pytest.mark.urls(__name__)
@pytest.mark.django_db(transaction=True)
def test_a_view_that_fails_after_writing_sends_nothing(client):
    sms.outbox.clear()
    user = UserFactory()
    client.force_login(user)
    client.raise_request_exception = False

    response = client.get("/fail/")

    assert response.status_code == 500
    assert not OutboxMessage.objects.exists()
    assert not InboxMessage.objects.exists()
    assert sms.outbox == []


# --- Redis outage, with a real worker ------------------------------------------------


@pytest.mark.celery_worker
def test_outbox_delivers_once_after_a_redis_outage(celery_on_disposable_redis):
    worker, redis = celery_on_disposable_redis
    user = UserFactory()
    NotificationPreference.objects.create(user=user, sms=False)
    # The worker is another process, which knows only the templates apps register at start-up
    # (test.ping is this process's test template): officials' text for the key serves it there.
    title, body = TEST_PING[settings.LANGUAGE_CODE]
    MessageTemplate.objects.create(key="test.ping", language=settings.LANGUAGE_CODE, title=title, body=body)
    # The worker is up and consuming.
    relay_outbox_messages.delay([]).get(timeout=60)

    redis.stop()
    with transaction.atomic():
        (message,) = notify(user=user, template="test.ping", context={"name": "张三"})
    # The commit happened although the broker was down; the relay could not be queued.
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert not InboxMessage.objects.exists()

    redis.start()
    # What beat does every 30 seconds, sent through the broker to the real worker.
    sweep_outbox.apply_async(kwargs={"grace_seconds": 0})
    try:
        _wait_for(lambda: InboxMessage.objects.filter(user=user).exists(), what="delivery after the outage")
    except AssertionError:
        print(worker.log())
        raise

    # Redelivery (a duplicate relay, another sweep) changes nothing.
    relay_outbox_messages.delay([str(message.id)]).get(timeout=60)
    sweep_outbox.apply_async(kwargs={"grace_seconds": 0}).get(timeout=60)
    assert InboxMessage.objects.filter(user=user).count() == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED and message.attempts == 1
