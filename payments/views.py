"""The gateways' notification endpoint (server to server, outside the language prefix), and the
resident's orders (我的订单): pay, come back from the cashier, the receipt."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from common.exceptions import ApplicationError
from identity.security import client_ip
from monitoring.metrics import PAYMENT_NOTIFICATIONS

from .base import GatewayError, InvalidNotification
from .constants import PAYABLE_STATUSES
from .models import Receipt
from .receipts import code_is_valid, receipt_pdf
from .registry import gateways
from .selectors import order_for_user, orders_for_user
from .services import NotificationRejected, notification_handle, order_start_payment

logger = logging.getLogger(__name__)


@csrf_exempt  # Authenticated by the provider's signature, not a cookie.
@transaction.non_atomic_requests  # the handler takes its own short lock-and-update transaction
@require_POST
def gateway_notify(request: HttpRequest, gateway: str) -> HttpResponse:
    plugin = gateways.get(gateway)
    if plugin is None:
        raise Http404
    # Counted by result (tongban_payment_notifications_total, docs/operations.md); the gateway
    # label is a registered gateway's id, so the series stay few.
    result = "error"
    try:
        notification = plugin.parse_notification(request=request)
        result = notification_handle(gateway=gateway, notification=notification)
    except InvalidNotification as exc:
        result = "invalid"
        logger.warning("payment notification from %s refused: %s", gateway, exc)
        return plugin.notification_answer(accepted=False)
    except NotificationRejected as exc:
        result = "rejected"
        logger.warning("payment notification from %s refused: %s", gateway, exc)
        return plugin.notification_answer(accepted=False)
    finally:
        PAYMENT_NOTIFICATIONS.labels(gateway=gateway, result=result).inc()
    return plugin.notification_answer(accepted=True)


# --- the resident's orders (我的订单) ------------------------------------------------------


def _own_order(request: HttpRequest, out_trade_no: str):
    """The signed-in payer's order ``out_trade_no``; 404 for anyone else's or none."""
    order = order_for_user(user=request.user, out_trade_no=out_trade_no)
    if order is None:
        raise Http404
    return order


@login_required
@require_safe
def order_list(request: HttpRequest) -> HttpResponse:
    orders = list(orders_for_user(user=request.user)[:100])
    return render(request, "payments/order_list.html", {"orders": orders})


@login_required
@require_safe
def order_detail(request: HttpRequest, out_trade_no: str) -> HttpResponse:
    order = _own_order(request, out_trade_no)
    return render(request, "payments/order_detail.html", {"order": order, "channels": _channels()})


def _channels() -> list[tuple[str, str]]:
    """The gateways the payer may choose, the default first."""
    default = settings.PAYMENTS_DEFAULT_GATEWAY
    offered = [(identifier, gateway.verbose_name) for identifier, gateway in gateways.items() if gateway.offered]
    return sorted(offered, key=lambda channel: channel[0] != default)


@login_required
@require_POST
def order_pay(request: HttpRequest, out_trade_no: str) -> HttpResponse:
    order = _own_order(request, out_trade_no)
    gateway_id = request.POST.get("gateway") or settings.PAYMENTS_DEFAULT_GATEWAY
    if gateway_id not in dict(_channels()):
        messages.error(request, _("请选择可用的支付方式。"))
        return redirect("payments:order_detail", out_trade_no)
    try:
        order = order_start_payment(order_id=order.pk, user=request.user, gateway=gateway_id)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("payments:order_detail", out_trade_no)
    if order.status not in PAYABLE_STATUSES:
        messages.error(request, _("订单已过期，请重新办理。"))
        return redirect("payments:order_detail", out_trade_no)
    try:
        start = gateways[gateway_id].start_payment(
            order=order,
            return_url=request.build_absolute_uri(reverse("payments:order_return", args=[out_trade_no])),
            notify_url=request.build_absolute_uri(reverse("payments-notify:notify", args=[gateway_id])),
            client_ip=client_ip(request) or "",
        )
    except GatewayError as exc:
        logger.warning("payment start %s via %s failed: %s", out_trade_no, gateway_id, exc)
        messages.error(request, _("支付渠道暂时无法连接，请稍后重试或换一种支付方式。"))
        return redirect("payments:order_detail", out_trade_no)
    if start.form is not None:
        # A form the browser posts to the cashier (UnionPay's front transaction).
        return render(request, "payments/to_cashier.html", {"start": start, "order": order})
    return redirect(start.redirect_url)


@login_required
@require_safe
def order_return(request: HttpRequest, out_trade_no: str) -> HttpResponse:
    """The payer came back from the cashier. Only a notification or a query marks it paid."""
    order = _own_order(request, out_trade_no)
    plugin = gateways.get(order.gateway)
    if plugin is not None and plugin.handle_return(request=request) == out_trade_no and order.status != "paid":
        messages.info(request, _("支付结果确认中，请稍后刷新本页。"))
    return redirect("payments:order_detail", out_trade_no)


@login_required
@require_safe
def order_receipt(request: HttpRequest, out_trade_no: str) -> HttpResponse:
    order = _own_order(request, out_trade_no)
    if not hasattr(order, "receipt"):
        raise Http404
    return render(request, "payments/receipt.html", {"order": order, "receipt": order.receipt})


@login_required
@require_safe
def order_receipt_pdf(request: HttpRequest, out_trade_no: str) -> HttpResponse:
    order = _own_order(request, out_trade_no)
    if getattr(order, "receipt", None) is None:
        raise Http404
    pdf = receipt_pdf(order, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{order.receipt.number}.pdf"'
    return response


@require_safe
def receipt_check(request: HttpRequest, number: str) -> HttpResponse:
    """Public: the QR code on a receipt opens this page; without the right check code it says nothing."""
    receipt = None
    if code_is_valid(number, request.GET.get("c", "")):
        receipt = Receipt.objects.select_related("order").filter(number=number).first()
    return render(request, "payments/receipt_check.html", {"receipt": receipt}, status=200 if receipt else 404)
