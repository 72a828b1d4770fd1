"""Officials see orders, approve refunds and follow up reconciliation discrepancies."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from common.admin import ShownRelationsJoinedMixin
from common.exceptions import ApplicationError

from .constants import RefundStatus
from .models import Discrepancy, GatewayTransaction, OrderLine, OrderTransition, PaymentOrder, Receipt, Refund
from .services import refund_approve


class _ReadOnlyInline(ShownRelationsJoinedMixin, admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        # Every field shown is read-only: non-editable ones (created_at) would otherwise break the form.
        return self.fields


class _ServiceMadeAdmin(admin.ModelAdmin):
    """Rows only the services make: nobody adds or deletes one here."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class _ViewOnlyAdmin(_ServiceMadeAdmin):
    """Rows only the services make and change: shown, never edited here."""

    def has_change_permission(self, request, obj=None):
        return False


class OrderLineInline(_ReadOnlyInline):
    model = OrderLine
    fields = ("name", "amount_fen", "legal_basis", "exemption")


class TransactionInline(_ReadOnlyInline):
    model = GatewayTransaction
    fields = ("gateway", "transaction_id", "kind", "amount_fen", "is_overpayment", "created_at")


class TransitionInline(_ReadOnlyInline):
    model = OrderTransition
    fields = ("from_status", "to_status", "event", "actor", "reason", "created_at", "handled_at")


class RefundInline(_ReadOnlyInline):
    model = Refund
    fields = ("refund_no", "amount_fen", "status", "reason", "approved_by", "completed_at")


@admin.register(PaymentOrder)
class PaymentOrderAdmin(_ViewOnlyAdmin):  # orders change only through the services
    list_display = ("out_trade_no", "subject", "amount_fen", "refunded_fen", "status", "gateway", "paid_at")
    list_filter = ("status", "gateway")
    search_fields = ("out_trade_no", "gateway_trade_no", "reference")
    list_select_related = ("user",)
    inlines = (OrderLineInline, TransactionInline, RefundInline, TransitionInline)


@admin.register(Refund)
class RefundAdmin(_ViewOnlyAdmin):  # approved by the action, never edited
    list_display = ("refund_no", "order", "amount_fen", "status", "reason", "created_at")
    list_filter = ("status",)
    search_fields = ("refund_no", "order__out_trade_no")
    list_select_related = ("order",)
    actions = ("approve",)

    def has_approve_permission(self, request) -> bool:
        return request.user.has_perm("payments.approve_refund")

    @admin.action(description=_("批准所选退款"), permissions=["approve"])
    def approve(self, request, queryset):
        approved = 0
        for refund in queryset.filter(status=RefundStatus.REQUESTED):
            try:
                refund_approve(refund_id=refund.pk, official=request.user)
                approved += 1
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
        self.message_user(request, _("已批准 %(count)d 笔退款。") % {"count": approved}, messages.SUCCESS)


@admin.register(Discrepancy)
class DiscrepancyAdmin(_ServiceMadeAdmin):
    list_display = ("day", "gateway", "kind", "transaction_id", "out_trade_no", "our_amount_fen", "their_amount_fen")
    list_filter = ("kind", "gateway", "resolved")
    search_fields = ("transaction_id", "out_trade_no")
    # What reconciliation found stays as found; the official marks it resolved and notes why.
    readonly_fields = ("day", "gateway", "kind", "transaction_id", "out_trade_no", "our_amount_fen", "their_amount_fen")
    fields = (*readonly_fields, "resolved", "note")


@admin.register(Receipt)
class ReceiptAdmin(_ViewOnlyAdmin):
    list_display = ("number", "order", "issued_at")
    search_fields = ("number", "order__out_trade_no")
    list_select_related = ("order",)
