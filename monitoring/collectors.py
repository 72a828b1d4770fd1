"""Scrape-time series: read when /metrics is asked, in the answering process.

The database collector costs five cheap queries: the outbox and webhook deliveries have
``(status, next_attempt_at)`` indexes, so the pending rows (few) are counted with their
oldest, and the dead and failed ones (which may pile up) only counted through the index; the
unresolved discrepancies are few. The broker collector is one pipeline of ``LLEN``. Nothing here
walks rows one by one. A source that does not answer is reported as down
(``tongban_metrics_source_up``) rather than failing the whole scrape.
"""

import logging
import threading

import redis
from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Min
from django.utils import timezone
from kombu.transport.redis import PRIORITY_STEPS
from kombu.transport.redis import Channel as RedisChannel
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)


def _age_seconds(oldest, now) -> float:
    return max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0


class DatabaseCollector:
    """Outbox backlog, webhook deliveries and unresolved reconciliation discrepancies."""

    def describe(self):
        # Names only: lets a registry check for duplicates without running the queries.
        return list(self._families())

    def _families(self):
        return (
            GaugeMetricFamily("tongban_outbox_backlog", "Outbox messages not yet delivered (status pending)."),
            GaugeMetricFamily(
                "tongban_outbox_oldest_pending_age_seconds",
                "Age of the oldest undelivered outbox message, from its creation; 0 when none is pending.",
            ),
            GaugeMetricFamily("tongban_outbox_dead", "Outbox messages given up on (status dead)."),
            GaugeMetricFamily("tongban_webhook_deliveries_pending", "Webhook deliveries still to be posted."),
            GaugeMetricFamily(
                "tongban_webhook_oldest_pending_delivery_age_seconds",
                "Age of the oldest pending webhook delivery; 0 when none is pending.",
            ),
            GaugeMetricFamily(
                "tongban_webhook_deliveries_failed",
                "Webhook deliveries given up on after the retry window (kept WEBHOOK_LOG_RETENTION_DAYS).",
            ),
            GaugeMetricFamily(
                "tongban_payment_reconciliation_discrepancies",
                "Unresolved reconciliation discrepancies (payments.Discrepancy), by gateway and kind.",
                labels=["gateway", "kind"],
            ),
        )

    def collect(self, up: dict[str, bool]):
        from notifications.constants import OutboxStatus
        from notifications.models import OutboxMessage
        from partners.models import DeliveryStatus, WebhookDelivery
        from payments.models import Discrepancy

        (
            outbox_backlog,
            outbox_age,
            outbox_dead,
            webhook_pending,
            webhook_age,
            webhook_failed,
            discrepancies,
        ) = self._families()
        now = timezone.now()
        try:
            # The pending rows are few: count them and find the oldest. Dead and failed rows may
            # pile up: only counted, through the status index (an index-only scan once vacuumed).
            pending_outbox = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).aggregate(
                count=Count("pk"), oldest=Min("created_at")
            )
            dead_outbox = OutboxMessage.objects.filter(status=OutboxStatus.DEAD).count()
            pending_deliveries = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).aggregate(
                count=Count("pk"), oldest=Min("created_at")
            )
            failed_deliveries = WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED).count()
            unresolved = list(
                Discrepancy.objects.filter(resolved=False)
                .order_by()
                .values("gateway", "kind")
                .annotate(count=Count("pk"))
            )
        except DatabaseError:
            logger.warning("metrics: the database did not answer", exc_info=True)
            up["database"] = False
            return
        outbox_backlog.add_metric([], pending_outbox["count"])
        outbox_age.add_metric([], _age_seconds(pending_outbox["oldest"], now))
        outbox_dead.add_metric([], dead_outbox)
        webhook_pending.add_metric([], pending_deliveries["count"])
        webhook_age.add_metric([], _age_seconds(pending_deliveries["oldest"], now))
        webhook_failed.add_metric([], failed_deliveries)
        for row in unresolved:
            discrepancies.add_metric([row["gateway"], row["kind"]], row["count"])
        yield from (outbox_backlog, outbox_age, outbox_dead, webhook_pending, webhook_age, webhook_failed)
        yield discrepancies
        up["database"] = True


_redis_clients: dict[str, redis.Redis] = {}
_redis_lock = threading.Lock()


def _redis_client(url: str) -> redis.Redis:
    with _redis_lock:
        client = _redis_clients.get(url)
        if client is None:
            client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
            _redis_clients[url] = client
        return client


def celery_queue_names() -> list[str]:
    """``METRICS_CELERY_QUEUES``, or else the default queue and every queue named in the task routes."""
    if settings.METRICS_CELERY_QUEUES:
        return list(settings.METRICS_CELERY_QUEUES)
    names = [settings.CELERY_TASK_DEFAULT_QUEUE]
    for route in (getattr(settings, "CELERY_TASK_ROUTES", None) or {}).values():
        queue = route.get("queue") if isinstance(route, dict) else None
        if queue and queue not in names:
            names.append(queue)
    return names


def _priority_keys(queue: str) -> list[str]:
    """kombu's Redis transport keeps the messages of each priority step but the lowest in a list
    of their own ("<queue><sep><step>", kombu.transport.redis.Channel._q_for_pri); all count."""
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}
    steps = options.get("priority_steps", PRIORITY_STEPS)
    separator = options.get("sep", RedisChannel.sep)
    return [queue, *(f"{queue}{separator}{step}" for step in steps if step)]


class CeleryQueueCollector:
    """Messages waiting in each Celery queue: one ``LLEN`` per queue on the Redis broker
    (kombu keeps a queue as a Redis list named after it)."""

    def describe(self):
        return [self._family()]

    @staticmethod
    def _family():
        return GaugeMetricFamily(
            "tongban_celery_queue_length", "Messages waiting in a Celery queue on the broker.", labels=["queue"]
        )

    def collect(self, up: dict[str, bool]):
        url = settings.CELERY_BROKER_URL
        family = self._family()
        if not url.startswith(("redis://", "rediss://", "unix://")):
            # The embedded default's in-memory broker: no queue to measure.
            yield family
            return
        queues = celery_queue_names()
        try:
            pipeline = _redis_client(url).pipeline(transaction=False)
            for queue in queues:
                for key in _priority_keys(queue):
                    pipeline.llen(key)
            answers = iter(pipeline.execute())
            lengths = [sum(next(answers) for _key in _priority_keys(queue)) for queue in queues]
        except redis.RedisError:
            logger.warning("metrics: the broker did not answer", exc_info=True)
            yield family
            up["broker"] = False
            return
        for queue, length in zip(queues, lengths, strict=True):
            family.add_metric([queue], length)
        yield family
        up["broker"] = True


class ScrapeTimeCollector:
    """Every scrape-time series, and ``tongban_metrics_source_up`` saying which sources answered."""

    def __init__(self):
        self.parts = (DatabaseCollector(), CeleryQueueCollector())

    def describe(self):
        families = [family for part in self.parts for family in part.describe()]
        return [*families, self._up_family()]

    @staticmethod
    def _up_family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "tongban_metrics_source_up",
            "1 when a scrape-time source (database, broker) answered this scrape, 0 when it did not.",
            labels=["source"],
        )

    def collect(self):
        up: dict[str, bool] = {}
        for part in self.parts:
            yield from part.collect(up)
        family = self._up_family()
        for source, answered in up.items():
            family.add_metric([source], 1 if answered else 0)
        yield family
