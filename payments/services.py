"""Writes: orders, their state changes, notifications, refunds and receipts.

Every state change is :func:`order_transition`: lock, check the table,
idempotent, ``update_fields``, a recorded :class:`OrderTransition` that is
also the outbox row of the event it reports. A notification costs at most four
queries: lock the order, insert the transaction, update the order, insert the
transition; a replay costs one.
"""

import datetime
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import ApplicationError
from common.money import yuan
from partners.events import event_publish

from .base import NotificationOutcome, VerifiedNotification
from .constants import (
    EVENT_FOR_STATUS,
    PAID_STATUSES,
    PAYABLE_STATUSES,
    OrderStatus,
    PaymentEvent,
    RefundStatus,
    TransactionKind,
    transition_allowed,
)
from .events import OrderEvent, listeners
from .models import GatewayTransaction, OrderLine, OrderTransition, PaymentOrder, Receipt, Refund
from .money import beijing_day

logger = logging.getLogger(__name__)


class PaymentError(ApplicationError):
    pass


class NotificationRejected(Exception):
    """A verified notification that does not match the order (amount, order number)."""


def _number(prefix: str) -> str:
    now = timezone.localtime()
    return f"{prefix}{now:%Y%m%d%H%M%S}{secrets.randbelow(10**8):08d}"


@dataclass(frozen=True)
class FeeLine:
    name: str
    amount_fen: int
    legal_basis: str
    # Set when the line is waived: the catalogue's basis and the source's evidence.
    exemption: str = ""

    @property
    def amount_yuan(self) -> str:
        return yuan(self.amount_fen)


def fee_lines_waived(lines: list[FeeLine]) -> bool:
    """Whether ``lines`` owe nothing because their fees were waived (an exempt record), as
    opposed to owing something or being free by the catalogue."""
    return sum(line.amount_fen for line in lines) == 0 and any(line.exemption for line in lines)


def fee_lines_for_version(*, version, payer) -> list[FeeLine]:
    """The fee lines of a guide ``version`` for ``payer``, each waived fee at zero with its basis.

    A fee is waived when a trusted source (:mod:`payments.exemptions`) attests
    that the payer belongs to one of the fee's exempt categories. Reads the
    version's prefetched ``fees`` if there are any.
    """
    from services.constants import FeeExemptionCategory

    from .exemptions import attestations_for

    fees = list(version.fees.all())
    wanted = {category for fee in fees for category in fee.exempt_categories}
    attested = attestations_for(user=payer, categories=wanted)
    labels = dict(FeeExemptionCategory.choices)
    lines = []
    for fee in fees:
        attestation = next((attested[c] for c in fee.exempt_categories if c in attested), None)
        if attestation is None:
            lines.append(FeeLine(name=fee.name, amount_fen=fee.amount_fen, legal_basis=fee.legal_basis))
            continue
        who = labels.get(attestation.category, attestation.category)
        exemption = f"{who}（{attestation.evidence}）：{fee.exemption_basis}"
        lines.append(FeeLine(name=fee.name, amount_fen=0, legal_basis=fee.legal_basis, exemption=exemption[:200]))
    return lines


def order_create(*, user, subject: str, lines: list[FeeLine], reference: str = "", item_code: str = "") -> PaymentOrder:
    """Make the order for ``lines`` (idempotent per ``reference``: the same thing is ordered once).

    When every line is waived the order is a zero-fee record, born ``exempt``:
    nothing to pay, and the resident and officials see the exemption basis.
    """
    amount = sum(line.amount_fen for line in lines)
    exempt = fee_lines_waived(lines)
    if amount <= 0 and not exempt:
        raise PaymentError(_("该事项无需缴费。"), code="nothing_to_pay")
    status = OrderStatus.EXEMPT if exempt else OrderStatus.CREATED
    with transaction.atomic():
        if reference:
            existing = PaymentOrder.objects.select_for_update().filter(reference=reference).first()
            if existing is not None:
                return existing
        order = PaymentOrder.objects.create(
            out_trade_no=_number("TB"),
            user=user,
            reference=reference,
            item_code=item_code,
            subject=subject[:128],
            amount_fen=amount,
            status=status,
            expires_at=timezone.now() + datetime.timedelta(minutes=settings.PAYMENTS_ORDER_TTL_MINUTES),
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                name=line.name,
                amount_fen=line.amount_fen,
                legal_basis=line.legal_basis,
                exemption=line.exemption,
            )
            for line in lines
        )
        OrderTransition.objects.create(
            order=order, from_status="", to_status=status, actor=user, reason="fee exempt" if exempt else ""
        )
    return order


