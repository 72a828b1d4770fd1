from celery import shared_task


@shared_task(name="common.ping")
def ping(value: str = "pong") -> str:
    """Round-trip check for a worker: returns its argument."""
    return value
