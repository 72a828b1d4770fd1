"""Writes for webhooks: subscriptions (each change recorded as a PartnerEvent), posting a
delivery with retries, and replay.

Delivery mirrors the notifications outbox (``notifications/services.py``): the
row is taken with ``SELECT … FOR UPDATE SKIP LOCKED`` and leased (its
``next_attempt_at`` moved ahead by ``WEBHOOK_ATTEMPT_LEASE_SECONDS``) and the
lease is committed before the POST, so two workers never post one delivery at
once. The POST happens outside any transaction; its outcome is then recorded
as a :class:`~partners.models.WebhookDeliveryAttempt`. A worker that dies
mid-POST leaves the lease to run out and the delivery is posted again:
at-least-once, receivers deduplicate by the event id.
"""

import datetime
import ipaddress
import json
import logging
import secrets
import socket
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import ApplicationError

from ..models import (
    DeliveryStatus,
    Partner,
    PartnerEvent,
    PartnerEventAction,
    PartnerStatus,
    WebhookDelivery,
    WebhookDeliveryAttempt,
    WebhookEvent,
    WebhookEventType,
    WebhookSubscription,
)
from .signing import SIGNATURE_HEADER, signature_header

logger = logging.getLogger(__name__)

EVENT_TYPES = [choice.value for choice in WebhookEventType]
MAX_SUBSCRIPTIONS_PER_PARTNER = 10


class WebhookError(ApplicationError):
    pass


# --- The target address ----------------------------------------------------------------------


def _loopback_allowed() -> bool:
    return bool(settings.DEBUG or getattr(settings, "WEBHOOKS_ALLOW_HTTP_LOOPBACK", False))


def _is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def webhook_url_check(url: str) -> str:
    """Refuse a URL a subscription may not have; returns it normalised.

    ``https`` only, or ``http`` to a loopback host where the deployment allows it
    (``DEBUG`` or ``WEBHOOKS_ALLOW_HTTP_LOOPBACK``). No credentials in the URL, no
    fragment. Where the host points is checked again at each delivery.
    """
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise WebhookError(_("接收地址无效。"), code="webhook_url_invalid") from None
    host = parts.hostname or ""
    if not host or parts.username or parts.password or parts.fragment or len(url) > 500:
        raise WebhookError(_("接收地址无效。"), code="webhook_url_invalid")
    plain_loopback = parts.scheme == "http" and _loopback_allowed() and _is_loopback_host(host)
    if parts.scheme != "https" and not plain_loopback:
        raise WebhookError(_("接收地址须使用 https。"), code="webhook_url_not_https")
    if _is_loopback_host(host) and not _loopback_allowed():
        raise WebhookError(_("接收地址不能指向内部网络。"), code="webhook_url_not_public")
    return url


def _address_allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if address.is_loopback:
        return _loopback_allowed()
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _address_allowed(address.ipv4_mapped)
    return address.is_global and not address.is_multicast


