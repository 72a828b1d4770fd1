import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .constants import Channel, OutboxStatus


class OutboxMessage(models.Model):
    """One message to deliver, written in the same transaction as the change
    that caused it (the transactional outbox).

    The relay task delivers it after commit; the beat sweeper delivers whatever
    the relay missed (Redis down at commit, a crashed worker). Inbox messages
    are written in the row's own transaction (exactly once). For an outside
    provider the attempt is recorded (``attempt_started_at``, ``provider_id``:
    the provider-side id, Aliyun's ``OutId``) and committed before the provider
    is called; an attempt whose outcome is unknown is looked up at the provider
    before anything is sent again, so each row sends at most one message.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="outbox_messages"
    )
    address = models.CharField(_("地址"), max_length=254, blank=True, help_text=_("手机号码或邮箱；站内消息为空"))
    template = models.CharField(_("模板"), max_length=100)
    context = models.JSONField(_("参数"), default=dict, blank=True)
    language = models.CharField(_("语言"), max_length=10, default="zh-hans")
    status = models.CharField(_("状态"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=timezone.now)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    delivered_at = models.DateTimeField(_("投递时间"), null=True, blank=True)
    attempt_started_at = models.DateTimeField(
        _("本次尝试开始"), null=True, blank=True, help_text=_("已调用外部服务商、结果未确认的尝试")
    )
    provider_id = models.CharField(_("服务商侧编号"), max_length=64, blank=True, help_text=_("如阿里云短信的OutId"))

    class Meta:
        verbose_name = _("待发消息")
        verbose_name_plural = _("消息发件箱")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.channel}:{self.template} {self.status}"


class InboxMessage(models.Model):
    """A message in the resident's portal inbox (消息)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_messages")
    # The outbox row it came from: a redelivered row cannot create a second message.
    outbox_id = models.UUIDField(unique=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    link = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """Which extra channels a user opted into; the inbox is always on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    sms = models.BooleanField(_("短信通知"), default=True)
    email = models.BooleanField(_("邮件通知"), default=False)

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")

    def __str__(self) -> str:
        return str(self.user_id)


class MessageTemplate(models.Model):
    """A message text officials may edit; falls back to the built-in text in
    ``notifications/templates.py`` when there is no row for a key and language."""

    key = models.CharField(_("模板键"), max_length=100)
    language = models.CharField(_("语言"), max_length=10, choices=settings.LANGUAGES)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), help_text=_("Django模板语法，例如 {{ case_number }}"))

    class Meta:
        verbose_name = _("消息模板")
        verbose_name_plural = _("消息模板")
        constraints = [models.UniqueConstraint(fields=["key", "language"], name="unique_template_per_language")]

    def __str__(self) -> str:
        return f"{self.key} ({self.language})"
