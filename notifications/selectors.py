"""Reads of the portal inbox (消息)."""

from django.db.models import QuerySet

from .models import InboxMessage


def inbox_messages_for(*, user) -> QuerySet[InboxMessage]:
    """The user's inbox, newest first."""
    return InboxMessage.objects.filter(user=user).order_by("-created_at", "-pk")


def inbox_unread_count(*, user) -> int:
    return InboxMessage.objects.filter(user=user, read_at__isnull=True).count()


def inbox_message_for(*, user, message_id: int) -> InboxMessage | None:
    """One of the user's messages; someone else's is simply not found."""
    return InboxMessage.objects.filter(user=user, pk=message_id).first()
