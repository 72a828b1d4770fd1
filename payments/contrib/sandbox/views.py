"""SANDBOX: Alipay's gateway URL, played locally: the cashier page (GET) and the API (POST)."""

import datetime
import hashlib
import json

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import services, unionpay, wechatpay
from .models import SandboxTrade

# The one cashier page, as each provider the sandbox plays: its title, its notice, and where the payer's choice goes.
CASHIERS = {
    "alipay": (
        _("支付宝收银台（沙箱）"),
        _("这是本地支付沙箱，模拟支付宝收银台，不会产生真实扣款。"),
        "payments-sandbox:alipay-decide",
    ),
    "wechatpay": (
        _("微信支付收银台（沙箱）"),
        _("这是本地支付沙箱，模拟微信支付收银台，不会产生真实扣款。"),
        "payments-sandbox:wechatpay-cashier",
    ),
    "unionpay": (
        _("银联收银台（沙箱）"),
        _("这是本地支付沙箱，模拟银联收银台，不会产生真实扣款。"),
        "payments-sandbox:unionpay-decide",
    ),
}


def _cashier(request: HttpRequest, trade: SandboxTrade, **hidden: str) -> HttpResponse:
    """The cashier for ``trade``'s provider; ``hidden`` fields go back with the payer's choice."""
    title, notice, decide = CASHIERS[trade.provider]
    context = {
        "trade": trade,
        "title": title,
        "notice": notice,
        "decide_url": reverse(decide, args=[trade.trade_no]),
        "hidden_fields": list(hidden.items()),
        **hidden,
    }
    return render(request, "payments_sandbox/cashier.html", context)


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
    return _cashier(request, services.trade_open(params))


def _choice(request: HttpRequest, trade: SandboxTrade, *, pay, back_to: str, return_params=None) -> HttpResponse:
    """The payer's choice at the cashier: "pay" settles the trade with ``pay`` and sends the browser back
    to ``back_to`` (with ``return_params(trade)`` as its query) if that is on this site; otherwise, and
    for "fail", the failure page."""
    if request.POST.get("decision") == "pay":
        trade = pay(trade)
        if back_to and url_has_allowed_host_and_scheme(back_to, allowed_hosts={request.get_host()}):
            return HttpResponseRedirect(f"{back_to}?{urlencode(return_params(trade))}" if return_params else back_to)
    return render(request, "payments_sandbox/cashier_failed.html", {"trade": trade})


@require_POST
def alipay_cashier_decide(request: HttpRequest, trade_no: str) -> HttpResponse:
    trade = get_object_or_404(SandboxTrade, trade_no=trade_no)
    return _choice(
        request, trade, pay=services.trade_pay, back_to=trade.return_url, return_params=services.return_params
    )


def alipay_bill(request: HttpRequest, day: str) -> HttpResponse:
    try:
        date = datetime.date.fromisoformat(day)
    except ValueError:
        raise Http404 from None
    return HttpResponse(services.statement_csv(date), content_type="text/csv; charset=utf-8")


# --- WeChat Pay API v3 -----------------------------------------------------------------------


def _wechatpay_answer(status: int, data: dict) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    response = HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    for name, value in wechatpay.signed_headers(body).items():
        response[name] = value
    return response


def _wechatpay_refused(request: HttpRequest) -> HttpResponse | None:
    if wechatpay.request_is_signed(
        method=request.method,
        url=request.get_full_path(),
        body=request.body,
        authorization=request.headers.get("Authorization", ""),
    ):
        return None
    return _wechatpay_answer(401, {"code": "SIGN_ERROR", "message": "签名错误（沙箱 SANDBOX）"})


