"""Orders for fees, the gateway's transactions, refunds, receipts and reconciliation.

Money is integer fen (分) throughout. An order's state changes only through
``payments.services.order_transition``; each change appends an
:class:`OrderTransition`, which is also the outbox row of the event it reports
(paid, refunded, expired, closed): a task hands it to the listeners, the
receipt and the message once, and stamps ``handled_at``.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from audit.triggers import track
from common.audit_records import AuditRecord
from common.money import yuan

from .constants import OrderStatus, PaymentEvent, RefundStatus, TransactionKind


@track(verbose_name=_("支付订单变更历史"))
class PaymentOrder(models.Model):
    out_trade_no = models.CharField(_("订单号"), max_length=32, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("付款人"), on_delete=models.PROTECT, related_name="payment_orders"
    )
    # What the order pays for, e.g. "application:GA20261129000001". Payments never
    # looks inside; the app that asked for the order reads it back in its listener.
    reference = models.CharField(_("业务编号"), max_length=64, blank=True)
    item_code = models.CharField(_("事项编码"), max_length=64, blank=True)
    subject = models.CharField(_("订单标题"), max_length=128)
    amount_fen = models.PositiveIntegerField(_("应付金额（分）"))
    refunded_fen = models.PositiveIntegerField(_("已退金额（分）"), default=0)
    status = models.CharField(_("状态"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.CREATED)
    gateway = models.CharField(_("支付渠道"), max_length=50, blank=True)
    gateway_trade_no = models.CharField(_("渠道交易号"), max_length=64, blank=True)
    paid_at = models.DateTimeField(_("支付时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("支付订单")
        verbose_name_plural = _("支付订单")
        ordering = ("-created_at",)
        constraints = (
            models.CheckConstraint(condition=Q(refunded_fen__lte=F("amount_fen")), name="payments_refund_within_paid"),
            # One order per thing paid for (an application's fee is ordered once).
            models.UniqueConstraint(
                fields=["reference"], condition=~Q(reference=""), name="payments_one_order_per_ref"
            ),
        )
        indexes = (models.Index(fields=["status", "expires_at"], name="payments_order_status_idx"),)

    def __str__(self) -> str:
        return self.out_trade_no

    @property
    def amount_yuan(self) -> str:
        return yuan(self.amount_fen)

    @property
    def refundable_fen(self) -> int:
        return self.amount_fen - self.refunded_fen


class OrderLine(models.Model):
    """One fee item, copied from the service guide when the order was made."""

    order = models.ForeignKey(PaymentOrder, on_delete=models.CASCADE, related_name="lines")
    name = models.CharField(_("收费项目"), max_length=200)
    amount_fen = models.PositiveIntegerField(_("金额（分）"))
    legal_basis = models.CharField(_("收费依据"), max_length=300)
    exemption = models.CharField(_("减免依据"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("收费明细")
        verbose_name_plural = _("收费明细")
        ordering = ("pk",)

    def __str__(self) -> str:
        return self.name

    @property
    def amount_yuan(self) -> str:
        return yuan(self.amount_fen)


class GatewayTransaction(models.Model):
    """A payment or refund as the gateway reported it; one row per gateway transaction."""

    order = models.ForeignKey(PaymentOrder, on_delete=models.PROTECT, related_name="transactions")
    gateway = models.CharField(_("支付渠道"), max_length=50)
    transaction_id = models.CharField(_("渠道交易号"), max_length=64)
    kind = models.CharField(_("类型"), max_length=10, choices=TransactionKind.choices)
    amount_fen = models.PositiveIntegerField(_("金额（分）"))
    # A second payment for an order already paid (or closed): refunded in full.
    is_overpayment = models.BooleanField(_("重复支付"), default=False)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("渠道交易")
        verbose_name_plural = _("渠道交易")
        ordering = ("-created_at",)
        constraints = (
            models.UniqueConstraint(fields=["gateway", "transaction_id"], name="payments_transaction_unique"),
        )

    def __str__(self) -> str:
        return f"{self.gateway}:{self.transaction_id}"


class OrderTransition(models.Model):
    """One recorded state change, and the outbox row of the event it reports."""

    order = models.ForeignKey(PaymentOrder, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(_("原状态"), max_length=20, choices=OrderStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=20, choices=OrderStatus.choices)
    event = models.CharField(_("事件"), max_length=20, choices=PaymentEvent.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    handled_at = models.DateTimeField(_("事件处理时间"), null=True, blank=True)

    audit_record = AuditRecord()

    class Meta:
        verbose_name = _("订单状态记录")
        verbose_name_plural = _("订单状态记录")
        ordering = ("created_at", "pk")
        indexes = (
            models.Index(
                fields=["created_at"],
                condition=Q(handled_at__isnull=True) & ~Q(event=""),
                name="payments_unhandled_event_idx",
            ),
        )

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status} → {self.to_status}"


class Refund(models.Model):
    order = models.ForeignKey(PaymentOrder, on_delete=models.PROTECT, related_name="refunds")
    refund_no = models.CharField(_("退款单号"), max_length=32, unique=True)
    amount_fen = models.PositiveIntegerField(_("退款金额（分）"))
    status = models.CharField(_("状态"), max_length=20, choices=RefundStatus.choices, default=RefundStatus.REQUESTED)
    reason = models.CharField(_("退款原因"), max_length=200)
    # Set for the refund of an overpayment: it returns that transaction, not the fee.
    overpayment = models.OneToOneField(
        GatewayTransaction, on_delete=models.PROTECT, null=True, blank=True, related_name="overpayment_refund"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("退款")
        verbose_name_plural = _("退款")
        ordering = ("-created_at",)
        permissions = (("approve_refund", _("可审批退款")),)

    def __str__(self) -> str:
        return self.refund_no


class Receipt(models.Model):
    """The electronic receipt (电子票据) of a paid order: one per order."""

    order = models.OneToOneField(PaymentOrder, on_delete=models.PROTECT, related_name="receipt")
    number = models.CharField(_("票据号码"), max_length=32, unique=True)
    issued_at = models.DateTimeField(_("开具时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("电子票据")
        verbose_name_plural = _("电子票据")

    def __str__(self) -> str:
        return self.number


class Discrepancy(models.Model):
    """A line where the gateway's statement and our books disagree (对账差异)."""

    class Kind(models.TextChoices):
        MISSING = "missing", _("对账单缺少（我方有记录）")
        EXTRA = "extra", _("对账单多出（我方无记录）")
        DIFFERENT = "different", _("金额不一致")

    gateway = models.CharField(_("支付渠道"), max_length=50)
    day = models.DateField(_("对账日期"))
    kind = models.CharField(_("差异类型"), max_length=20, choices=Kind.choices)
    transaction_id = models.CharField(_("渠道交易号"), max_length=64)
    out_trade_no = models.CharField(_("订单号"), max_length=64, blank=True)
    our_amount_fen = models.PositiveIntegerField(_("我方金额（分）"), null=True, blank=True)
    their_amount_fen = models.PositiveIntegerField(_("渠道金额（分）"), null=True, blank=True)
    resolved = models.BooleanField(_("已处理"), default=False)
    note = models.CharField(_("处理说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("发现时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("对账差异")
        verbose_name_plural = _("对账差异")
        ordering = ("-day", "gateway")
        constraints = (
            models.UniqueConstraint(fields=["gateway", "day", "transaction_id"], name="payments_discrepancy_unique"),
        )

    def __str__(self) -> str:
        return f"{self.gateway} {self.day} {self.transaction_id}"
