"""One beat across the deployment: a Celery beat scheduler that sends only while it
holds a Redis lock.

Every scheduled job (the outbox sweeper, reconciliation, purges) must be sent by
exactly one beat. Operators run one beat unit, but a second one started by mistake
(or left behind by a deploy) must not send schedules twice. ``SingleBeatScheduler``
(``CELERY_BEAT_SCHEDULER``) therefore takes a lock in Redis (``BEAT_LOCK_KEY``, with
a ``BEAT_LOCK_TIMEOUT`` expiry) and renews it at every tick; a beat that does not hold
the lock sends nothing and only tries again to take it every ``BEAT_LOCK_RETRY_SECONDS``.
If the beat holding the lock dies, its lock expires and a standby beat takes over
within ``BEAT_LOCK_TIMEOUT`` seconds. The lock is redis-py's ``Lock`` (a token
compared atomically on renewal and release), so a beat can neither renew nor
release a lock another beat took after its own expired.

Without Redis (the embedded default) tasks run in-process and no beat runs; the
scheduler then behaves as Celery's own ``PersistentScheduler``.
"""

import contextlib
import logging
import os
import socket

import redis
from celery.beat import PersistentScheduler
from django.conf import settings
from redis.exceptions import LockError, RedisError

logger = logging.getLogger("tongban.beat")


class SingleBeatScheduler(PersistentScheduler):
    def __init__(self, *args, **kwargs):
        self._lock = None
        self._holding = False
        url = settings.BEAT_LOCK_REDIS_URL
        if url:
            client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
            self._lock = client.lock(settings.BEAT_LOCK_KEY, timeout=settings.BEAT_LOCK_TIMEOUT, thread_local=False)
        super().__init__(*args, **kwargs)

    def _hold_lock(self) -> bool:
        """Renew the lock this beat holds, or try to take it; whether this beat may send."""
        if self._lock is None:
            return True
        try:
            if self._holding:
                self._lock.reacquire()  # resets the expiry; fails if the lock expired and was taken
            elif self._lock.acquire(blocking=False):
                self._holding = True
                logger.warning("beat lock %s taken by %s: this beat sends the schedule", self._lock.name, _me())
        except LockError:
            self._holding = False
            logger.warning("beat lock %s lost by %s: this beat stops sending", self._lock.name, _me())
        except RedisError as exc:
            # Redis down is the broker down too: nothing could be sent. Keep the state and retry.
            logger.warning("beat lock %s unreachable: %s", self._lock.name, exc.__class__.__name__)
            return False
        return self._holding

    def tick(self, *args, **kwargs):
        if not self._hold_lock():
            if not getattr(self, "_told_idle", False):
                logger.warning("beat %s idles: another beat holds %s", _me(), self._lock.name)
                self._told_idle = True
            return settings.BEAT_LOCK_RETRY_SECONDS
        self._told_idle = False
        # Sleep no longer than a third of the lock's life, so it is renewed in time.
        return min(super().tick(*args, **kwargs), settings.BEAT_LOCK_TIMEOUT / 3)

    def close(self):
        super().close()
        if self._lock is not None and self._holding:
            with contextlib.suppress(LockError, RedisError):  # if not released, it expires by itself
                self._lock.release()
            self._holding = False


def _me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"
