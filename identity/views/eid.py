"""The resident's e-ID credential page (我的电子凭证)."""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ..models import EidVerification
from ..services.eid import eid_token_issue, eid_tokens_revoke_all


def _qr_svg(compact: str) -> str:
    return segno.make(compact, error="l").svg_inline(scale=3, title=_("居民身份电子凭证二维码"))


def _page(request: HttpRequest, *, compact: str | None = None, token=None) -> HttpResponse:
    log = EidVerification.objects.filter(user=request.user).order_by("-created_at")[:20]
    return render(
        request,
        "identity/eid.html",
        {"qr_svg": _qr_svg(compact) if compact else "", "token": token, "verifications": log},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def my_eid(request: HttpRequest) -> HttpResponse:
    """GET shows the card and the log but mints no token (prefetching, crawlers and the back button
    change nothing); static/js/eid.js then fetches a QR code by POST. Without JavaScript, the
    “显示二维码” button POSTs here and the answer is the page with a fresh QR code."""
    if not request.user.is_real_name_verified:
        messages.info(request, _("请先完成实名认证。"))
        return redirect("identity:verify")
    if request.method == "GET":
        return _page(request)
    compact, token = eid_token_issue(user=request.user)
    return _page(request, compact=compact, token=token)


@never_cache
@login_required
@require_POST
def new_token(request: HttpRequest) -> HttpResponse:
    """A fresh token as JSON, for the page's script (static/js/eid.js): on load and before expiry."""
    if not request.user.is_real_name_verified:
        return JsonResponse({"detail": _("请先完成实名认证。")}, status=403)
    compact, token = eid_token_issue(user=request.user)
    return JsonResponse({"svg": _qr_svg(compact), "expires_at": token.expires_at.isoformat()})


@login_required
@require_POST
def revoke_tokens(request: HttpRequest) -> HttpResponse:
    count = eid_tokens_revoke_all(user=request.user)
    messages.success(request, _("已作废%(count)d个未使用的电子凭证二维码。") % {"count": count})
    return redirect("identity:security")
