"""Writing messages to the outbox and delivering them.

``notify`` is called inside the transaction of the change that causes the
message. Nothing leaves before commit: after commit the relay task is queued;
if the broker is down at that moment, the row stays pending and the beat
sweeper delivers it later. Delivery locks the row, so a message is delivered
by one worker at a time, and the inbox row is unique per outbox id.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation

from common.sms import SmsMessage, send_sms

from .constants import Channel, OutboxStatus
from .models import InboxMessage, NotificationPreference, OutboxMessage
from .templates import render

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


def _queue_relay(message_ids: list[str]) -> None:
    from .tasks import relay_outbox_messages

    try:
        relay_outbox_messages.delay(message_ids)
    except Exception as exc:  # broker unreachable: the sweeper will deliver
        logger.warning("outbox relay not queued (%s); the sweeper will deliver", exc.__class__.__name__)


def notify(*, user, template: str, context: dict, link: str = "", language: str | None = None) -> list[OutboxMessage]:
    """Queue ``template`` for ``user``: always the inbox, plus SMS and email where they opted in.

    Must be called inside the transaction that makes the change being announced.
    """
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    preference = NotificationPreference.objects.filter(user=user).first()
    wants_sms = preference.sms if preference else True
    wants_email = preference.email if preference else False
    payload = {**context, "link": link}
    channels = [(Channel.INBOX, "")]
    if wants_sms and user.mobile:
        channels.append((Channel.SMS, user.mobile))
    if wants_email and user.email:
        channels.append((Channel.EMAIL, user.email))
    messages = [
        OutboxMessage(
            channel=channel, user=user, address=address, template=template, context=payload, language=language
        )
        for channel, address in channels
    ]
    OutboxMessage.objects.bulk_create(messages)
    ids = [str(message.id) for message in messages]
    transaction.on_commit(lambda: _queue_relay(ids))
    return messages


def _send(message: OutboxMessage) -> None:
    rendered = render(message.template, message.language, message.context)
    if message.channel == Channel.INBOX:
        InboxMessage.objects.create(
            user_id=message.user_id,
            outbox_id=message.id,
            title=rendered.title,
            body=rendered.body,
            link=message.context.get("link", ""),
        )
    elif message.channel == Channel.SMS:
        send_sms(
            SmsMessage(
                mobile=message.address,
                template=message.template,
                params=message.context,
                text=f"【通办】{rendered.body}",
            )
        )
    elif message.channel == Channel.EMAIL:
        send_mail(rendered.title, rendered.body, None, [message.address])


def outbox_message_deliver(*, message_id) -> bool:
    """Deliver one pending message; True if this call delivered it.

    Idempotent: a delivered or dead message, or one another worker holds, is
    left alone. A failure is retried with exponential back-off, then the
    message is marked dead after ``MAX_ATTEMPTS``.
    """
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=OutboxStatus.PENDING)
            .first()
        )
        if message is None:
            return False
        try:
            with transaction.atomic():
                _send(message)
        except Exception as exc:
            message.attempts += 1
            message.last_error = f"{exc.__class__.__name__}: {exc}"[:300]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = OutboxStatus.DEAD
            message.next_attempt_at = timezone.now() + timedelta(seconds=min(30 * 2**message.attempts, 6 * 3600))
            message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            logger.warning("outbox message %s failed (%s)", message.pk, exc.__class__.__name__)
            return False
        message.status = OutboxStatus.DELIVERED
        message.attempts += 1
        message.delivered_at = timezone.now()
        # Delivered: the phone number or email address is no longer needed, so
        # the outbox does not keep a second copy of it (PIPL art. 19).
        message.address = ""
        message.save(update_fields=["status", "attempts", "delivered_at", "address"])
    return True


def outbox_due_ids(*, grace_seconds: int = 10, limit: int = 500) -> list[str]:
    """Pending messages the relay should have delivered by now."""
    now = timezone.now()
    return [
        str(pk)
        for pk in OutboxMessage.objects.filter(
            status=OutboxStatus.PENDING,
            next_attempt_at__lte=now,
            created_at__lte=now - timedelta(seconds=grace_seconds),
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    ]
