from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """The one account model for residents, enterprise representatives, agents
    and officials. Defined from the first migration so identity work never has
    to swap ``AUTH_USER_MODEL``.

    Residents sign in with their mobile number; officials are staff users.
    """

    mobile = models.CharField(_("手机号码"), max_length=20, unique=True, null=True, blank=True)
    display_name = models.CharField(_("显示名称"), max_length=100, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.display_name or self.username


# --- OAuth2 partner scopes ---
class PartnerScopeGrant(models.Model):
    """The scopes one OAuth2 application (a partner system) may ask for.

    An application without a row here may ask for no scope at all: partners
    are granted scopes deliberately, one by one, by an official.
    """

    application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="partner_scope_grant",
        verbose_name=_("应用"),
    )
    allowed_scopes = models.TextField(_("允许的权限范围"), blank=True, help_text=_("以空格分隔，例如 openid profile"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("合作方权限范围")
        verbose_name_plural = _("合作方权限范围")

    def __str__(self) -> str:
        return str(self.application)

    @property
    def scopes(self) -> list[str]:
        return self.allowed_scopes.split()
