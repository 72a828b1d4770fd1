"""The admin site: every page needs a password *and* a verified TOTP device."""

from typing import ClassVar

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite
from django_otp.plugins.otp_totp.models import TOTPDevice


class OfficialLoginForm(OTPAdminAuthenticationForm):
    """django-otp's admin login, without making an official pick a device from a
    list when they have exactly one authenticator (the usual case): that device
    is the one checked. With several devices the explicit choice stays required,
    so unrelated devices are never tried and throttled (django-otp's reason).

    django-otp renders the password back into the page (``value="…"``) once the
    password was right and only the code is missing; that puts the official's
    password in the HTML, the browser's cache and any proxy that keeps pages.
    Here the password is never rendered: the official types it again.
    django-otp ships no Chinese, so its messages are ours, in gettext.
    """

    otp_error_messages: ClassVar[dict] = {
        "token_required": _("请输入动态验证码。"),
        "challenge_exception": _("无法生成挑战码：{0}"),
        "not_interactive": _("所选验证设备不支持挑战码。"),
        "challenge_message": _("挑战码：{0}"),
        "invalid_token": _("动态验证码不正确，请核对后重新输入。"),
        "n_failed_attempts": ngettext_lazy(
            "动态验证码已连续错误%(failure_count)d次，验证暂时停用，请稍后再试。",
            "动态验证码已连续错误%(failure_count)d次，验证暂时停用，请稍后再试。",
            "failure_count",
        ),
        "verification_not_allowed": _("动态验证暂时停用，请稍后再试。"),
        "device_required": _("请选择验证设备。"),
    }

    def _chosen_device(self, user):
        device = super()._chosen_device(user)
        if device is None and not self.cleaned_data.get("otp_device"):
            devices = list(TOTPDevice.objects.devices_for_user(user, confirmed=True)[:2])
            if len(devices) == 1:
                return devices[0]
        return device

    def _update_form(self, user):
        super()._update_form(user)
        self.fields["password"].widget.render_value = False


class TongbanAdminSite(OTPAdminSite):
    site_header = _("通办 工作人员后台")
    site_title = _("通办 工作人员后台")
    index_title = _("办件与目录管理")
    login_form = OfficialLoginForm
    # django-otp's template with its English-only labels translated.
    login_template = "admin/otp_login.html"
