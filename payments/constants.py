"""Order states, the one table of allowed changes, and the events payments reports."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    CREATED = "created", _("待支付")
    PENDING = "pending", _("支付中")
    PAID = "paid", _("已支付")
    PARTIALLY_REFUNDED = "partially_refunded", _("部分退款")
    REFUNDED = "refunded", _("已退款")
    CLOSED = "closed", _("已关闭")
    EXPIRED = "expired", _("已过期")
    # Every line waived (减免): a zero-fee record that shows the exemption basis; nothing to pay.
    EXEMPT = "exempt", _("已减免")


S = OrderStatus
# The one table of allowed order changes. A paid order never goes back to
# unpaid; a closed or expired order never opens again (a payment arriving for
# it is an overpayment, refunded). Every change goes through
# ``payments.services.order_transition``.
ALLOWED_TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        (S.CREATED, S.PENDING),  # the payer went to the cashier
        (S.CREATED, S.PAID),  # a notification or query beat the redirect
        (S.PENDING, S.PAID),
        (S.CREATED, S.CLOSED),
        (S.PENDING, S.CLOSED),
        (S.CREATED, S.EXPIRED),
        (S.PENDING, S.EXPIRED),
        (S.PAID, S.PARTIALLY_REFUNDED),
        (S.PAID, S.REFUNDED),
        (S.PARTIALLY_REFUNDED, S.PARTIALLY_REFUNDED),
        (S.PARTIALLY_REFUNDED, S.REFUNDED),
    }
)
# An order is born CREATED, or EXEMPT when every line is waived; EXEMPT is final.
PAYABLE_STATUSES = (S.CREATED, S.PENDING)
PAID_STATUSES = (S.PAID, S.PARTIALLY_REFUNDED, S.REFUNDED)


def transition_allowed(from_status: str, to_status: str) -> bool:
    return (from_status, to_status) in ALLOWED_TRANSITIONS


class PaymentEvent(models.TextChoices):
    """What payments tells the rest of the portal (``payments.events.listeners``)."""

    PAID = "paid", _("已支付")
    REFUNDED = "refunded", _("已退款")
    EXPIRED = "expired", _("已过期")
    CLOSED = "closed", _("已关闭")


# The event each state change reports, if any.
EVENT_FOR_STATUS = {
    S.PAID: PaymentEvent.PAID,
    S.PARTIALLY_REFUNDED: PaymentEvent.REFUNDED,
    S.REFUNDED: PaymentEvent.REFUNDED,
    S.EXPIRED: PaymentEvent.EXPIRED,
    S.CLOSED: PaymentEvent.CLOSED,
}


class TransactionKind(models.TextChoices):
    PAYMENT = "payment", _("支付")
    REFUND = "refund", _("退款")


class RefundStatus(models.TextChoices):
    REQUESTED = "requested", _("待审批")
    APPROVED = "approved", _("已批准")
    SUCCEEDED = "succeeded", _("已退款")
    FAILED = "failed", _("失败")
    REJECTED = "rejected", _("已驳回")
