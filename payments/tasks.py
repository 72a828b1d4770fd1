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
