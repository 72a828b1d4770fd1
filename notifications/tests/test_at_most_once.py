"""At most one message per outbox row: the attempt is recorded before the
provider is called, and an attempt with an unknown outcome is looked up at the
provider (by its provider-side id) before anything is sent again."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from common import sms
from common.sms.backends.locmem import LocmemSmsBackend
from identity.tests.factories import UserFactory
from notifications.constants import Channel, OutboxStatus
from notifications.models import OutboxMessage
from notifications.services import notify, outbox_message_deliver
from notifications.tasks import sweep_outbox

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("test_ping_template")]


class WorkerKilled(BaseException):
    """What a kill -9 looks like from inside: nothing after it runs."""


class DiesAfterTheProviderAccepts(LocmemSmsBackend):
    """The provider accepts the message, then the worker dies before marking it sent."""

    def send_messages(self, messages) -> int:
        super().send_messages(messages)
        raise WorkerKilled


class DiesBeforeTheProviderHearsOfIt(LocmemSmsBackend):
    def send_messages(self, messages) -> int:
        raise WorkerKilled


class CannotBeAsked(LocmemSmsBackend):
    def query(self, message, *, sent_at):
        return None


def _sms_row(user) -> OutboxMessage:
    with transaction.atomic():
        messages = notify(user=user, template="test.ping", context={"name": "张三"})
    return next(message for message in messages if message.channel == Channel.SMS)


def _expire_lease(row: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_a_crash_after_the_provider_accepted_is_not_sent_again_by_the_sweeper(settings):
    sms.outbox.clear()
    row = _sms_row(UserFactory())
    settings.SMS_BACKEND = f"{__name__}.DiesAfterTheProviderAccepts"
    with pytest.raises(WorkerKilled):
        outbox_message_deliver(message_id=row.pk)
    row.refresh_from_db()
    assert row.status == OutboxStatus.PENDING and row.attempt_started_at is not None
    assert [message.out_id for message in sms.outbox] == [row.provider_id]

    settings.SMS_BACKEND = "common.sms.backends.locmem.LocmemSmsBackend"
    # Within the attempt's lease nobody touches it, not even a duplicate relay.
    assert outbox_message_deliver(message_id=row.pk) is False
    _expire_lease(row)
    sweep_outbox(grace_seconds=0)
    sweep_outbox(grace_seconds=0)

    assert len(sms.outbox) == 1
    row.refresh_from_db()
    assert row.status == OutboxStatus.DELIVERED and row.attempts == 1 and row.address == ""


def test_a_crash_before_the_provider_heard_of_it_is_sent_once_after_asking(settings):
    sms.outbox.clear()
    row = _sms_row(UserFactory())
    settings.SMS_BACKEND = f"{__name__}.DiesBeforeTheProviderHearsOfIt"
    with pytest.raises(WorkerKilled):
        outbox_message_deliver(message_id=row.pk)
    assert sms.outbox == []

    settings.SMS_BACKEND = "common.sms.backends.locmem.LocmemSmsBackend"
    _expire_lease(row)
    sweep_outbox(grace_seconds=0)
    sweep_outbox(grace_seconds=0)

    row.refresh_from_db()
    assert row.status == OutboxStatus.DELIVERED and row.attempts == 2
    assert [message.out_id for message in sms.outbox] == [row.provider_id]


def test_an_unknown_outcome_at_a_provider_that_cannot_be_asked_is_not_resent(settings):
    sms.outbox.clear()
    row = _sms_row(UserFactory())
    settings.SMS_BACKEND = f"{__name__}.DiesBeforeTheProviderHearsOfIt"
    with pytest.raises(WorkerKilled):
        outbox_message_deliver(message_id=row.pk)

    settings.SMS_BACKEND = f"{__name__}.CannotBeAsked"
    _expire_lease(row)
    sweep_outbox(grace_seconds=0)

    row.refresh_from_db()
    assert sms.outbox == []
    assert row.status == OutboxStatus.DEAD and "unknown" in row.last_error
