"""The admin site: every page needs a password *and* a verified TOTP device."""

from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite
from django_otp.plugins.otp_totp.models import TOTPDevice


class OfficialLoginForm(OTPAdminAuthenticationForm):
    """django-otp's admin login, without making an official pick a device from a
    list when they have exactly one authenticator (the usual case): that device
    is the one checked. With several devices the explicit choice stays required,
    so unrelated devices are never tried and throttled (django-otp's reason).
    """

    def _chosen_device(self, user):
        device = super()._chosen_device(user)
        if device is None and not self.cleaned_data.get("otp_device"):
            devices = list(TOTPDevice.objects.devices_for_user(user, confirmed=True)[:2])
            if len(devices) == 1:
                return devices[0]
        return device


class TongbanAdminSite(OTPAdminSite):
    site_header = _("通办 工作人员后台")
    site_title = _("通办 工作人员后台")
    index_title = _("办件与目录管理")
    login_form = OfficialLoginForm
