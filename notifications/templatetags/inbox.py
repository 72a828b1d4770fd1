from django import template

from ..selectors import inbox_unread_count

register = template.Library()


@register.simple_tag
def unread_messages(user) -> int:
    """Unread inbox messages of ``user``, for the header's “消息” link (one query, signed-in pages only)."""
    if user is None or not user.is_authenticated:
        return 0
    return inbox_unread_count(user=user)
