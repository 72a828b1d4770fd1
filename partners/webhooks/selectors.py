"""Reads for webhooks: a partner's subscriptions and delivery log, and whose partner space a user may enter."""

import uuid

from django.db.models import QuerySet

from ..models import Partner, WebhookDelivery, WebhookSubscription


def partner_for_application(*, application) -> Partner | None:
    """The partner an OAuth2 application (a client-credentials token's) belongs to."""
    return Partner.objects.filter(clients__application=application).first()


def subscriptions_for_partner(*, partner: Partner) -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.filter(partner=partner).order_by("-created_at", "-pk")


def subscription_for_partner(*, partner: Partner, subscription_id: int) -> WebhookSubscription | None:
    return subscriptions_for_partner(partner=partner).filter(pk=subscription_id).first()


def deliveries_for_partner(
    *, partner: Partner, status: str | None = None, event_type: str | None = None
) -> QuerySet[WebhookDelivery]:
    """``partner``'s deliveries, newest first, with their event and subscription."""
    deliveries = WebhookDelivery.objects.filter(partner=partner).select_related("event", "subscription")
    if status:
        deliveries = deliveries.filter(status=status)
    if event_type:
        deliveries = deliveries.filter(event__type=event_type)
    return deliveries.order_by("-created_at", "-pk")


def as_uuid(value) -> uuid.UUID | None:
    """``value`` as a UUID, or None when it is not one (a path segment from outside)."""
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


def delivery_for_partner(*, partner: Partner, delivery_id) -> WebhookDelivery | None:
    """One of ``partner``'s deliveries with its attempts loaded; None for another partner's."""
    delivery_id = as_uuid(delivery_id)
    if delivery_id is None:
        return None
    return deliveries_for_partner(partner=partner).prefetch_related("attempts_log").filter(pk=delivery_id).first()
