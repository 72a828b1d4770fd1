"""Sign-in records are purged on a schedule, and delivered outbox rows drop their address."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.core import mail
from django.utils import timezone

from common import sms
from identity.tasks import purge_axes_logs
from notifications.models import NotificationPreference, OutboxMessage
from notifications.services import notify, outbox_message_deliver

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def _axes_rows(*, days_ago: float, username: str) -> None:
    when = timezone.now() - timedelta(days=days_ago)
    common = {"username": username, "ip_address": "203.0.113.7", "user_agent": "test", "path_info": "/account/login/"}
    attempt = AccessAttempt.objects.create(**common, failures_since_start=1, get_data="", post_data="")
    log = AccessLog.objects.create(**common)
    failure = AccessFailureLog.objects.create(**common)
    for model, row in ((AccessAttempt, attempt), (AccessLog, log), (AccessFailureLog, failure)):
        # attempt_time is auto_now_add: set it afterwards.
        model.objects.filter(pk=row.pk).update(attempt_time=when)


def test_axes_logs_older_than_the_retention_are_purged_by_the_task(settings):
    settings.AXES_LOG_RETENTION_DAYS = 180
    _axes_rows(days_ago=181, username="13900000001")
    _axes_rows(days_ago=179, username="13900000002")

    deleted = purge_axes_logs.apply().get()

    assert deleted == {"AccessAttempt": 1, "AccessLog": 1, "AccessFailureLog": 1}
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        assert list(model.objects.values_list("username", flat=True)) == ["13900000002"]


def test_axes_retention_follows_the_setting(settings):
    settings.AXES_LOG_RETENTION_DAYS = 7
    _axes_rows(days_ago=8, username="13900000003")
    purge_axes_logs.apply().get()
    assert not AccessLog.objects.exists()


def test_the_daily_retention_run_purges_the_sign_in_records():
    from monitoring.retention import registry

    assert registry.get("sign-in-records").purge is not None
    assert [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()].count("monitoring.purge_expired") == 1


@pytest.mark.usefixtures("test_ping_template")
def test_delivered_outbox_rows_drop_the_mobile_number_and_email_address():
    sms.outbox.clear()
    mail.outbox.clear()
    user = UserFactory(mobile="13912347777", email="resident@example.cn")
    NotificationPreference.objects.create(user=user, sms=True, email=True)
    messages = notify(user=user, template="test.ping", context={"name": "张三"})
    addressed = [message for message in messages if message.address]
    assert {message.address for message in addressed} == {"13912347777", "resident@example.cn"}

    for message in messages:
        assert outbox_message_deliver(message_id=message.id) is True

    assert [message.mobile for message in sms.outbox] == ["13912347777"]
    assert mail.outbox[0].to == ["resident@example.cn"]
    assert set(OutboxMessage.objects.filter(user=user).values_list("address", flat=True)) == {""}


@pytest.mark.usefixtures("test_ping_template")
def test_an_undelivered_outbox_row_keeps_its_address_for_the_retry(settings):
    # The real adapter with no template code configured: refused before any request is made.
    settings.SMS_BACKEND = "common.sms.backends.aliyun.AliyunSmsBackend"
    user = UserFactory(mobile="13912346666")
    NotificationPreference.objects.create(user=user, sms=True, email=False)
    messages = notify(user=user, template="test.ping", context={"name": "张三"})
    text = next(message for message in messages if message.address)
    assert outbox_message_deliver(message_id=text.id) is False
    assert OutboxMessage.objects.get(pk=text.id).address == "13912346666"