def _apply(order: PaymentOrder, to_status: str, *, actor=None, reason: str = "", fields=()) -> OrderTransition | None:
    """Change a locked ``order`` to ``to_status`` and record it; None if it is already there."""
    if order.status == to_status and to_status != OrderStatus.PARTIALLY_REFUNDED:
        return None
    if not transition_allowed(order.status, to_status):
        raise PaymentError(_("订单状态不允许此操作。"), code="transition_not_allowed", status=409)
    from_status, order.status = order.status, to_status
    order.save(update_fields=["status", "updated_at", *fields])
    event = EVENT_FOR_STATUS.get(to_status, "")
    record = OrderTransition.objects.create(
        order=order, from_status=from_status, to_status=to_status, event=event, actor=actor, reason=reason[:200]
    )
    if event:
        transaction.on_commit(lambda: _queue_event_relay())
    return record


def _queue_event_relay() -> None:
    from .tasks import relay_order_events

    try:
        relay_order_events.delay()
    except Exception as exc:  # broker down: the beat sweep relays it
        logger.warning("payment event relay not queued (%s)", exc.__class__.__name__)


def order_transition(*, order_id: int, to_status: str, actor=None, reason: str = "") -> PaymentOrder:
    with transaction.atomic():
        order = PaymentOrder.objects.select_for_update().get(pk=order_id)
        _apply(order, to_status, actor=actor, reason=reason)
    return order


def order_start_payment(*, order_id: int, user, gateway: str) -> PaymentOrder:
    """The payer chose ``gateway``: the order is pending until the gateway says otherwise."""
    with transaction.atomic():
        order = PaymentOrder.objects.select_for_update().get(pk=order_id, user=user)
        if order.status not in PAYABLE_STATUSES:
            raise PaymentError(_("订单当前状态不能支付。"), code="not_payable", status=409)
        if order.expires_at <= timezone.now():
            _apply(order, OrderStatus.EXPIRED, reason="expired")
            return order
        order.gateway = gateway
        if order.status == OrderStatus.CREATED:
            _apply(order, OrderStatus.PENDING, actor=user, fields=("gateway",))
        else:
            order.save(update_fields=["gateway", "updated_at"])
    return order


def _record_overpayment(order: PaymentOrder, *, gateway: str, transaction_id: str, amount_fen: int) -> None:
    """A payment the order did not need (a second tab, or after closing): keep it and queue its refund."""
    if GatewayTransaction.objects.filter(gateway=gateway, transaction_id=transaction_id).exists():
        return  # replay of an overpayment already recorded
    payment = GatewayTransaction.objects.create(
        order=order,
        gateway=gateway,
        transaction_id=transaction_id,
        kind=TransactionKind.PAYMENT,
        amount_fen=amount_fen,
        is_overpayment=True,
    )
    Refund.objects.create(
        order=order,
        refund_no=_number("RF"),
        amount_fen=amount_fen,
        status=RefundStatus.APPROVED,
        reason="重复支付，原路退回",
        overpayment=payment,
    )
    logger.warning("overpayment on order %s (%s %s), refund queued", order.out_trade_no, gateway, transaction_id)


def payment_confirm(*, gateway: str, out_trade_no: str, transaction_id: str, amount_fen: int, reason: str) -> str:
    """The gateway says ``out_trade_no`` was paid by ``transaction_id``. Safe to replay and race.

    Returns what happened: ``paid``, ``replay`` or ``overpayment``. Raises
    :class:`NotificationRejected` for an unknown order or a wrong amount.
    """
    with transaction.atomic():
        order = PaymentOrder.objects.select_for_update().filter(out_trade_no=out_trade_no).first()
        if order is None:
            raise NotificationRejected(f"unknown order {out_trade_no}")
        if amount_fen != order.amount_fen:
            raise NotificationRejected(f"order {out_trade_no}: amount {amount_fen} ≠ {order.amount_fen}")
        if order.gateway_trade_no == transaction_id and order.gateway == gateway:
            return "replay"
        if order.status not in PAYABLE_STATUSES:
            # Paid already by another transaction, or closed/expired: the money goes back.
            _record_overpayment(order, gateway=gateway, transaction_id=transaction_id, amount_fen=amount_fen)
            return "overpayment"
        GatewayTransaction.objects.create(
            order=order,
            gateway=gateway,
            transaction_id=transaction_id,
            kind=TransactionKind.PAYMENT,
            amount_fen=amount_fen,
        )
        order.gateway, order.gateway_trade_no, order.paid_at = gateway, transaction_id, timezone.now()
        _apply(order, OrderStatus.PAID, reason=reason, fields=("gateway", "gateway_trade_no", "paid_at"))
    return "paid"


