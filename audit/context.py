"""The request an audited write happens in.

:class:`audit.middleware.AuditContextMiddleware` sets it for each request; code that writes
an access record (a transition, a reveal, an access attempt) reads the client IP here
rather than threading the request through every service. Outside a request (Celery tasks,
management commands) there is none, and the IP is stored empty.
"""

from contextvars import ContextVar

_client_ip: ContextVar[str | None] = ContextVar("audit_client_ip", default=None)


def current_client_ip() -> str | None:
    """The client IP of the request being answered, or None outside a request."""
    return _client_ip.get()


class client_ip_set:
    """Set the client IP for the block (the middleware; tests and tasks acting for a request)."""

    def __init__(self, ip: str | None):
        self.ip = ip
        self._token = None

    def __enter__(self):
        self._token = _client_ip.set(self.ip)
        return self.ip

    def __exit__(self, *exc_info):
        _client_ip.reset(self._token)
        return False
