"""Writing messages to the outbox and delivering them.

``notify`` is called inside the transaction of the change that causes the
message. Nothing leaves before commit: after commit the relay task is queued;
if the broker is down at that moment, the row stays pending and the beat
sweeper delivers it later. Delivery locks the row, so a message is delivered
by one worker at a time, and the inbox row is unique per outbox id. Messages
to outside providers are sent at most once per row: see
:func:`outbox_message_deliver`.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise

from common.sms import SMS_ACCEPTED, SmsError, SmsMessage, query_sms, send_sms

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

    The message is in the recipient's language (``user.preferred_language``, else the site's
    default), not the language of whoever caused it: an official in the admin triggers most of
    them. Lazy texts in ``context`` (``gettext_lazy``, :func:`common.i18n.lazy_display_name`) are
    resolved in that language here, before the context is stored.

    Must be called inside the transaction that makes the change being announced.
    """
    language = language or user.preferred_language or settings.LANGUAGE_CODE
    preference = NotificationPreference.objects.filter(user=user).first()
    wants_sms = preference.sms if preference else True
    wants_email = preference.email if preference else False
    channels = [(Channel.INBOX, "")]
    if wants_sms and user.mobile:
        channels.append((Channel.SMS, user.mobile))
    if wants_email and user.email:
        channels.append((Channel.EMAIL, user.email))
    return _outbox_write(user=user, channels=channels, template=template, context=context, link=link, language=language)


def notify_mobile(
    *, mobile: str, template: str, context: dict, link: str = "", language: str | None = None
) -> list[OutboxMessage]:
    """Queue ``template`` as an SMS to ``mobile``, for someone with no portal account (e.g. a
    pensioner only the social-security office's list knows). No inbox, no preferences: use
    :func:`notify` whenever there is a user. Must be called inside the causing transaction.
    """
    if not mobile:
        return []
    return _outbox_write(
        user=None,
        channels=[(Channel.SMS, mobile)],
        template=template,
        context=context,
        link=link,
        language=language or settings.LANGUAGE_CODE,
    )


def _outbox_write(
    *, user, channels: list[tuple[str, str]], template: str, context: dict, link: str, language: str
) -> list[OutboxMessage]:
    """One outbox row per ``(channel, address)``, the relay queued after commit. Lazy texts in
    ``context`` are resolved in ``language`` here, before the context is stored."""
    with translation.override(language):
        payload = {key: str(value) if isinstance(value, Promise) else value for key, value in context.items()}
    payload["link"] = link
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


def _write_inbox(message: OutboxMessage) -> None:
    rendered = render(message.template, message.language, message.context)
    InboxMessage.objects.create(
        user_id=message.user_id,
        outbox_id=message.id,
        title=rendered.title,
        body=rendered.body,
        link=message.context.get("link", ""),
    )


def _sms(message: OutboxMessage, text: str = "") -> SmsMessage:
    return SmsMessage(
        mobile=message.address,
        template=message.template,
        params=message.context,
        text=text,
        out_id=message.provider_id,
    )


def _send_outside(message: OutboxMessage) -> None:
    """Call the provider for ``message`` (outside any transaction: the attempt is already recorded)."""
    rendered = render(message.template, message.language, message.context)
    if message.channel == Channel.SMS:
        send_sms(_sms(message, text=f"【通办】{rendered.body}"))
    elif message.channel == Channel.EMAIL:
        send_mail(rendered.title, rendered.body, None, [message.address])


def _provider_has(message: OutboxMessage) -> bool | None:
    """Whether the provider already has the recorded attempt: True, False, or
    None when it cannot be asked. Raises when it cannot answer now."""
    if message.channel != Channel.SMS:
        return None  # SMTP has no lookup
    answer = query_sms(_sms(message), sent_at=message.attempt_started_at)
    if answer is None:
        return None
    return answer == SMS_ACCEPTED


