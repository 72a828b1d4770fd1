"""Reads of the portal inbox."""

import uuid

import pytest
from django.utils import timezone

from identity.tests.factories import UserFactory
from notifications.models import InboxMessage
from notifications.selectors import inbox_unread_count

pytestmark = pytest.mark.django_db


def _messages(user, count: int, *, read: bool = False) -> None:
    InboxMessage.objects.bulk_create(
        InboxMessage(user=user, outbox_id=uuid.uuid4(), title="t", body="b", read_at=timezone.now() if read else None)
        for _ in range(count)
    )


def test_the_unread_count_is_the_users_own_unread_messages_in_one_query(django_assert_num_queries):
    user, other = UserFactory(), UserFactory()
    assert inbox_unread_count(user=user) == 0
    _messages(user, 3)
    _messages(user, 2, read=True)
    _messages(other, 4)
    with django_assert_num_queries(1):
        assert inbox_unread_count(user=user) == 3
    assert inbox_unread_count(user=other) == 4
