"""Security settings: password, TOTP, signed-in sessions."""

import segno
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from ..forms import TotpForm
from ..models import UserSession
from ..services.accounts import session_end, sessions_end_all, totp_device_start


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    sessions = UserSession.objects.filter(user=request.user, ended_at__isnull=True).order_by("-last_seen_at")
    return render(
        request,
        "identity/security.html",
        {
            "sessions": sessions,
            "current_session_key": request.session.session_key,
            "has_totp": request.user.totpdevice_set.filter(confirmed=True).exists(),
        },
    )


@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
def change_password(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        ended = sessions_end_all(user=user, keep_session_key=request.session.session_key)
        messages.success(request, _("密码已修改，其他%(count)d个设备已退出登录。") % {"count": ended})
        return redirect("identity:security")
    return render(request, "identity/change_password.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def totp_setup(request: HttpRequest) -> HttpResponse:
    """Turn on TOTP. The GET creates nothing: it offers “生成二维码” (a POST that makes the device),
    and once a device awaits confirmation it shows its QR code and asks for one code."""
    if request.user.totpdevice_set.filter(confirmed=True).exists():
        messages.info(request, _("您已开启动态验证码。"))
        return redirect("identity:security")
    if request.method == "POST" and request.POST.get("action") == "start":
        totp_device_start(user=request.user)
        return redirect("identity:totp_setup")
    device = request.user.totpdevice_set.filter(confirmed=False).order_by("pk").first()
    if device is None:
        return render(request, "identity/totp_setup.html", {"device": None})
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, _("已开启动态验证码，下次登录时需要输入。"))
            return redirect("identity:security")
        form.add_error("token", _("动态验证码不正确，请确认手机时间准确后重试。"))
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, title=_("身份验证器二维码"))
    return render(request, "identity/totp_setup.html", {"form": form, "qr_svg": qr_svg, "device": device})


@login_required
@require_POST
def end_session(request: HttpRequest, session_id: int) -> HttpResponse:
    record = get_object_or_404(UserSession, pk=session_id, user=request.user, ended_at__isnull=True)
    session_end(record=record)
    messages.success(request, _("已结束该设备的登录。"))
    if record.session_key == request.session.session_key:
        return redirect("portal:home")
    return redirect("identity:security")
