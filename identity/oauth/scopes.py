"""OAuth2 scopes: what each means to a resident, and which an application may ask for."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from oauth2_provider.scopes import BaseScopes

from identity.models import PartnerScopeGrant

# Shown on the consent page. Every scope in OAUTH2_PROVIDER["SCOPES"] has one
# (a test checks it); the settings keep the English technical description.
SCOPE_DESCRIPTIONS = {
    "openid": _("使用通办账号登录"),
    "profile": _("查看您的姓名"),
    "phone": _("查看您的手机号码"),
    "catalogue:read": _("查询政务服务事项目录"),
    "applications:read": _("查看您的办件"),
    "applications:write": _("代您提交和修改办件"),
    "certificates:verify": _("核验电子证照"),
    "payments:read": _("查看缴费订单"),
    "payments:write": _("代您发起缴费"),
    "eid:verify": _("核验居民身份电子凭证"),
    "eid:verify:detail": _("核验居民身份电子凭证时获得认证等级和认证时间"),
    "webhooks:manage": _("查看事件通知投递记录并重新投递"),
}


def all_scope_names() -> list[str]:
    return list(settings.OAUTH2_PROVIDER["SCOPES"])


class PartnerScopes(BaseScopes):
    """Scopes backend (``OAUTH2_PROVIDER["SCOPES_BACKEND_CLASS"]``).

    django-oauth-toolkit asks it three things:

    * ``get_all_scopes()``: every scope with its description, for the consent
      page and token introspection;
    * ``get_available_scopes(application=...)``: what ``application`` may ask
      for, checked on every authorization and token request. That is the
      application's ``identity.PartnerScopeGrant`` allow-list, and nothing if it
      has none. Without an application (the discovery document) it is every
      scope;
    * ``get_default_scopes(application=...)``: granted when a request names no
      scope. None: partners ask for what they need, explicitly.
    """

    def get_all_scopes(self) -> dict:
        return {name: SCOPE_DESCRIPTIONS.get(name, name) for name in all_scope_names()}

    def get_available_scopes(self, application=None, request=None, *args, **kwargs) -> list[str]:
        if application is None:
            return all_scope_names()
        allowed = (
            PartnerScopeGrant.objects.filter(application=application).values_list("allowed_scopes", flat=True).first()
        )
        if not allowed:
            return []
        known = set(all_scope_names())
        return [scope for scope in allowed.split() if scope in known]

    def get_default_scopes(self, application=None, request=None, *args, **kwargs) -> list[str]:
        return []
