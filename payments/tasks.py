from celery import shared_task

from . import services


@shared_task(name="payments.relay_order_events")
def relay_order_events() -> int:
    """Hand paid/refunded/expired/closed events to the receipt, the message and the listeners."""
    return services.order_events_relay()


@shared_task(name="payments.query_pending_orders")
def query_pending_orders() -> int:
    """Run by beat: ask the gateway about orders whose notification never came."""
    return services.pending_orders_query()


@shared_task(name="payments.process_refund")
def process_refund(refund_id: int) -> str:
    return services.refund_process(refund_id=refund_id).status


@shared_task(name="payments.sweep_refunds")
def sweep_refunds() -> int:
    """Run by beat: send approved refunds whose task was lost."""
    return sum(services.refund_process(refund_id=pk).status == "succeeded" for pk in services.approved_refund_ids())


@shared_task(name="payments.reconcile_yesterday")
def reconcile_yesterday() -> int:
    """Run by beat each morning: every gateway's statement for yesterday, line by line."""
    import datetime
    import logging

    from django.utils import timezone

    from .base import GatewayError
    from .registry import gateways

    day = timezone.localdate() - datetime.timedelta(days=1)
    found = 0
    for identifier in gateways.identifiers():
        try:
            found += len(services.reconcile(gateway=identifier, day=day))
        except GatewayError as exc:
            logging.getLogger(__name__).warning("no statement from %s for %s: %s", identifier, day, exc)
    return found