def resolve_target(url: str) -> str:
    """The address to connect to for ``url``: resolved once, and refused unless public (SSRF guard).

    Every address the name resolves to must be allowed (a name that also points
    inside is refused); the POST then goes to the first one, so a second lookup
    cannot send it elsewhere (DNS rebinding).
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise WebhookError(f"cannot resolve {host}: {exc}", code="webhook_dns") from None
    addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]
    if not addresses or not all(_address_allowed(address) for address in addresses):
        raise WebhookError(f"{host} resolves to a non-public address", code="webhook_url_not_public")
    return str(addresses[0])


# --- Subscriptions -----------------------------------------------------------------------------


def _record(*, partner: Partner, actor, action: str, summary: str) -> None:
    PartnerEvent.objects.create(partner=partner, actor=actor, action=action, summary=summary[:500])


def _event_types_check(event_types) -> list[str]:
    chosen = [event_type for event_type in EVENT_TYPES if event_type in set(event_types or ())]
    if not chosen or len(chosen) != len(set(event_types)):
        raise WebhookError(_("请选择要订阅的事件类型。"), code="webhook_event_types_invalid")
    return chosen


def new_signing_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def webhook_subscribe(*, partner: Partner, url: str, event_types: list[str], actor) -> WebhookSubscription:
    """Subscribe ``partner``'s ``url`` to ``event_types``; a fresh signing secret is generated."""
    url = webhook_url_check(url)
    event_types = _event_types_check(event_types)
    with transaction.atomic():
        partner = Partner.objects.select_for_update().get(pk=partner.pk)
        if partner.status in (PartnerStatus.REJECTED, PartnerStatus.SUSPENDED):
            raise WebhookError(_("合作方当前状态不能订阅事件通知。"), code="partner_inactive", status=403)
        if partner.webhook_subscriptions.count() >= MAX_SUBSCRIPTIONS_PER_PARTNER:
            raise WebhookError(_("订阅数量已达上限。"), code="webhook_limit")
        now = timezone.now()
        subscription = WebhookSubscription.objects.create(
            partner=partner,
            url=url,
            event_types=event_types,
            secret=new_signing_secret(),
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        _record(
            partner=partner,
            actor=actor,
            action=PartnerEventAction.WEBHOOK_SUBSCRIBED,
            summary=f"#{subscription.pk} {url} [{' '.join(event_types)}]",
        )
    return subscription


def webhook_subscription_update(
    *,
    subscription_id: int,
    actor,
    url: str | None = None,
    event_types: list[str] | None = None,
    is_active: bool | None = None,
) -> WebhookSubscription:
    """Change a subscription's url, event types or active flag; a change that changes nothing is not recorded."""
    with transaction.atomic():
        subscription = WebhookSubscription.objects.select_for_update().select_related("partner").get(pk=subscription_id)
        changes = []
        if url is not None:
            url = webhook_url_check(url)
            if url != subscription.url:
                changes.append(f"url {subscription.url} → {url}")
                subscription.url = url
        if event_types is not None:
            event_types = _event_types_check(event_types)
            if event_types != subscription.event_types:
                changes.append(f"events [{' '.join(event_types)}]")
                subscription.event_types = event_types
        if is_active is not None and is_active != subscription.is_active:
            changes.append(_("启用") if is_active else _("停用"))
            subscription.is_active = is_active
        if not changes:
            return subscription
        subscription.updated_at = timezone.now()
        subscription.save(update_fields=["url", "event_types", "is_active", "updated_at"])
        _record(
            partner=subscription.partner,
            actor=actor,
            action=PartnerEventAction.WEBHOOK_CHANGED,
            summary=f"#{subscription.pk} " + "; ".join(str(change) for change in changes),
        )
    return subscription


def webhook_subscription_deactivate(*, subscription_id: int, actor) -> WebhookSubscription:
    """Stop new deliveries to a subscription (pending ones are still posted)."""
    return webhook_subscription_update(subscription_id=subscription_id, actor=actor, is_active=False)


def webhook_secret_rotate(*, subscription_id: int, actor) -> WebhookSubscription:
    """A new signing secret. The old one keeps signing beside it for ``WEBHOOK_SECRET_OVERLAP_HOURS``."""
    with transaction.atomic():
        subscription = WebhookSubscription.objects.select_for_update().select_related("partner").get(pk=subscription_id)
        now = timezone.now()
        subscription.previous_secret = subscription.secret
        subscription.previous_secret_expires_at = now + timedelta(hours=settings.WEBHOOK_SECRET_OVERLAP_HOURS)
        subscription.secret = new_signing_secret()
        subscription.updated_at = now
        subscription.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
        _record(
            partner=subscription.partner,
            actor=actor,
            action=PartnerEventAction.WEBHOOK_SECRET_ROTATED,
            summary=f"#{subscription.pk} (the previous secret signs too until "
            f"{subscription.previous_secret_expires_at:%Y-%m-%d %H:%M} UTC)",
        )
    return subscription


# --- Delivery ----------------------------------------------------------------------------------


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The JSON body posted for ``delivery`` (the same bytes for every attempt)."""
    event = delivery.event
    body = {
        "id": str(event.id),
        "type": event.type,
        "created_at": event.created_at.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z"),
        "sequence": event.sequence,
        "resource": {"type": event.resource_type, "id": event.resource_id},
        "data": event.data,
        "subject": delivery.subject or None,
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=False).encode()


@dataclass
class PostResult:
    status_code: int | None = None
    error: str = ""
    excerpt: str = ""
    duration_ms: int = 0

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _post(delivery: WebhookDelivery) -> PostResult:
    """POST ``delivery`` to its subscription's URL (pinned to the resolved address, no redirects)."""
    started = time.monotonic()
    result = PostResult()
    try:
        url = delivery.subscription.url
        parts = urlsplit(url)
        address = resolve_target(url)
        host_in_url = f"[{address}]" if ":" in address else address
        netloc = f"{host_in_url}:{parts.port}" if parts.port else host_in_url
        pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        body = delivery_body(delivery)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Tongban-Webhooks/1",
            "Host": parts.netloc.rsplit("@", 1)[-1],
            "Tongban-Event-Id": str(delivery.event_id),
            "Tongban-Event-Type": delivery.event.type,
            "Tongban-Delivery-Id": str(delivery.pk),
            SIGNATURE_HEADER: signature_header(secrets=delivery.subscription.signing_secrets(), body=body),
        }
        timeout = httpx.Timeout(settings.WEBHOOK_READ_TIMEOUT, connect=settings.WEBHOOK_CONNECT_TIMEOUT)
        with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
            response = client.post(
                pinned,
                content=body,
                headers=headers,
                extensions={"sni_hostname": parts.hostname} if parts.scheme == "https" else {},
            )
        result.status_code = response.status_code
        result.excerpt = response.text[:200]
        if not result.succeeded:
            result.error = f"HTTP {response.status_code}"
    except WebhookError as exc:
        result.error = str(exc.message)[:300]
    except httpx.HTTPError as exc:
        result.error = f"{exc.__class__.__name__}: {exc}"[:300]
    except Exception as exc:  # recorded and retried like any failure, never lost in a loop
        logger.exception("webhook delivery %s: unexpected error", delivery.pk)
        result.error = f"{exc.__class__.__name__}"[:300]
    result.duration_ms = int((time.monotonic() - started) * 1000)
    return result


