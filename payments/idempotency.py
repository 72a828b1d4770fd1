"""``Idempotency-Key`` for payment creation (draft-ietf-httpapi-idempotency-key-header).

The same key with the same body answers what the first request answered; the
same key with another body is 422; a key whose first request is still running
is 409. Requests run in one transaction (``ATOMIC_REQUESTS``): a concurrent
request with the same key waits on the key's unique index until the first
commits, then replays its answer; a key row left in flight (a first request
outside a request transaction, or a crashed one that committed it) answers 409.
"""

import hashlib
import json
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from .models import IdempotencyKey


@dataclass(frozen=True)
class Begun:
    row: IdempotencyKey | None = None  # ours to finish
    replay: tuple[int, dict] | None = None  # the stored answer
    conflict: str = ""  # "in_flight" or "body_mismatch"


def request_hash(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def idempotency_begin(*, user, key: str, body: dict) -> Begun:
    digest = request_hash(body)
    try:
        with transaction.atomic():
            return Begun(row=IdempotencyKey.objects.create(user=user, key=key, request_hash=digest))
    except IntegrityError:
        existing = IdempotencyKey.objects.get(user=user, key=key)
    if existing.request_hash != digest:
        return Begun(conflict="body_mismatch")
    if existing.in_flight:
        return Begun(conflict="in_flight")
    return Begun(replay=(existing.response_status, existing.response_body))


def idempotency_finish(row: IdempotencyKey, *, status: int, body: dict) -> None:
    row.in_flight, row.response_status, row.response_body = False, status, body
    row.save(update_fields=["in_flight", "response_status", "response_body"])


def idempotency_abandon(row: IdempotencyKey) -> None:
    """The request failed: the key may be used again."""
    IdempotencyKey.objects.filter(pk=row.pk, in_flight=True).delete()
