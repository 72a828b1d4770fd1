"""Reads: a resident's orders."""

from django.db.models import QuerySet

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