def retry_gap(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed try: 30 s, 60 s, 120 s, … at most an hour."""
    seconds = settings.WEBHOOK_FIRST_GAP_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.WEBHOOK_MAX_GAP_SECONDS))


_SAVED = ["status", "attempts", "next_attempt_at", "last_status_code", "last_error", "delivered_at", "failed_at"]


def delivery_attempt(*, delivery_id) -> bool:
    """Post one due delivery once; True if it was delivered by this call.

    Idempotent and safe to race: a delivered or failed delivery, one not yet
    due, or one another worker holds is left alone. A non-2xx answer or an
    error is retried with :func:`retry_gap` until the delivery is
    ``WEBHOOK_RETRY_HOURS`` old, then it is marked failed.
    """
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event", "subscription")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now())
            .first()
        )
        if delivery is None:
            return False
        started_at = timezone.now()
        delivery.attempts += 1
        delivery.next_attempt_at = started_at + timedelta(seconds=settings.WEBHOOK_ATTEMPT_LEASE_SECONDS)
        delivery.save(update_fields=["attempts", "next_attempt_at"])
    # Committed: the lease keeps other workers away while we post.
    result = _post(delivery)
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        WebhookDeliveryAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            started_at=started_at,
            duration_ms=result.duration_ms,
            status_code=result.status_code,
            error=result.error,
            response_excerpt=result.excerpt,
        )
        if delivery.status != DeliveryStatus.PENDING:
            return False
        now = timezone.now()
        delivery.last_status_code = result.status_code
        delivery.last_error = result.error
        if result.succeeded:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = now
        elif now - delivery.created_at >= timedelta(hours=settings.WEBHOOK_RETRY_HOURS):
            delivery.status = DeliveryStatus.FAILED
            delivery.failed_at = now
            logger.warning("webhook delivery %s failed for good after %s attempts", delivery.pk, delivery.attempts)
        else:
            delivery.next_attempt_at = now + retry_gap(delivery.attempts)
        delivery.save(update_fields=_SAVED)
    return result.succeeded


def deliveries_due_ids(*, grace_seconds: int = 10, limit: int = 500) -> list[str]:
    """Pending deliveries the relay should have posted by now (for the sweeper)."""
    now = timezone.now()
    return [
        str(pk)
        for pk in WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=now,
            created_at__lte=now - timedelta(seconds=grace_seconds),
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    ]


def delivery_replay(*, delivery_id, actor=None, partner: Partner | None = None) -> WebhookDelivery:
    """A new delivery of the same event to the same subscription (recorded as a PartnerEvent).

    With ``partner``, only that partner's deliveries can be replayed (others'
    are "not found"). The new delivery carries the same event id and sequence,
    so a receiver that already has it can tell. It gets its own retry window.
    """
    with transaction.atomic():
        queryset = WebhookDelivery.objects.select_related("subscription", "partner")
        if partner is not None:
            queryset = queryset.filter(partner=partner)
        from .selectors import as_uuid

        delivery_id = as_uuid(delivery_id)
        original = queryset.filter(pk=delivery_id).first() if delivery_id else None
        if original is None:
            raise WebhookError(_("没有找到该投递记录。"), code="not_found", status=404)
        if not original.subscription.is_active:
            raise WebhookError(_("该订阅已停用，不能重新投递。"), code="subscription_inactive", status=409)
        now = timezone.now()
        replay = WebhookDelivery.objects.create(
            event_id=original.event_id,
            subscription=original.subscription,
            partner=original.partner,
            subject=original.subject,
            created_at=now,
            next_attempt_at=now,
            replay_of=original,
            replayed_by=actor,
        )
        _record(
            partner=original.partner,
            actor=actor,
            action=PartnerEventAction.DELIVERY_REPLAYED,
            summary=f"{original.event_id} #{original.pk} → #{replay.pk}",
        )
        from ..events import queue_relay

        ids = [str(replay.pk)]
        transaction.on_commit(lambda: queue_relay(ids))
    return replay


def webhook_log_purge(*, now=None) -> int:
    """Delete finished deliveries (with their attempts) older than ``WEBHOOK_LOG_RETENTION_DAYS``, then
    the events left with no delivery; returns how many deliveries went. Run daily by beat.

    Pending deliveries are never purged: they finish (delivered or failed) within the retry window first.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.WEBHOOK_LOG_RETENTION_DAYS)
    finished = WebhookDelivery.objects.filter(
        status__in=[DeliveryStatus.DELIVERED, DeliveryStatus.FAILED], created_at__lt=cutoff
    )
    _deleted, by_model = finished.delete()  # a newer replay keeps its row; its replay_of is set null
    WebhookEvent.objects.filter(created_at__lt=cutoff, deliveries__isnull=True).delete()
    return by_model.get(WebhookDelivery._meta.label, 0)
