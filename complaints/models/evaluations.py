from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.triggers import append_only
from common.audit_records import AuditRecord

from ..constants import FollowUpStatus, Level, Role, Stage


class Evaluation(models.Model):
    """A resident's rating of a case (好差评), one per case and stage.

    The rater may change it within ``EVALUATION_EDIT_WINDOW_HOURS``; then it is
    frozen. ``excluded`` is set when a supervisor upholds the department's
    appeal: the rating stays on record but leaves the public figures.
    """

    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="evaluations", verbose_name=_("办件")
    )
    stage = models.CharField(_("评价环节"), max_length=20, choices=Stage.choices)
    level = models.PositiveSmallIntegerField(_("评价等级"), choices=Level.choices)
    tags = models.JSONField(_("评价标签"), default=list, blank=True)
    comment = models.CharField(_("评价内容"), max_length=500, blank=True)
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("评价人")
    )
    excluded = models.BooleanField(_("不计入统计"), default=False)
    created_at = models.DateTimeField(_("评价时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    class Meta:
        verbose_name = _("好差评")
        verbose_name_plural = _("好差评")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["application", "stage"], name="unique_evaluation_per_stage"),
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5), name="evaluation_level_range"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.stage}: {self.level}"

    @property
    def is_bad(self) -> bool:
        return self.level >= Level.DISSATISFIED


class FollowUp(models.Model):
    """The follow-up of a bad rating (差评整改), worked by the service item's department."""

    evaluation = models.OneToOneField(
        Evaluation, on_delete=models.CASCADE, related_name="followup", verbose_name=_("评价")
    )
    department = models.ForeignKey(
        "services.Department", on_delete=models.PROTECT, related_name="followups", verbose_name=_("责任部门")
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=FollowUpStatus.choices, default=FollowUpStatus.OPENED, db_index=True
    )
    due_date = models.DateField(_("整改期限"))
    due_provisional = models.BooleanField(_("期限待定"), default=False)
    rectification_note = models.TextField(_("整改情况"), blank=True)
    result_note = models.TextField(_("处理结果"), blank=True)
    opened_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("差评整改")
        verbose_name_plural = _("差评整改")
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["department", "status", "due_date"], name="followup_queue_idx")]
        permissions = [
            ("handle_followup", _("可处理本部门差评整改")),
            ("decide_appeal", _("可裁定差评申诉")),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation.application} {self.get_status_display()}"


class FollowUpCallback(models.Model):
    """One callback to the resident (回访): who called, when, what was said. Append-only."""

    followup = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="callbacks")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("回访记录"))
    created_at = models.DateTimeField(_("回访时间"), default=timezone.now)

    audit_record = AuditRecord(actor_field="actor_id")

    class Meta:
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")
        ordering = ["created_at", "pk"]
        # Append-only, whoever asks (audit/triggers.py); the app role is also denied the privileges.
        triggers = append_only()

    def __str__(self) -> str:
        return f"{self.followup_id} {self.created_at:%Y-%m-%d}"


class FollowUpTransition(models.Model):
    """One recorded follow-up status change: who, when, from, to, why. Append-only."""

    followup = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="transitions")
    # Empty for the row that records the opening.
    from_status = models.CharField(_("原状态"), max_length=20, choices=FollowUpStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=FollowUpStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    comment = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    audit_record = AuditRecord(actor_field="actor_id")

    class Meta:
        verbose_name = _("整改记录")
        verbose_name_plural = _("整改记录")
        ordering = ["created_at", "pk"]
        # Append-only, whoever asks (audit/triggers.py); the app role is also denied the privileges.
        triggers = append_only()

    def __str__(self) -> str:
        return f"{self.followup_id}: {self.from_status} → {self.to_status}"
