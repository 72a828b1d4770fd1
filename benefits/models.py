"""The yearly pension eligibility certification (养老资格认证): campaigns, the pensioners
imported into them, one certification task per pensioner and campaign, and what happens
to each task (transitions, face-check attempts, reminders, home visits).

No face image is ever stored here: a face-check attempt keeps only the id of the
identity app's ``FaceCheck`` (which itself keeps the provider's session id, the
decision and the score).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.triggers import append_only
from common.audit_records import AuditRecord
from common.crypto import EncryptedTextField
from common.models import TimeStampedModel
from common.storage import get_private_storage

from .constants import (
    ATTEMPT_REFERENCE_PREFIX,
    AttemptStatus,
    CampaignStatus,
    ExemptionReason,
    Path,
    PaymentStatus,
    ReminderKind,
    Role,
    TaskAction,
    TaskStatus,
    VisitStatus,
)


class Campaign(TimeStampedModel):
    """One yearly certification campaign for a region and a group of pensioners."""

    name = models.CharField(_("名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("年度"))
    region_code = models.CharField(_("地区代码"), max_length=12)
    region_name = models.CharField(_("地区"), max_length=50)
    group_description = models.CharField(_("认证人群"), max_length=200, help_text=_("如：企业退休人员"))
    window_start = models.DateField(_("认证开始日期"))
    window_end = models.DateField(_("认证截止日期"))
    status = models.CharField(
        _("状态"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT, db_index=True
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("开启人"),
    )
    opened_at = models.DateTimeField(_("开启时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("资格认证批次")
        verbose_name_plural = _("资格认证批次")
        ordering = ["-year", "region_code", "pk"]
        permissions = [
            ("open_campaign", _("可开启和结束资格认证批次")),
            ("import_beneficiaries", _("可导入待遇领取人员名单")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(window_end__gte=models.F("window_start")), name="campaign_window"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CampaignTransition(models.Model):
    """Append-only: a campaign opened or closed, by whom."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(_("原状态"), max_length=10, choices=CampaignStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=10, choices=CampaignStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    comment = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    audit_record = AuditRecord(actor_field="actor_id")

    class Meta:
        verbose_name = _("批次状态记录")
        verbose_name_plural = _("批次状态记录")
        ordering = ["created_at", "pk"]
        triggers = append_only()

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.from_status} → {self.to_status}"


class Beneficiary(TimeStampedModel):
    """A pensioner (待遇领取人员), as the social-security system knows them.

    The ID number is stored as ``identity.User`` stores it: encrypted, with a keyed digest
    for lookups and a masked form for screens. The portal account, if any, is found
    through the digest (a real-name verified user with the same number), never stored.
    """

    name = models.CharField(_("姓名"), max_length=50)
    id_number = EncryptedTextField(_("身份证号码（加密）"), editable=False)
    id_number_digest = models.CharField(_("身份证号码索引"), max_length=64, unique=True, editable=False)
    id_number_masked = models.CharField(_("身份证号码"), max_length=18, editable=False)
    mobile = models.CharField(_("手机号码"), max_length=20, blank=True)
    region_code = models.CharField(_("地区代码"), max_length=12, blank=True)
    pension_account = models.CharField(_("养老金账户"), max_length=40, db_index=True)

    class Meta:
        verbose_name = _("待遇领取人员")
        verbose_name_plural = _("待遇领取人员")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.name} {self.id_number_masked}"


