"""The partner's space for webhooks: subscriptions (create, edit, rotate the secret,
deactivate) and the delivery log with attempts and replay.

A partner's pages belong to whoever manages its space (:func:`partners.selectors.partners_for_user`);
anyone else gets a 404.
Thin views: a form shapes the input, one service acts, its refusal is shown.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.exceptions import ApplicationError

from ..models import Partner
from ..views import partner_for_request
from . import selectors, services
from .forms import DeliveryFilterForm, SubscriptionEditForm, SubscriptionForm

PAGE_SIZE = 50


def _subscription(partner: Partner, subscription_id: int):
    subscription = selectors.subscription_for_partner(partner=partner, subscription_id=subscription_id)
    if subscription is None:
        raise Http404
    return subscription


@login_required
@require_GET
def subscription_list(request: HttpRequest, partner_id: int) -> HttpResponse:
    partner = partner_for_request(request, partner_id)
    return render(
        request,
        "partners/webhooks/subscription_list.html",
        {"partner": partner, "subscriptions": selectors.subscriptions_for_partner(partner=partner)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def subscription_create(request: HttpRequest, partner_id: int) -> HttpResponse:
    partner = partner_for_request(request, partner_id)
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscription = services.webhook_subscribe(
                partner=partner,
                url=form.cleaned_data["url"],
                event_types=form.cleaned_data["event_types"],
                actor=request.user,
            )
        except ApplicationError as error:
            form.add_error("url" if error.code.startswith("webhook_url") else None, str(error.message))
        else:
            messages.success(request, _("已订阅。请保存签名密钥，用于核验通知。"))
            return redirect("partner_webhooks:subscription_edit", partner.pk, subscription.pk)
    return render(request, "partners/webhooks/subscription_form.html", {"partner": partner, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def subscription_edit(request: HttpRequest, partner_id: int, subscription_id: int) -> HttpResponse:
    partner = partner_for_request(request, partner_id)
    subscription = _subscription(partner, subscription_id)
    initial = {"url": subscription.url, "event_types": subscription.event_types, "is_active": subscription.is_active}
    form = SubscriptionEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.webhook_subscription_update(
                subscription_id=subscription.pk,
                actor=request.user,
                url=form.cleaned_data["url"],
                event_types=form.cleaned_data["event_types"],
                is_active=form.cleaned_data["is_active"],
            )
        except ApplicationError as error:
            form.add_error("url" if error.code.startswith("webhook_url") else None, str(error.message))
        else:
            messages.success(request, _("订阅已保存。"))
            return redirect("partner_webhooks:subscription_list", partner.pk)
    return render(
        request,
        "partners/webhooks/subscription_form.html",
        {"partner": partner, "form": form, "subscription": subscription},
    )


@login_required
@require_POST
def subscription_rotate(request: HttpRequest, partner_id: int, subscription_id: int) -> HttpResponse:
    partner = partner_for_request(request, partner_id)
    subscription = _subscription(partner, subscription_id)
    services.webhook_secret_rotate(subscription_id=subscription.pk, actor=request.user)
    messages.success(request, _("已生成新的签名密钥；旧密钥在过渡期内仍会同时签名。"))
    return redirect("partner_webhooks:subscription_edit", partner.pk, subscription.pk)


@login_required
@require_POST
def subscription_deactivate(request: HttpRequest, partner_id: int, subscription_id: int) -> HttpResponse:
    partner = partner_for_request(request, partner_id)
    subscription = _subscription(partner, subscription_id)
    services.webhook_subscription_deactivate(subscription_id=subscription.pk, actor=request.user)
    messages.success(request, _("订阅已停用。"))
    return redirect("partner_webhooks:subscription_list", partner.pk)


@login_required
@require_GET
def delivery_list(request: HttpRequest, partner_id: int) -> HttpResponse:
    partner = partner_for_request(request, partner_id)
    form = DeliveryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    deliveries = selectors.deliveries_for_partner(
        partner=partner, status=filters.get("status") or None, event_type=filters.get("event_type") or None
    )
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "partners/webhooks/delivery_list.html", {"partner": partner, "form": form, "page": page})


@login_required
@require_GET
def delivery_detail(request: HttpRequest, partner_id: int, delivery_id: str) -> HttpResponse:
    partner = partner_for_request(request, partner_id)
    delivery = selectors.delivery_for_partner(partner=partner, delivery_id=delivery_id)
    if delivery is None:
        raise Http404
    return render(request, "partners/webhooks/delivery_detail.html", {"partner": partner, "delivery": delivery})


@login_required
@require_POST
def delivery_replay(request: HttpRequest, partner_id: int, delivery_id: str) -> HttpResponse:
    partner = partner_for_request(request, partner_id)
    try:
        replay = services.delivery_replay(delivery_id=delivery_id, actor=request.user, partner=partner)
    except ApplicationError as error:
        if error.status == 404:
            raise Http404 from None
        messages.error(request, str(error.message))
        return redirect("partner_webhooks:delivery_detail", partner.pk, delivery_id)
    messages.success(request, _("已重新投递。"))
    return redirect("partner_webhooks:delivery_detail", partner.pk, replay.pk)
