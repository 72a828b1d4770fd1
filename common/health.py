"""Readiness checks for ``/readyz``.

Each check is a callable that returns a short detail string when the part
answers and raises otherwise. ``settings.READINESS_CHECKS`` names them, so a
later app can add its own (for example object storage) without touching this
module.
"""

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.utils.module_loading import import_string
from kombu import Connection

CHECK_TIMEOUT_SECONDS = 2


def check_database() -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connections["default"].vendor


def check_cache() -> str:
    # The cache ignores Redis errors (pages degrade to uncached): ask Redis itself.
    client = getattr(cache, "client", None)
    if client is not None and hasattr(client, "get_client"):
        client.get_client(write=True).ping()
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return the value just written")
    cache.delete(key)
    return cache.__class__.__name__


def check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # Embedded default: tasks run in-process, there is no broker to reach.
        return "in-process (eager)"
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=CHECK_TIMEOUT_SECONDS) as connection:
        connection.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_SECONDS)
        transport = connection.transport_cls
    return str(transport)


def run_readiness_checks() -> tuple[bool, dict[str, dict[str, str]]]:
    """Run every configured check; return (all ok, per-part results).

    Error details are reduced to the exception's class name: readiness output
    is public and must not carry host names or credentials.
    """
    results: dict[str, dict[str, str]] = {}
    healthy = True
    for name, dotted_path in settings.READINESS_CHECKS.items():
        check = import_string(dotted_path)
        try:
            detail = check()
        except Exception as exc:  # any failure at all means "not ready"
            healthy = False
            results[name] = {"status": "error", "error": exc.__class__.__name__}
        else:
            results[name] = {"status": "ok", "detail": detail}
    return healthy, results