class CertificationTask(TimeStampedModel):
    """One pensioner's certification in one campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("批次"))
    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("待遇领取人员")
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.PENDING, db_index=True
    )
    path = models.CharField(_("认证方式"), max_length=12, choices=Path.choices, blank=True)
    certified_at = models.DateTimeField(_("认证时间"), null=True, blank=True)
    certified_until = models.DateTimeField(_("认证有效期至"), null=True, blank=True)
    certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("认证办理人"),
        help_text=_("本人、代办亲属或记录认证的工作人员"),
    )
    payment_status = models.CharField(
        _("待遇发放"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.ACTIVE
    )
    failed_attempts = models.PositiveSmallIntegerField(_("刷脸未通过次数"), default=0)
    exemption_reason = models.CharField(_("豁免原因"), max_length=10, choices=ExemptionReason.choices, blank=True)
    exemption_note = models.TextField(_("豁免说明"), blank=True)
    exemption_proof = models.FileField(
        _("豁免证明"), upload_to="benefits/exemptions/%Y/%m/", storage=get_private_storage, blank=True
    )
    exemption_proof_type = models.CharField(max_length=50, blank=True, editable=False)

    class Meta:
        verbose_name = _("资格认证任务")
        verbose_name_plural = _("资格认证任务")
        ordering = ["pk"]
        permissions = [("handle_certification", _("可记录现场认证、上门认证，确认暂停发放或豁免"))]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "beneficiary"], name="one_task_per_campaign"),
        ]
        indexes = [models.Index(fields=["campaign", "status"])]

    def __str__(self) -> str:
        return f"{self.beneficiary} ({self.get_status_display()})"


class TaskTransition(models.Model):
    """Append-only: one step of a task, with who, when, from, to, path and why."""

    task = models.ForeignKey(CertificationTask, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(_("操作"), max_length=20, choices=TaskAction.choices)
    from_status = models.CharField(_("原状态"), max_length=10, choices=TaskStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=10, choices=TaskStatus.choices)
    path = models.CharField(_("认证方式"), max_length=12, choices=Path.choices, blank=True)
    payment_status = models.CharField(_("待遇发放"), max_length=10, choices=PaymentStatus.choices, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices)
    comment = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    audit_record = AuditRecord(actor_field="actor_id")

    class Meta:
        verbose_name = _("认证记录")
        verbose_name_plural = _("认证记录")
        ordering = ["created_at", "pk"]
        triggers = append_only()

    def __str__(self) -> str:
        return f"{self.task_id}: {self.action}"


class CertificationAttempt(TimeStampedModel):
    """One face check started to certify a task: by the pensioner or a family agent.

    ``face_check_id`` names the identity app's ``FaceCheck`` (which holds the consent, the
    decision and the score); nothing of the face itself is kept anywhere in this app.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    task = models.ForeignKey(CertificationTask, on_delete=models.CASCADE, related_name="attempts")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    path = models.CharField(_("认证方式"), max_length=12, choices=Path.choices)
    face_check_id = models.UUIDField(_("人脸核验编号"), null=True, blank=True, unique=True)
    status = models.CharField(_("结果"), max_length=10, choices=AttemptStatus.choices, default=AttemptStatus.STARTED)
    decision = models.CharField(_("核验结论"), max_length=20, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("刷脸认证尝试")
        verbose_name_plural = _("刷脸认证尝试")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.task_id} {self.status}"

    @property
    def reference(self) -> str:
        return f"{ATTEMPT_REFERENCE_PREFIX}{self.pk}"


class ReminderSent(models.Model):
    """A reminder sent for a task: at most one of each kind, written with the outbox rows."""

    task = models.ForeignKey(CertificationTask, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("提醒"), max_length=10, choices=ReminderKind.choices)
    sms = models.BooleanField(_("已发短信"), default=False)
    inbox = models.BooleanField(_("已发站内消息"), default=False)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("认证提醒")
        verbose_name_plural = _("认证提醒")
        constraints = [models.UniqueConstraint(fields=["task", "kind"], name="one_reminder_per_kind")]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.kind}"


class HomeVisitRequest(TimeStampedModel):
    """A pensioner (or their family) asks an official to come and certify them at home."""

    task = models.ForeignKey(CertificationTask, on_delete=models.CASCADE, related_name="visits")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("申请人"),
    )
    address = models.CharField(_("上门地址"), max_length=200)
    phone = models.CharField(_("联系电话"), max_length=20)
    preferred_time = models.CharField(_("方便的时间"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=15, choices=VisitStatus.choices, default=VisitStatus.REQUESTED, db_index=True
    )
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("上门人员"),
    )
    visited_at = models.DateTimeField(_("上门时间"), null=True, blank=True)
    outcome_note = models.TextField(_("上门情况"), blank=True)

    class Meta:
        verbose_name = _("上门认证申请")
        verbose_name_plural = _("上门认证名单")
        ordering = ["created_at", "pk"]
        constraints = [
            # One open request per task: asking twice changes nothing.
            models.UniqueConstraint(
                fields=["task"], condition=models.Q(status="requested"), name="one_open_visit_per_task"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.get_status_display()}"


class ServiceHall(models.Model):
    """A social-security service hall where pensioners may certify in person."""

    region_code = models.CharField(_("地区代码"), max_length=12, db_index=True)
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200)
    opening_hours = models.CharField(_("办公时间"), max_length=100, blank=True)
    phone = models.CharField(_("咨询电话"), max_length=30, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("社保服务大厅")
        verbose_name_plural = _("社保服务大厅")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name
