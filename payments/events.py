"""Who hears about paid, refunded, expired and closed orders.

Payments never imports the apps that order fees. An app that wants to know
registers a listener here from its ``AppConfig.ready()`` (applications does,
in ``applications/payments_bridge.py``). The relay task
(:func:`payments.services.order_events_relay`) calls every listener once per
event, inside the transaction that stamps the event handled, so a listener's
writes and the stamp commit together; a failing listener leaves the event for
the next sweep. Listeners must be idempotent (they may see an event again
after a crash), keyed by ``transition_id``.
"""

from dataclasses import dataclass

from common.plugins import Registry


@dataclass(frozen=True)
class OrderEvent:
    transition_id: int
    event: str  # PaymentEvent
    order_id: int
    out_trade_no: str
    reference: str
    amount_fen: int
    refunded_fen: int


class PaymentListener:
    """Subclass and override :meth:`handle`; register with ``listeners.register(id, instance)``."""

    def handle(self, event: OrderEvent) -> None:
        raise NotImplementedError


listeners = Registry[PaymentListener]("payment listener")
