"""Partners (合作方): an enterprise that applied to use the partner API, its approved
scopes, its own OAuth2 clients, and the record of every change."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.audit_records import AuditRecord
from common.models import TimeStampedModel


class PartnerStatus(models.TextChoices):
    APPLIED = "applied", _("待审核")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未通过")
    SUSPENDED = "suspended", _("已暂停")


class Partner(TimeStampedModel):
    """An enterprise that applied to become a partner (合作方).

    From the day it applies it may register **sandbox** clients, which reach only
    the sandbox providers and the documented test personas. Production clients
    need an official's approval, and they may ask for the ``approved_scopes``
    only, a subset of what the partner asked for.
    """

    enterprise = models.OneToOneField(
        "identity.Enterprise", on_delete=models.PROTECT, related_name="partner", verbose_name=_("企业")
    )
    purpose = models.TextField(_("接入用途"), max_length=2000)
    contact_name = models.CharField(_("联系人"), max_length=100)
    contact_mobile = models.CharField(_("联系电话"), max_length=20)
    contact_email = models.EmailField(_("联系邮箱"))
    requested_scopes = models.TextField(_("申请的权限范围"), help_text=_("以空格分隔"))
    approved_scopes = models.TextField(_("批准的权限范围"), blank=True, help_text=_("以空格分隔；为申请范围的子集"))
    status = models.CharField(_("状态"), max_length=20, choices=PartnerStatus.choices, default=PartnerStatus.APPLIED)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_note = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("合作方")
        verbose_name_plural = _("合作方")
        indexes = [models.Index(fields=["status", "-created_at"])]

    def __str__(self) -> str:
        return self.enterprise.name

    @property
    def requested_scope_list(self) -> list[str]:
        return self.requested_scopes.split()

    @property
    def approved_scope_list(self) -> list[str]:
        return self.approved_scopes.split()

    @property
    def is_approved(self) -> bool:
        return self.status == PartnerStatus.APPROVED


class ClientEnvironment(models.TextChoices):
    SANDBOX = "sandbox", _("测试环境")
    PRODUCTION = "production", _("正式环境")


class PartnerClient(models.Model):
    """One OAuth2 client (django-oauth-toolkit ``Application``) a partner registered itself."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="clients", verbose_name=_("合作方"))
    application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="partner_client",
        verbose_name=_("应用"),
    )
    environment = models.CharField(_("环境"), max_length=20, choices=ClientEnvironment.choices)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("合作方应用")
        verbose_name_plural = _("合作方应用")

    def __str__(self) -> str:
        return f"{self.partner_id}:{self.application_id} ({self.environment})"


class PartnerEventAction(models.TextChoices):
    APPLIED = "applied", _("提交接入申请")
    APPROVED = "approved", _("批准接入")
    REJECTED = "rejected", _("驳回接入申请")
    SUSPENDED = "suspended", _("暂停接入")
    SCOPES_CHANGED = "scopes_changed", _("调整权限范围")
    CLIENT_CREATED = "client_created", _("创建应用")
    REDIRECT_URIS_CHANGED = "redirect_uris_changed", _("修改回调地址")
    SECRET_ROTATED = "secret_rotated", _("轮换客户端密钥")
    KEY_ADDED = "key_added", _("添加公钥")
    KEY_REVOKED = "key_revoked", _("停用公钥")
    AUTH_METHOD_CHANGED = "auth_method_changed", _("更改客户端认证方式")
    WEBHOOK_SUBSCRIBED = "webhook_subscribed", _("订阅事件通知")
    WEBHOOK_CHANGED = "webhook_changed", _("修改事件订阅")
    WEBHOOK_SECRET_ROTATED = "webhook_secret_rotated", _("轮换通知签名密钥")
    DELIVERY_REPLAYED = "delivery_replayed", _("重新投递通知")


class PartnerEvent(models.Model):
    """Append-only record of every change to a partner, its clients and its webhooks.

    ``summary`` never holds a secret: a rotated secret is recorded as rotated.
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="events", verbose_name=_("合作方"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    action = models.CharField(_("操作"), max_length=40, choices=PartnerEventAction.choices)
    summary = models.CharField(_("摘要"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    audit_record = AuditRecord()

    class Meta:
        verbose_name = _("合作方操作记录")
        verbose_name_plural = _("合作方操作记录")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["partner", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.action}"
