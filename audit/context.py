"""The request an audited write happens in.

:class:`audit.middleware.AuditContextMiddleware` sets it for each request; code that writes
an access record (a transition, a reveal, an access attempt) reads the client IP here
rather than threading the request through every service. Outside a request (Celery tasks,
management commands) there is none, and the IP is stored empty.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_client_ip: ContextVar[str | None] = ContextVar("audit_client_ip", default=None)


def current_client_ip() -> str | None:
    """The client IP of the request being answered, or None outside a request."""
    return _client_ip.get()


@contextmanager
def client_ip_set(ip: str | None) -> Iterator[str | None]:
    """Set the client IP for the block (the middleware; tests and code acting for a request)."""
    token = _client_ip.set(ip)
    try:
        yield ip
    finally:
        _client_ip.reset(token)
