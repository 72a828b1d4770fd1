"""SANDBOX: Alipay's gateway URL, played locally: the cashier page (GET) and the API (POST)."""

import datetime

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import services
from .models import SandboxTrade


@csrf_exempt  # The API half is server to server, authenticated by the request signature.
def alipay_gateway(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        params = request.POST.dict()
        if not services.request_is_signed(params):
            return HttpResponse(
                '{"error_response":{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-signature"}}',
                content_type="application/json",
            )
        answer = services.api_answer(
            params,
            bill_url=lambda day: request.build_absolute_uri(reverse("payments-sandbox:alipay-bill", args=[day])),
        )
        return HttpResponse(answer, content_type="application/json; charset=utf-8")
    params = request.GET.dict()
    if params.get("method") != "alipay.trade.page.pay" or not services.request_is_signed(params):
        return HttpResponseBadRequest("沙箱：请求签名无效 (SANDBOX: invalid signature)".encode())
    trade = services.trade_open(params)
    return render(request, "payments_sandbox/cashier.html", {"trade": trade})


@require_POST
def alipay_cashier_decide(request: HttpRequest, trade_no: str) -> HttpResponse:
    trade = get_object_or_404(SandboxTrade, trade_no=trade_no)
    if request.POST.get("decision") == "pay":
        trade = services.trade_pay(trade)
        target = trade.return_url
        if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            return HttpResponseRedirect(f"{target}?{urlencode(services.return_params(trade))}")
    return render(request, "payments_sandbox/cashier_failed.html", {"trade": trade})


def alipay_bill(request: HttpRequest, day: str) -> HttpResponse:
    try:
        date = datetime.date.fromisoformat(day)
    except ValueError:
        raise Http404 from None
    return HttpResponse(services.statement_csv(date), content_type="text/csv; charset=utf-8")