def _back_off(message: OutboxMessage, exc: BaseException) -> None:
    message.last_error = f"{exc.__class__.__name__}: {exc}"[:300]
    if message.attempts >= MAX_ATTEMPTS:
        message.status = OutboxStatus.DEAD
    message.next_attempt_at = timezone.now() + timedelta(seconds=min(30 * 2**message.attempts, 6 * 3600))
    logger.warning("outbox message %s failed (%s)", message.pk, exc.__class__.__name__)


def _mark_delivered(message: OutboxMessage) -> None:
    message.status = OutboxStatus.DELIVERED
    message.delivered_at = timezone.now()
    message.attempt_started_at = None
    # Delivered: the phone number or email address is no longer needed, so
    # the outbox does not keep a second copy of it (PIPL art. 19).
    message.address = ""


_SAVED = [
    "status",
    "attempts",
    "delivered_at",
    "address",
    "attempt_started_at",
    "provider_id",
    "last_error",
    "next_attempt_at",
]


def outbox_message_deliver(*, message_id) -> bool:
    """Deliver one pending message; True if this call delivered it.

    Idempotent: a delivered or dead message, or one another worker holds, is
    left alone. Inbox messages are written in the row's transaction. For SMS and
    email the attempt is recorded and committed first (``attempt_started_at``,
    ``provider_id``, and ``next_attempt_at`` as a lease, ``OUTBOX_ATTEMPT_LEASE_SECONDS``,
    before which no other worker takes it), then the provider is called, then the row is marked delivered. If a
    worker dies in between, the next try asks the provider for ``provider_id``
    (SMS ``QuerySendDetails``) and sends again only if the provider does not
    have it; a provider that cannot be asked is not sent to again (the row is
    marked dead with the reason). A failure is retried with exponential
    back-off, then the message is marked dead after ``MAX_ATTEMPTS``.
    """
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=OutboxStatus.PENDING)
            .first()
        )
        if message is None:
            return False
        now = timezone.now()
        if message.channel == Channel.INBOX:
            try:
                with transaction.atomic():
                    _write_inbox(message)
            except Exception as exc:
                message.attempts += 1
                _back_off(message, exc)
                message.save(update_fields=_SAVED)
                return False
            message.attempts += 1
            _mark_delivered(message)
            message.save(update_fields=_SAVED)
            return True

        if message.attempt_started_at is not None:
            if message.next_attempt_at > now:
                return False  # an attempt is under way (its lease runs), or backing off
            try:
                has_it = _provider_has(message)
            except Exception as exc:  # the provider cannot answer now: ask again later
                message.attempts += 1
                _back_off(message, exc)
                message.save(update_fields=_SAVED)
                return False
            if has_it:
                _mark_delivered(message)
                message.save(update_fields=_SAVED)
                logger.info("outbox message %s: the provider already had it; not sent again", message.pk)
                return True
            if has_it is None:
                message.status = OutboxStatus.DEAD
                message.last_error = "outcome of the last attempt unknown; the provider cannot be asked: not resent"
                message.save(update_fields=_SAVED)
                return False
        message.attempts += 1
        message.attempt_started_at = now
        message.provider_id = f"{message.pk.hex}-{message.attempts}"
        message.next_attempt_at = now + timedelta(seconds=settings.OUTBOX_ATTEMPT_LEASE_SECONDS)
        message.save(update_fields=_SAVED)
    # Committed: the attempt is on record before the provider hears of it.
    try:
        _send_outside(message)
    except Exception as exc:
        with transaction.atomic():
            message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
            if message.channel == Channel.EMAIL or (isinstance(exc, SmsError) and not exc.outcome_unknown):
                message.attempt_started_at = None  # refused (or an SMTP error): not accepted, safe to retry
            _back_off(message, exc)
            message.save(update_fields=_SAVED)
        return False
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        if message.status != OutboxStatus.PENDING:
            return False
        _mark_delivered(message)
        message.save(update_fields=_SAVED)
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
