"""Read replicas: read-only catalogue reads go to a replica, everything else to the primary.

A read is sent to a replica (an alias in ``DATABASE_REPLICAS``, from
``DATABASE_REPLICA_URLS``) only when all of these hold:

* its model's app is in ``DATABASE_REPLICA_READ_APPS`` (the catalogue, ``services``);
* it runs inside a GET or HEAD request (Celery tasks, management commands and
  the shell read the primary: they usually read in order to write);
* nothing was written yet in that request (a write makes the rest of the request
  read its own writes, on the primary);
* it is not inside an ``atomic`` block opened by the code (the request's own
  ``ATOMIC_REQUESTS`` transaction does not count): a transaction means the code
  reads in order to write, and must see the primary's current rows.

Anything else, and every write, goes to ``default``. Replication lag is
therefore visible only on anonymous-style catalogue pages, which are cached for
minutes anyway. The request's method is taken from Django's ``request_started``
signal (``connect_request_signals``, called by ``common.apps``), so no middleware
is needed and the router also sees requests from Django's test client.
"""

import contextvars
import random
from dataclasses import dataclass

from django.conf import settings
from django.db import connections

PRIMARY = "default"
READ_ONLY_METHODS = frozenset({"GET", "HEAD"})


@dataclass
class _RequestScope:
    read_only: bool
    # Atomic blocks already open on the primary when the request started (test
    # transactions), plus the request's own ATOMIC_REQUESTS block.
    allowed_atomic_depth: int
    wrote: bool = False


_scope: contextvars.ContextVar[_RequestScope | None] = contextvars.ContextVar("tongban_db_scope", default=None)


def _request_started(sender, environ=None, scope=None, **kwargs) -> None:
    method = (environ or {}).get("REQUEST_METHOD") or (scope or {}).get("method") or ""
    primary = connections[PRIMARY]
    depth = len(primary.atomic_blocks) + (1 if primary.settings_dict.get("ATOMIC_REQUESTS") else 0)
    _scope.set(_RequestScope(read_only=method.upper() in READ_ONLY_METHODS, allowed_atomic_depth=depth))


def _request_finished(sender, **kwargs) -> None:
    _scope.set(None)


def connect_request_signals() -> None:
    from django.core.signals import request_finished, request_started

    request_started.connect(_request_started, dispatch_uid="tongban-db-router-started")
    request_finished.connect(_request_finished, dispatch_uid="tongban-db-router-finished")


class ReplicaRouter:
    """Database router (``DATABASE_ROUTERS``); does nothing while no replica is configured."""

    def db_for_read(self, model, **hints):
        replicas = settings.DATABASE_REPLICAS
        if not replicas or model._meta.app_label not in settings.DATABASE_REPLICA_READ_APPS:
            return PRIMARY if replicas else None
        scope = _scope.get()
        if scope is None or not scope.read_only or scope.wrote:
            return PRIMARY
        if len(connections[PRIMARY].atomic_blocks) > scope.allowed_atomic_depth:
            return PRIMARY
        return random.choice(replicas)  # noqa: S311 - spreading load, not a secret

    def db_for_write(self, model, **hints):
        scope = _scope.get()
        if scope is not None:
            scope.wrote = True
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # A replica holds the primary's rows: objects read from either may be related.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY
