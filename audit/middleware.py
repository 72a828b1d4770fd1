from django.db import connection
from pghistory.middleware import HistoryMiddleware

from identity.security import client_ip

from .context import client_ip_set


class AuditContextMiddleware(HistoryMiddleware):
    """django-pghistory's middleware, with the client IP and the request id beside the user and
    path. Every history row a trigger writes during the request carries them (``pgh_context``).

    pghistory passes the context by prefixing writes with ``set_config(...)``, which only
    PostgreSQL understands: on the embedded SQLite database (no triggers there) it is skipped.
    The client IP is also set for :func:`audit.context.current_client_ip`.
    """

    def get_context(self, request):
        return {
            **super().get_context(request),
            "ip": client_ip(request),
            "request_id": getattr(request, "request_id", ""),
            "method": request.method,
        }

    def __call__(self, request):
        with client_ip_set(client_ip(request)):
            if connection.vendor != "postgresql":
                return self.get_response(request)
            return super().__call__(request)
