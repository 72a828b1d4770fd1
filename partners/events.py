"""Publishing events to partners' webhooks (the outbox side).

``applications``, ``certificates`` and ``payments`` call :func:`event_publish`
inside the transaction of the change they report. It writes the event and one
:class:`~partners.models.WebhookDelivery` per matching subscription in that same
transaction; after commit the relay task is queued, and if the broker is down
then, the beat sweeper posts the deliveries later. Nothing is lost and nothing
leaves before commit.

Who receives an event: every event is about a resident (``user``), and goes to
a partner only when one of its clients holds that resident's active consent
(``identity.PartnerAuthorization``, not withdrawn) with the scope the event
type needs (:data:`SCOPE_FOR_EVENT`). The caller may name further clients
(``share_client_ids``: OAuth2 ``client_id``\\ s that hold a share of a revoked
certificate); those partners get the event even without consent, but the
resident's ``subject`` only where they also hold consent. This module imports
none of the publishing apps.
"""

import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from identity.models import PartnerAuthorization
from identity.oauth.subjects import pairwise_subject

from .models import (
    PartnerClient,
    PartnerStatus,
    WebhookDelivery,
    WebhookEvent,
    WebhookEventType,
    WebhookResourceSequence,
    WebhookSubscription,
)

logger = logging.getLogger(__name__)

# The consent scope a partner needs to hear of an event about a resident.
SCOPE_FOR_EVENT = {
    WebhookEventType.APPLICATION_STATUS_CHANGED: "applications:read",
    WebhookEventType.PAYMENT_SUCCEEDED: "payments:read",
    WebhookEventType.PAYMENT_REFUNDED: "payments:read",
    # Issuing is the outcome of a case: whoever follows the resident's cases hears of it.
    WebhookEventType.CERTIFICATE_ISSUED: "applications:read",
    WebhookEventType.CERTIFICATE_REVOKED: "applications:read",
}
# Partners in these states hear nothing (an applied partner has sandbox clients already).
_SILENCED = (PartnerStatus.REJECTED, PartnerStatus.SUSPENDED)


def next_sequence(*, resource_type: str, resource_id: str) -> int:
    """The next sequence number for events about one resource (1, 2, …).

    One counter row per resource, incremented with ``UPDATE … SET n = n + 1``: the
    row lock (PostgreSQL) or the database lock (SQLite) is held until the
    caller's transaction ends, so two publishers never get the same number.
    """
    with transaction.atomic():
        counter, _created = WebhookResourceSequence.objects.get_or_create(
            resource_type=resource_type, resource_id=resource_id
        )
        WebhookResourceSequence.objects.filter(pk=counter.pk).update(last_sequence=F("last_sequence") + 1)
        return WebhookResourceSequence.objects.values_list("last_sequence", flat=True).get(pk=counter.pk)


def _consenting_applications(*, user, scope: str) -> dict[int, object]:
    """application id → application, for the clients ``user`` has an active consent with ``scope``."""
    if user is None:
        return {}
    consents = PartnerAuthorization.objects.filter(user=user, withdrawn_at__isnull=True).select_related("application")
    return {consent.application_id: consent.application for consent in consents if scope in consent.scopes}


def _audience(*, event_type: str, user, share_client_ids) -> dict[int, str]:
    """partner id → the resident's subject for that partner ("" when it has no consent)."""
    consenting = _consenting_applications(user=user, scope=SCOPE_FOR_EVENT[event_type])
    audience: dict[int, str] = {}
    clients = PartnerClient.objects.exclude(partner__status__in=_SILENCED)
    for client in clients.filter(application_id__in=list(consenting)).order_by("pk"):
        audience.setdefault(
            client.partner_id, pairwise_subject(user=user, application=consenting[client.application_id])
        )
    share_client_ids = [client_id for client_id in share_client_ids if client_id]
    if share_client_ids:
        for partner_id in clients.filter(application__client_id__in=share_client_ids).values_list(
            "partner_id", flat=True
        ):
            audience.setdefault(partner_id, "")
    return audience


def event_publish(
    *,
    event_type: str,
    resource_type: str,
    resource_id: str,
    data: dict,
    user=None,
    share_client_ids=(),
) -> WebhookEvent | None:
    """Record an event and queue its deliveries. Call it inside the transaction of the change.

    :param event_type: one of :class:`~partners.models.WebhookEventType`.
    :param resource_type: ``application``, ``certificate`` or ``payment``.
    :param resource_id: the resource's public identifier (case number, certificate
        number, order number), never a database id.
    :param data: JSON-serialisable facts about the change; never an ID number or a name.
    :param user: the resident the event is about; partners hear of it through their consent.
    :param share_client_ids: OAuth2 client ids that also hear of it (holders of a share).
    :returns: the event, or ``None`` when no subscription is to hear of it: then nothing is
        written, so a status change nobody follows costs one query (the consents), not an
        event row and a sequence counter per case. Sequence numbers rise per resource; a
        partner may see gaps where an event went to others only.
    """
    event_type = WebhookEventType(event_type)
    resource_id = str(resource_id)
    audience = _audience(event_type=event_type, user=user, share_client_ids=share_client_ids)
    if not audience:
        return None
    subscriptions = [
        subscription
        for subscription in WebhookSubscription.objects.filter(partner_id__in=list(audience), is_active=True).order_by(
            "pk"
        )
        if event_type in subscription.event_types
    ]
    if not subscriptions:
        return None
    event = WebhookEvent.objects.create(
        type=event_type,
        resource_type=resource_type,
        resource_id=resource_id,
        sequence=next_sequence(resource_type=resource_type, resource_id=resource_id),
        data=data,
        created_at=timezone.now(),
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            event=event,
            subscription=subscription,
            partner_id=subscription.partner_id,
            subject=audience[subscription.partner_id],
            created_at=event.created_at,
            next_attempt_at=event.created_at,
        )
        for subscription in subscriptions
    )
    ids = [str(delivery.pk) for delivery in deliveries]
    transaction.on_commit(lambda: queue_relay(ids))
    return event


def queue_relay(delivery_ids: list[str]) -> None:
    """Queue the relay task for ``delivery_ids``; a broker that is down leaves them to the sweeper."""
    from .webhooks.tasks import relay_webhook_deliveries

    try:
        relay_webhook_deliveries.delay(delivery_ids)
    except Exception as exc:  # broker unreachable: the sweeper will deliver
        logger.warning("webhook relay not queued (%s); the sweeper will deliver", exc.__class__.__name__)