def _json_body(request: HttpRequest) -> dict | None:
    try:
        data = json.loads(request.body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


@csrf_exempt  # Server to server, authenticated by the Authorization signature.
@require_POST
def wechatpay_h5(request: HttpRequest) -> HttpResponse:
    if refused := _wechatpay_refused(request):
        return refused
    payload = _json_body(request)
    config = settings.PAYMENTS_WECHATPAY
    try:
        valid = (
            payload["appid"] == config["APPID"]
            and payload["mchid"] == config["MCHID"]
            and isinstance(payload["amount"]["total"], int)
            and payload["amount"]["total"] > 0
            and payload["out_trade_no"]
            and payload["notify_url"].startswith(("http://", "https://"))
        )
    except (KeyError, TypeError):
        valid = False
    if not valid:
        return _wechatpay_answer(400, {"code": "PARAM_ERROR", "message": "参数错误"})
    trade = wechatpay.trade_open(payload, notify_url=payload["notify_url"])
    cashier = request.build_absolute_uri(reverse("payments-sandbox:wechatpay-cashier", args=[trade.trade_no]))
    return _wechatpay_answer(200, {"h5_url": f"{cashier}?prepay_id=wx{trade.trade_no}"})


def wechatpay_cashier(request: HttpRequest, trade_no: str) -> HttpResponse:
    trade = get_object_or_404(SandboxTrade, provider="wechatpay", trade_no=trade_no)
    if request.method == "POST":
        return _choice(request, trade, pay=wechatpay.trade_pay, back_to=request.POST.get("redirect_url", ""))
    return _cashier(request, trade, redirect_url=request.GET.get("redirect_url", ""))


def wechatpay_query(request: HttpRequest, out_trade_no: str) -> HttpResponse:
    if refused := _wechatpay_refused(request):
        return refused
    if request.GET.get("mchid") != settings.PAYMENTS_WECHATPAY["MCHID"]:
        return _wechatpay_answer(400, {"code": "PARAM_ERROR", "message": "mchid 不符"})
    return _wechatpay_answer(*wechatpay.trade_answer(out_trade_no))


@csrf_exempt
@require_POST
def wechatpay_refund(request: HttpRequest) -> HttpResponse:
    if refused := _wechatpay_refused(request):
        return refused
    payload = _json_body(request)
    if payload is None:
        return _wechatpay_answer(400, {"code": "PARAM_ERROR", "message": "参数错误"})
    return _wechatpay_answer(*wechatpay.refund_answer(payload))


def wechatpay_tradebill(request: HttpRequest) -> HttpResponse:
    if refused := _wechatpay_refused(request):
        return refused
    try:
        day = datetime.date.fromisoformat(request.GET.get("bill_date", ""))
    except ValueError:
        return _wechatpay_answer(400, {"code": "PARAM_ERROR", "message": "bill_date 无效"})
    content = wechatpay.tradebill(day)
    base = settings.PAYMENTS_WECHATPAY["API_URL"].rstrip("/")
    return _wechatpay_answer(
        200,
        {
            "hash_type": "SHA1",
            "hash_value": hashlib.sha1(content).hexdigest(),  # noqa: S324 (WeChat Pay's choice)
            "download_url": f"{base}/v3/billdownload/file?{urlencode({'bill_date': day.isoformat()})}",
        },
    )


def wechatpay_billdownload(request: HttpRequest) -> HttpResponse:
    if refused := _wechatpay_refused(request):
        return refused
    try:
        day = datetime.date.fromisoformat(request.GET.get("bill_date", ""))
    except ValueError:
        raise Http404 from None
    return HttpResponse(wechatpay.tradebill(day), content_type="text/plain; charset=utf-8")


# --- UnionPay -------------------------------------------------------------------------------------


@csrf_exempt  # The payer's browser posts the merchant's signed form here (frontTransReq).
@require_POST
def unionpay_front(request: HttpRequest) -> HttpResponse:
    params = request.POST.dict()
    if (
        params.get("txnType") != "01"
        or not unionpay.request_is_signed(params)
        or not params.get("txnAmt", "").isdigit()
    ):
        return HttpResponseBadRequest("沙箱：请求签名无效 (SANDBOX: invalid signature)".encode())
    return _cashier(request, unionpay.trade_open(params))


@require_POST
def unionpay_cashier_decide(request: HttpRequest, trade_no: str) -> HttpResponse:
    trade = get_object_or_404(SandboxTrade, provider="unionpay", trade_no=trade_no)
    return _choice(request, trade, pay=unionpay.trade_pay, back_to=trade.return_url)


@csrf_exempt  # Server to server, authenticated by the request signature.
@require_POST
def unionpay_back(request: HttpRequest, endpoint: str) -> HttpResponse:
    if endpoint not in ("backTransReq", "queryTrans", "fileTransReq"):
        raise Http404
    answer = unionpay.back_answer(endpoint, request.POST.dict())
    return HttpResponse(answer, content_type="text/plain; charset=utf-8")
