from celery import shared_task

from .idempotency import idempotency_keys_purge


@shared_task(name="common.ping")
def ping(value: str = "pong") -> str:
    """Round-trip check for a worker: returns its argument."""
    return value


@shared_task(name="common.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    """Delete ``Idempotency-Key`` rows past their time (``IDEMPOTENCY_KEY_TTL_HOURS``)."""
    return idempotency_keys_purge()
