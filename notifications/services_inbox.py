"""Writes on the portal inbox (消息)."""

from django.utils import timezone

from .models import InboxMessage


def inbox_message_mark_read(*, message: InboxMessage) -> InboxMessage:
    """Mark a message read when its owner opens it; reading it again changes nothing."""
    if message.read_at is None:
        message.read_at = timezone.now()
        InboxMessage.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=message.read_at)
    return message
