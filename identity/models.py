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
