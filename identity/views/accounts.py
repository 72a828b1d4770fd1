"""Registration and sign-in pages. Thin: the work happens in identity.services."""

from http import HTTPStatus

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token

from common.exceptions import ApplicationError
from common.views import error_response

from ..backends import MODEL_BACKEND
from ..constants import SmsPurpose
from ..forms import PasswordLoginForm, RegisterForm, SendSmsCodeForm, SmsLoginForm, TotpForm
from ..security import client_ip
from ..services.accounts import resident_register, sms_code_consume, sms_code_send

User = get_user_model()
PENDING_2FA_KEY = "identity_pending_2fa_user"
# The number a code was just sent to, for the page that asked: kept in the
# session, never in the redirect's query string (URLs reach access logs,
# browser history and Referer headers).
PENDING_MOBILE_KEY = "identity_pending_mobile"
# One message for every failed sign-in, whatever failed, so answers never tell
# whether an account exists.
LOGIN_FAILED = gettext_lazy("手机号码/用户名或密码错误。")


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("portal:home")


def _has_totp(user) -> bool:
    return user.totpdevice_set.filter(confirmed=True).exists()


def _finish_login(request: HttpRequest, user, *, otp_device=None) -> HttpResponse:
    login(request, user, backend=MODEL_BACKEND)
    if otp_device is not None:
        otp_login(request, otp_device)
    messages.success(request, _("登录成功。"))
    return redirect(_next_url(request))


def locked_out(request, response=None, credentials=None, *args, **kwargs) -> HttpResponse:
    """django-axes' lockout answer: the same page and status for every locked username."""
    form = PasswordLoginForm(request.POST or None)
    return render(
        request,
        "identity/login.html",
        {"form": form, "locked": True, "next": _next_url(request)},
        status=429,
    )


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_password(request: HttpRequest) -> HttpResponse:
    form = PasswordLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request, username=form.cleaned_data["username"].strip(), password=form.cleaned_data["password"]
        )
        if user is not None:
            if _has_totp(user):
                request.session.cycle_key()
                request.session[PENDING_2FA_KEY] = user.pk
                return redirect(reverse("identity:login_totp") + f"?next={_next_url(request)}")
            return _finish_login(request, user)
        form.add_error(None, LOGIN_FAILED)
    status = 400 if request.method == "POST" else 200
    return render(request, "identity/login.html", {"form": form, "next": _next_url(request)}, status=status)


@require_http_methods(["GET", "POST"])
def login_totp(request: HttpRequest) -> HttpResponse:
    """Second step for accounts with TOTP turned on."""
    user = User.objects.filter(pk=request.session.get(PENDING_2FA_KEY), is_active=True).first()
    if user is None:
        return redirect("identity:login")
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"])
        if device is not None:
            del request.session[PENDING_2FA_KEY]
            return _finish_login(request, user, otp_device=device)
        user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
        form.add_error("token", _("动态验证码不正确。"))
    return render(request, "identity/login_totp.html", {"form": form, "next": _next_url(request)})


@require_http_methods(["GET", "POST"])
def login_sms(request: HttpRequest) -> HttpResponse:
    form = SmsLoginForm(request.POST or None, initial={"mobile": request.session.get(PENDING_MOBILE_KEY, "")})
    if request.method == "POST" and form.is_valid():
        mobile = form.cleaned_data["mobile"]
        credentials = {"username": mobile}
        if AxesProxyHandler.is_locked(request, credentials):
            return locked_out(request)
        user = User.objects.filter(mobile=mobile, is_active=True).first()
        code_ok = sms_code_consume(mobile=mobile, purpose=SmsPurpose.LOGIN, code=form.cleaned_data["sms_code"])
        if user is not None and code_ok:
            request.session.pop(PENDING_MOBILE_KEY, None)
            if _has_totp(user):
                request.session.cycle_key()
                request.session[PENDING_2FA_KEY] = user.pk
                return redirect(reverse("identity:login_totp") + f"?next={_next_url(request)}")
            return _finish_login(request, user)
        # Counted by django-axes like a wrong password.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        form.add_error(None, _("手机号码或短信验证码错误。"))
    status = 400 if request.method == "POST" else 200
    return render(request, "identity/login_sms.html", {"form": form, "next": _next_url(request)}, status=status)


@require_POST
def send_sms_code(request: HttpRequest) -> HttpResponse:
    """Send a code, then go back to the page that asked, with the number filled
    in from the session (never from the URL)."""
    form = SendSmsCodeForm(request.POST)
    back = {
        SmsPurpose.REGISTER: "identity:register",
        SmsPurpose.LOGIN: "identity:login_sms",
    }.get(request.POST.get("purpose"), "identity:login_sms")
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("mobile", [_("请输入11位中国大陆手机号码。")])))
        return redirect(back)
    request.session[PENDING_MOBILE_KEY] = form.cleaned_data["mobile"]
    try:
        sms_code_send(
            mobile=form.cleaned_data["mobile"], purpose=form.cleaned_data["purpose"], client_ip=client_ip(request)
        )
    except ApplicationError as exc:
        if exc.status == HTTPStatus.SERVICE_UNAVAILABLE:
            # Our outage, not the resident's doing: say so with its own status.
            return error_response(request, exc.status, exc.code, exc.message)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("验证码已发送，10分钟内有效。"))
    return redirect(back)


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST or None, initial={"mobile": request.session.get(PENDING_MOBILE_KEY, "")})
    if request.method == "POST" and form.is_valid():
        try:
            user = resident_register(
                mobile=form.cleaned_data["mobile"],
                sms_code=form.cleaned_data["sms_code"],
                password=form.cleaned_data["password1"],
            )
        except ApplicationError as exc:
            field = {"sms_code_invalid": "sms_code", "weak_password": "password1"}.get(exc.code)
            form.add_error(field, exc.message)
        else:
            request.session.pop(PENDING_MOBILE_KEY, None)
            login(request, user, backend=MODEL_BACKEND)
            messages.success(request, _("注册成功。完成实名认证后即可办理更多事项。"))
            return redirect("identity:verify")
    status = 400 if request.method == "POST" else 200
    return render(request, "identity/register.html", {"form": form}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("您已安全退出。"))
    return redirect("portal:home")
