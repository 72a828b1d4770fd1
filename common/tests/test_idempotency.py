"""The shared Idempotency-Key mechanism (common/idempotency.py) on views of its own: what is
stored and what is not, the request fingerprint, and the purge of old keys. The partner API's
endpoints are tested with it in applications/, certificates/ and payments/."""

import itertools
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.urls import path
from django.utils import timezone
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from common.idempotency import IdempotentPostMixin, idempotency_begin, request_fingerprint
from common.models import IdempotencyKey
from common.tasks import purge_idempotency_keys
from identity.tests.factories import UserFactory

_counter = itertools.count(1)


class Counter(IdempotentPostMixin, APIView):
    permission_classes = (IsAuthenticated,)

    def post(self, request, version=None):
        return Response({"n": next(_counter), "echo": request.data}, status=201)


class Unavailable(IdempotentPostMixin, APIView):
    permission_classes = (IsAuthenticated,)

    def post(self, request, version=None):
        return Response({"n": next(_counter)}, status=503)


urlpatterns = [path("api/v1/counter/", Counter.as_view()), path("api/v1/unavailable/", Unavailable.as_view())]

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls(__name__)]


def _post(client, url, body, key="key-1"):
    return client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_replay_answers_the_stored_bytes_and_runs_nothing(client):
    client.force_login(UserFactory())

    first = _post(client, "/api/v1/counter/", {"a": 1, "b": [1, 2]})
    # The same JSON with its keys in another order is the same request.
    replay = client.post(
        "/api/v1/counter/", '{"b": [1, 2], "a": 1}', content_type="application/json", HTTP_IDEMPOTENCY_KEY="key-1"
    )
    fresh = _post(client, "/api/v1/counter/", {"a": 1, "b": [1, 2]}, key="key-2")

    assert first.status_code == replay.status_code == 201
    assert replay.content == first.content
    assert replay["Content-Type"] == first["Content-Type"]
    assert fresh.json()["n"] == first.json()["n"] + 1


def test_a_5xx_answer_is_not_stored_and_the_key_may_be_retried(client):
    client.force_login(UserFactory())

    first = _post(client, "/api/v1/unavailable/", {"a": 1})
    retry = _post(client, "/api/v1/unavailable/", {"a": 1})

    assert first.status_code == retry.status_code == 503
    assert retry.json()["n"] == first.json()["n"] + 1
    assert "Idempotent-Replayed" not in retry
    assert not IdempotencyKey.objects.exists()


def test_the_answer_is_stored_encrypted(client):
    client.force_login(UserFactory())
    _post(client, "/api/v1/counter/", {"name": "张三"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT response_body FROM common_idempotencykey")
        (stored,) = cursor.fetchone()
    assert "张三" not in stored
    assert "张三" in IdempotencyKey.objects.get().response_body


def test_the_fingerprint_covers_method_path_and_canonical_body():
    same = request_fingerprint(method="POST", path="/a/", data={"x": 1, "y": {"b": 2, "a": 1}})
    assert same == request_fingerprint(method="post", path="/a/", data={"y": {"a": 1, "b": 2}, "x": 1})
    assert same != request_fingerprint(method="POST", path="/b/", data={"x": 1, "y": {"b": 2, "a": 1}})
    assert same != request_fingerprint(method="POST", path="/a/", data={"x": 2, "y": {"b": 2, "a": 1}})


def test_keys_older_than_their_time_are_purged_by_the_beat_task():
    user = UserFactory()
    now = timezone.now()
    ttl = timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    old = IdempotencyKey.objects.create(client="c", user=user, key="old", fingerprint="f", created_at=now - ttl * 2)
    recent = IdempotencyKey.objects.create(
        client="c", user=user, key="recent", fingerprint="f", created_at=now - ttl + timedelta(minutes=5)
    )

    assert purge_idempotency_keys() == 1

    assert list(IdempotencyKey.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not IdempotencyKey.objects.filter(pk=old.pk).exists()
    assert settings.IDEMPOTENCY_KEY_TTL_HOURS >= 24
    assert {"task": "common.purge_idempotency_keys", "schedule": 3600.0} in settings.CELERY_BEAT_SCHEDULE.values()


def test_the_wait_bound_covers_the_claim_only_not_the_rest_of_the_request():
    user = UserFactory()
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        (before,) = cursor.fetchone()
    with transaction.atomic():
        assert idempotency_begin(client="c", user=user, key="k", fingerprint="f").row is not None
        with connection.cursor() as cursor:
            cursor.execute("SHOW lock_timeout")
            assert cursor.fetchone()[0] == before


def test_a_quoted_key_is_the_bare_key_and_a_key_with_control_characters_is_400(client):
    client.force_login(UserFactory())

    first = _post(client, "/api/v1/counter/", {"a": 1}, key='"abc-1"')
    bare = _post(client, "/api/v1/counter/", {"a": 1}, key="abc-1")
    control = _post(client, "/api/v1/counter/", {"a": 1}, key="abc\x01")

    assert bare.content == first.content and bare["Idempotent-Replayed"] == "true"
    assert control.status_code == 400
    assert control.json()["code"] == "idempotency_key_invalid"
    assert IdempotencyKey.objects.get().key == "abc-1"
