"""Webhooks (事件通知): what a partner subscribed to, the events we publish, and every
delivery with its attempts.

An event is written in the transaction of the change it reports
(:func:`partners.events.event_publish`), with one :class:`WebhookDelivery` per
matching subscription: the deliveries are the outbox. The relay task posts
them after commit; the beat sweeper posts whatever the relay missed.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.audit_records import AuditRecord
from common.crypto import EncryptedTextField

from .onboarding import Partner

__all__ = [
    "DeliveryStatus",
    "WebhookDelivery",
    "WebhookDeliveryAttempt",
    "WebhookEvent",
    "WebhookEventType",
    "WebhookResourceSequence",
    "WebhookSubscription",
]


class WebhookEventType(models.TextChoices):
    APPLICATION_STATUS_CHANGED = "application.status_changed", _("办件状态变更")
    CERTIFICATE_ISSUED = "certificate.issued", _("证照签发")
    CERTIFICATE_REVOKED = "certificate.revoked", _("证照吊销")
    PAYMENT_SUCCEEDED = "payment.succeeded", _("缴费成功")
    PAYMENT_REFUNDED = "payment.refunded", _("退款成功")


class WebhookSubscription(models.Model):
    """A partner's endpoint and the event types it wants.

    The signing ``secret`` is shown to the partner in its space. After a
    rotation the ``previous_secret`` still signs deliveries until
    ``previous_secret_expires_at`` (the ``Tongban-Signature`` header then
    carries two ``v1=`` values), so the partner can switch without losing one.
    """

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="webhook_subscriptions", verbose_name=_("合作方")
    )
    url = models.URLField(_("接收地址"), max_length=500)
    event_types = models.JSONField(_("事件类型"), default=list)
    secret = EncryptedTextField(_("签名密钥"))
    previous_secret = EncryptedTextField(_("上一签名密钥"), blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(_("上一密钥停用时间"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("事件订阅")
        verbose_name_plural = _("事件订阅")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["partner", "is_active"])]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.url}"

    def signing_secrets(self, now=None) -> list[str]:
        """The secrets that sign a delivery now: the current one, then the previous one during the overlap."""
        now = now or timezone.now()
        secrets = [self.secret]
        if self.previous_secret and self.previous_secret_expires_at and self.previous_secret_expires_at > now:
            secrets.append(self.previous_secret)
        return secrets


class WebhookResourceSequence(models.Model):
    """The last sequence number given to an event about one resource (a counter row)."""

    resource_type = models.CharField(max_length=40)
    resource_id = models.CharField(max_length=100)
    last_sequence = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("事件序号")
        verbose_name_plural = _("事件序号")
        constraints = [
            models.UniqueConstraint(fields=["resource_type", "resource_id"], name="partners_webhook_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.resource_type}:{self.resource_id} #{self.last_sequence}"


class WebhookEvent(models.Model):
    """One published event. Append-only; its ``id`` is what receivers deduplicate on, and
    ``sequence`` orders the events about one resource (receivers may get them out of order)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(_("事件类型"), max_length=40, choices=WebhookEventType.choices)
    resource_type = models.CharField(_("资源类型"), max_length=40)
    resource_id = models.CharField(_("资源编号"), max_length=100)
    sequence = models.PositiveBigIntegerField(_("序号"))
    data = models.JSONField(_("数据"), default=dict)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    audit_record = AuditRecord()

    class Meta:
        verbose_name = _("事件")
        verbose_name_plural = _("事件")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["resource_type", "resource_id", "sequence"], name="partners_webhook_event_sequence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.resource_type}:{self.resource_id} #{self.sequence}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待投递")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("投递失败")


class WebhookDelivery(models.Model):
    """One event for one subscription: the outbox row the relay posts.

    ``next_attempt_at`` is both the back-off and the lease: a worker that takes
    the row moves it ahead by ``WEBHOOK_ATTEMPT_LEASE_SECONDS`` before posting,
    so no other worker posts it meanwhile. ``subject`` is the resident's pairwise
    identifier for the consenting client (empty when there is none).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(WebhookEvent, on_delete=models.PROTECT, related_name="deliveries")
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="webhook_deliveries")
    subject = models.CharField(_("用户标识"), max_length=64, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=timezone.now)
    last_status_code = models.PositiveSmallIntegerField(_("最近响应码"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    failed_at = models.DateTimeField(_("失败时间"), null=True, blank=True)
    replay_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replays", verbose_name=_("重投自")
    )
    replayed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("通知投递")
        verbose_name_plural = _("通知投递")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["partner", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.subscription_id} {self.status}"


class WebhookDeliveryAttempt(models.Model):
    """One POST of a delivery: the response code or the error, and how long it took.
    Only a short excerpt of the response body is kept."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts_log")
    number = models.PositiveIntegerField(_("第几次"))
    started_at = models.DateTimeField(_("开始时间"))
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), default=0)
    status_code = models.PositiveSmallIntegerField(_("响应码"), null=True, blank=True)
    error = models.CharField(_("错误"), max_length=300, blank=True)
    response_excerpt = models.CharField(_("响应摘录"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("投递尝试")
        verbose_name_plural = _("投递尝试")
        ordering = ["started_at", "pk"]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number} {self.status_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