def payment_close(*, out_trade_no: str, reason: str) -> str:
    """The gateway closed an unpaid order; a paid one is never moved back."""
    with transaction.atomic():
        order = PaymentOrder.objects.select_for_update().filter(out_trade_no=out_trade_no).first()
        if order is None:
            raise NotificationRejected(f"unknown order {out_trade_no}")
        if order.status not in PAYABLE_STATUSES:
            return "ignored"
        _apply(order, OrderStatus.CLOSED, reason=reason)
    return "closed"


def notification_handle(*, gateway: str, notification: VerifiedNotification) -> str:
    """Apply one verified notification. Late or out-of-order events never move an order back."""
    if notification.outcome == NotificationOutcome.PAID:
        return payment_confirm(
            gateway=gateway,
            out_trade_no=notification.out_trade_no,
            transaction_id=notification.transaction_id,
            amount_fen=notification.amount_fen,
            reason=f"{gateway} notification",
        )
    if notification.outcome == NotificationOutcome.CLOSED:
        if notification.refunded_fen:
            # A full refund also arrives as TRADE_CLOSED: the trade was paid first.
            payment_confirm(
                gateway=gateway,
                out_trade_no=notification.out_trade_no,
                transaction_id=notification.transaction_id,
                amount_fen=notification.amount_fen,
                reason=f"{gateway} refund notification",
            )
            return "refund"
        return payment_close(out_trade_no=notification.out_trade_no, reason=f"{gateway} notification")
    return "pending"


# --- events ----------------------------------------------------------------------


def _receipt_and_message(order: PaymentOrder, event: str) -> None:
    from notifications.services import notify

    if event == PaymentEvent.PAID:
        Receipt.objects.get_or_create(order=order, defaults={"number": _number("PJ")})
    template = f"payments.{event}"
    notify(
        user=order.user,
        template=template,
        context={"subject": order.subject, "amount": order.amount_yuan, "out_trade_no": order.out_trade_no},
        link=f"/my/orders/{order.out_trade_no}/",
    )


# Paid and refunded orders are published to partners' webhooks (partners.events) from this
# relay, once per transition and in the transaction that stamps it handled: the
# notification path itself stays at its four queries.
_PARTNER_EVENTS = {PaymentEvent.PAID: "payment.succeeded", PaymentEvent.REFUNDED: "payment.refunded"}


def _publish_to_partners(record: OrderTransition) -> None:
    event_type = _PARTNER_EVENTS.get(record.event)
    if event_type is None:
        return
    order = record.order
    event_publish(
        event_type=event_type,
        resource_type="payment",
        resource_id=order.out_trade_no,
        data={
            "out_trade_no": order.out_trade_no,
            "reference": order.reference,
            "status": record.to_status,
            "amount_fen": order.amount_fen,
            "refunded_fen": order.refunded_fen,
            "at": record.created_at.isoformat(),
        },
        user=order.user,
    )


def order_event_handle(*, transition_id: int) -> bool:
    """Deliver one event: receipt, message, listeners; once (the row is locked and stamped)."""
    with transaction.atomic():
        record = (
            OrderTransition.objects.select_for_update(skip_locked=True)
            .select_related("order", "order__user")
            .filter(pk=transition_id, handled_at__isnull=True)
            .exclude(event="")
            .first()
        )
        if record is None:
            return False
        order = record.order
        _receipt_and_message(order, record.event)
        event = OrderEvent(
            transition_id=record.pk,
            event=record.event,
            order_id=order.pk,
            out_trade_no=order.out_trade_no,
            reference=order.reference,
            amount_fen=order.amount_fen,
            refunded_fen=order.refunded_fen,
        )
        for listener in listeners:
            listener.handle(event)
        _publish_to_partners(record)
        record.handled_at = timezone.now()
        record.save(update_fields=["handled_at"])
    return True


