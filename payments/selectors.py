"""Reads: a resident's orders, and when a guide version's fee is ordered."""

from django.conf import settings
from django.db.models import QuerySet

from services.constants import FeeOrderPoint

from .models import PaymentOrder


def orders_for_user(*, user) -> QuerySet[PaymentOrder]:
    return PaymentOrder.objects.filter(user=user).select_related("receipt").order_by("-created_at")


def order_for_user(*, user, out_trade_no: str) -> PaymentOrder | None:
    return (
        PaymentOrder.objects.filter(user=user, out_trade_no=out_trade_no)
        .select_related("receipt")
        .prefetch_related("lines")
        .first()
    )


def order_for_reference(*, user, reference: str) -> PaymentOrder | None:
    return PaymentOrder.objects.filter(user=user, reference=reference).prefetch_related("lines").first()


def fee_order_point(version, *, item_code: str | None = None) -> str:
    """When ``version``'s fee is ordered (a ``services.constants.FeeOrderPoint``): the version's own
    ``fee_order_point``, else the deployment's default (``settings.PAYMENTS_ORDER_AT_SUBMISSION``
    lists the item codes ordered at submission; every other fee is ordered once the case is accepted).

    ``item_code`` is the version's item's code when the caller has it (a case carries its item),
    so that the version's item is not read again."""
    if version.fee_order_point:
        return version.fee_order_point
    at_submission = (item_code or version.item.code) in settings.PAYMENTS_ORDER_AT_SUBMISSION
    return FeeOrderPoint.SUBMISSION if at_submission else FeeOrderPoint.ACCEPTANCE
