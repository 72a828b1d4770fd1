"""Electronic supervision (电子监察): cards for cases close to or past their promised
deadline, their recorded handling, and the weekly digests sent to department heads."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.triggers import append_only
from common.audit_records import AuditRecord

from .constants import CardStatus, Colour, Role


class SupervisionCard(models.Model):
    """A yellow or red card on a case, in its department's supervisor queue.

    One card per case, colour and deadline (a database constraint): the red card for a
    missed deadline is issued once however often, or however concurrently, the task runs.
    A deadline that moves (the clock resumed after a supplement request, or officials
    corrected the calendar) is a new deadline, measured afresh.
    """

    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="supervision_cards", verbose_name=_("办件")
    )
    colour = models.CharField(_("类别"), max_length=10, choices=Colour.choices)
    department = models.ForeignKey(
        "services.Department", on_delete=models.PROTECT, related_name="supervision_cards", verbose_name=_("承办部门")
    )
    # The official who last acted on the case (from its transitions), else the one who
    # claimed it; empty when nobody has touched it yet.
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervision_cards",
        verbose_name=_("责任人"),
    )
    deadline = models.DateField(_("承诺期限"))
    # Working days from the measuring day to the deadline at issue: >= 0 remaining (yellow),
    # < 0 late (red). The measuring day is today, or the day the clock paused for a supplement.
    working_days_at_issue = models.SmallIntegerField(_("签发时剩余工作日"))
    status = models.CharField(_("状态"), max_length=20, choices=CardStatus.choices, default=CardStatus.OPEN)
    note = models.TextField(_("部门说明"), blank=True)
    issued_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("说明时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("监察督办单")
        verbose_name_plural = _("监察督办单")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["application", "colour", "deadline"], name="unique_supervision_card"),
        ]
        indexes = [
            models.Index(fields=["department", "status", "-issued_at"], name="supervision_card_queue_idx"),
            models.Index(fields=["status", "application"], name="supervision_card_status_idx"),
        ]
        permissions = [
            ("supervise_department", _("可督办本部门办件（电子监察）")),
            ("head_of_department", _("部门负责人（接收电子监察周报）")),
        ]

    def __str__(self) -> str:
        return f"{self.get_colour_display()} {self.application_id} {self.deadline}"

    @property
    def working_days_late_at_issue(self) -> int:
        return max(-self.working_days_at_issue, 0)


class CardTransition(models.Model):
    """One recorded card change: who, when, from, to, why. Append-only; the issue is the first row."""

    card = models.ForeignKey(SupervisionCard, on_delete=models.CASCADE, related_name="transitions")
    # Empty for the row that records the issue.
    from_status = models.CharField(_("原状态"), max_length=20, choices=CardStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=CardStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    comment = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    audit_record = AuditRecord(actor_field="actor_id")

    class Meta:
        verbose_name = _("督办记录")
        verbose_name_plural = _("督办记录")
        ordering = ["created_at", "pk"]
        # Append-only, whoever asks (audit/triggers.py); the app role is also denied the privileges.
        triggers = append_only()

    def __str__(self) -> str:
        return f"{self.card_id}: {self.from_status} → {self.to_status}"


class WeeklyDigest(models.Model):
    """A weekly digest sent to a department's heads: one per department and ISO week."""

    department = models.ForeignKey(
        "services.Department", on_delete=models.PROTECT, related_name="supervision_digests", verbose_name=_("部门")
    )
    week_start = models.DateField(_("周起始日"))  # the Monday of the ISO week reported
    figures = models.JSONField(_("统计数据"), default=dict)
    recipients = models.PositiveSmallIntegerField(_("收件人数"), default=0)
    sent_at = models.DateTimeField(_("发送时间"), default=timezone.now)

    class Meta:
        verbose_name = _("电子监察周报")
        verbose_name_plural = _("电子监察周报")
        ordering = ["-week_start", "department"]
        constraints = [
            models.UniqueConstraint(fields=["department", "week_start"], name="unique_weekly_digest"),
        ]

    def __str__(self) -> str:
        year, week, _day = self.week_start.isocalendar()
        return f"{self.department_id} {year}-W{week:02d}"