def order_events_relay(*, limit: int = 200) -> int:
    ids = list(
        OrderTransition.objects.filter(handled_at__isnull=True)
        .exclude(event="")
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    handled = 0
    for pk in ids:
        try:
            handled += order_event_handle(transition_id=pk)
        except Exception:
            logger.exception("payment event %s failed; the next sweep retries", pk)
    return handled


# --- lost notifications ------------------------------------------------------------


def pending_orders_query(*, older_than_seconds: int = 60, limit: int = 200) -> int:
    """Ask each pending order's gateway what became of it; mark it paid, closed or expired.

    Covers every lost notification. Each answer goes through the same
    :func:`payment_confirm`/:func:`payment_close` as a notification.
    """
    from .base import GatewayError
    from .registry import gateways

    now = timezone.now()
    orders = list(
        PaymentOrder.objects.filter(
            status=OrderStatus.PENDING, updated_at__lte=now - datetime.timedelta(seconds=older_than_seconds)
        )
        .exclude(gateway="")
        .order_by("updated_at")[:limit]
    )
    changed = 0
    # Orders the payer never took to a cashier simply expire.
    for pk in PaymentOrder.objects.filter(status=OrderStatus.CREATED, expires_at__lte=now).values_list("pk", flat=True)[
        :limit
    ]:
        try:
            order_transition(order_id=pk, to_status=OrderStatus.EXPIRED, reason="expired unpaid")
            changed += 1
        except PaymentError:  # paid or closed meanwhile: the lock saw it, nothing to do
            continue
    for order in orders:
        gateway = gateways.get(order.gateway)
        if gateway is None:
            continue
        try:
            result = gateway.query(order=order)
        except GatewayError as exc:
            logger.warning("query of order %s failed: %s", order.out_trade_no, exc)
            continue
        try:
            if result.outcome == NotificationOutcome.PAID:
                changed += (
                    payment_confirm(
                        gateway=order.gateway,
                        out_trade_no=order.out_trade_no,
                        transaction_id=result.transaction_id,
                        amount_fen=result.amount_fen,
                        reason=f"{order.gateway} query",
                    )
                    == "paid"
                )
            elif result.outcome == NotificationOutcome.CLOSED:
                changed += payment_close(out_trade_no=order.out_trade_no, reason=f"{order.gateway} query") == "closed"
            elif order.expires_at <= now:
                order_transition(order_id=order.pk, to_status=OrderStatus.EXPIRED, reason="expired unpaid")
                changed += 1
        except NotificationRejected as exc:
            logger.warning("query of order %s refused: %s", order.out_trade_no, exc)
    return changed


# --- refunds ----------------------------------------------------------------------------

_OPEN_REFUNDS = (RefundStatus.REQUESTED, RefundStatus.APPROVED, RefundStatus.SUCCEEDED)


def _committed_refunds(order: PaymentOrder) -> int:
    """Fen of ``order`` already refunded or on the way back (overpayment refunds aside)."""
    return sum(
        Refund.objects.filter(order=order, overpayment__isnull=True, status__in=_OPEN_REFUNDS).values_list(
            "amount_fen", flat=True
        )
    )


def refund_request(*, order_id: int, amount_fen: int, reason: str, actor=None, approved: bool = False) -> Refund:
    """Ask to refund ``amount_fen`` of a paid order. The order is locked, so concurrent requests
    together never exceed what was paid. ``approved`` skips the official's approval (the
    service's own rules, e.g. a withdrawn case)."""
    with transaction.atomic():
        order = PaymentOrder.objects.select_for_update().get(pk=order_id)
        if order.status not in PAID_STATUSES:
            raise PaymentError(_("订单未支付，不能退款。"), code="not_paid", status=409)
        committed = _committed_refunds(order)
        if amount_fen <= 0 or committed + amount_fen > order.amount_fen:
            raise PaymentError(_("退款金额超过可退金额。"), code="refund_exceeds_paid", status=409)
        refund = Refund.objects.create(
            order=order,
            refund_no=_number("RF"),
            amount_fen=amount_fen,
            reason=reason[:200],
            requested_by=actor,
            approved_by=actor if approved else None,
            status=RefundStatus.APPROVED if approved else RefundStatus.REQUESTED,
        )
    if approved:
        transaction.on_commit(lambda: _queue_refund(refund.pk))
    return refund


def refund_for_reference(*, reference: str, reason: str) -> Refund | None:
    """Refund in full, by the service's rules, whatever was paid for ``reference`` (None if unpaid)."""
    order = PaymentOrder.objects.filter(reference=reference, status__in=PAID_STATUSES).first()
    if order is None:
        return None
    refundable = order.amount_fen - _committed_refunds(order)
    if refundable <= 0:
        return None
    return refund_request(order_id=order.pk, amount_fen=refundable, reason=reason, approved=True)


def refund_approve(*, refund_id: int, official) -> Refund:
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.status == RefundStatus.REQUESTED:
            refund.status, refund.approved_by = RefundStatus.APPROVED, official
            refund.save(update_fields=["status", "approved_by"])
            transaction.on_commit(lambda: _queue_refund(refund.pk))
    return refund


def _queue_refund(refund_id: int) -> None:
    from .tasks import process_refund

    try:
        process_refund.delay(refund_id)
    except Exception as exc:  # the beat sweep picks approved refunds up
        logger.warning("refund %s not queued (%s)", refund_id, exc.__class__.__name__)


def refund_process(*, refund_id: int) -> Refund:
    """Send an approved refund to the gateway, then record it on the order (once)."""
    from .base import GatewayError
    from .registry import gateways

    refund = Refund.objects.select_related("order", "overpayment").get(pk=refund_id)
    if refund.status != RefundStatus.APPROVED:
        return refund
    order = refund.order
    gateway = gateways[refund.overpayment.gateway if refund.overpayment_id else order.gateway]
    try:
        result = gateway.refund(order=order, refund=refund)  # idempotent per refund_no at the provider
    except GatewayError as exc:
        logger.warning("refund %s: gateway error %s; retried later", refund.refund_no, exc)
        return refund
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.status != RefundStatus.APPROVED:
            return refund
        if not result.succeeded:
            refund.status = RefundStatus.FAILED
            refund.save(update_fields=["status"])
            return refund
        refund.status, refund.completed_at = RefundStatus.SUCCEEDED, timezone.now()
        refund.save(update_fields=["status", "completed_at"])
        GatewayTransaction.objects.create(
            order=order,
            gateway=gateway.identifier,
            transaction_id=refund.refund_no,
            kind=TransactionKind.REFUND,
            amount_fen=refund.amount_fen,
        )
        if refund.overpayment_id is None:
            order = PaymentOrder.objects.select_for_update().get(pk=order.pk)
            order.refunded_fen += refund.amount_fen
            to_status = (
                OrderStatus.REFUNDED if order.refunded_fen == order.amount_fen else OrderStatus.PARTIALLY_REFUNDED
            )
            _apply(order, to_status, reason=f"refund {refund.refund_no}", fields=("refunded_fen",))
    return refund


def approved_refund_ids(*, limit: int = 200) -> list[int]:
    return list(Refund.objects.filter(status=RefundStatus.APPROVED).values_list("pk", flat=True)[:limit])


# --- reconciliation ---------------------------------------------------------------------


def reconcile(*, gateway: str, day: datetime.date) -> list:
    """Match ``gateway``'s statement for ``day`` (Asia/Shanghai) line by line against our
    transactions; record a :class:`Discrepancy` for each line missing, extra or different.
    Idempotent: running it again records nothing new."""
    from .models import Discrepancy
    from .registry import gateways

    lines = gateways[gateway].fetch_statement(day=day)
    start, end = beijing_day(day)
    ours = {
        row.transaction_id: row
        for row in GatewayTransaction.objects.filter(
            gateway=gateway, created_at__gte=start, created_at__lt=end
        ).select_related("order")
    }
    theirs = {line.transaction_id: line for line in lines}
    found = []
    for transaction_id, line in theirs.items():
        mine = ours.get(transaction_id)
        if mine is None:
            found.append(
                Discrepancy(
                    kind=Discrepancy.Kind.EXTRA,
                    transaction_id=transaction_id,
                    out_trade_no=line.out_trade_no,
                    their_amount_fen=line.amount_fen,
                )
            )
        elif mine.amount_fen != line.amount_fen:
            found.append(
                Discrepancy(
                    kind=Discrepancy.Kind.DIFFERENT,
                    transaction_id=transaction_id,
                    out_trade_no=line.out_trade_no,
                    our_amount_fen=mine.amount_fen,
                    their_amount_fen=line.amount_fen,
                )
            )
    for transaction_id, mine in ours.items():
        if transaction_id not in theirs:
            found.append(
                Discrepancy(
                    kind=Discrepancy.Kind.MISSING,
                    transaction_id=transaction_id,
                    out_trade_no=mine.order.out_trade_no,
                    our_amount_fen=mine.amount_fen,
                )
            )
    for row in found:
        row.gateway, row.day = gateway, day
    Discrepancy.objects.bulk_create(found, ignore_conflicts=True)
    if found:
        logger.warning("reconciliation %s %s: %d discrepancies", gateway, day, len(found))
    return found
