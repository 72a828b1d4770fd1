import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.triggers import append_only, track
from common.audit_records import AuditRecord
from common.models import ChoiceLabelsMixin, TimeStampedModel
from common.storage import get_private_storage

from .constants import MaterialSource, Role, ScanStatus, Status


class CalendarYear(TimeStampedModel):
    """A year whose public holidays and make-up workdays are known.

    Years come from the ``chinesecalendar`` package (2004–2026) or are entered
    by officials when the State Council publishes the next year's notice.
    Deadlines that reach into a year without a row are provisional.
    """

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(
        _("来源"), max_length=200, help_text=_("例如：国务院办公厅关于2027年部分节假日安排的通知")
    )

    class Meta:
        verbose_name = _("节假日年度")
        verbose_name_plural = _("节假日年度")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """An exception to the Monday–Friday week: a public holiday on a weekday,
    or a make-up workday (调休) on a weekend. Holidays falling on a weekend may
    be listed too; they change nothing."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("法定节假日")
        WORKDAY = "workday", _("调休工作日")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class DepartmentOfficial(models.Model):
    """Which department's queue an official works. An official sees only the
    cases of their departments, in every list, search, export and action."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="department_roles")
    department = models.ForeignKey("services.Department", on_delete=models.CASCADE, related_name="officials")

    class Meta:
        verbose_name = _("部门工作人员")
        verbose_name_plural = _("部门工作人员")
        constraints = [models.UniqueConstraint(fields=["user", "department"], name="unique_department_official")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.department}"


class CaseSequence(models.Model):
    """The last case number used per department and day."""

    department_code = models.CharField(max_length=40)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["department_code", "day"], name="unique_case_sequence")]

    def __str__(self) -> str:
        return f"{self.department_code}-{self.day:%Y%m%d}: {self.last}"


@track(verbose_name=_("办件变更历史"))
class Application(ChoiceLabelsMixin, models.Model):
    """An application (办件). Its case number is assigned at submission.

    It points at the service item *version* it was submitted under, so later
    versions never change the rules it is judged by. A bundle application (一件事)
    is a parent whose sub-cases, one per department, carry their own deadlines.
    """

    case_number = models.CharField(_("办件编号"), max_length=64, unique=True, null=True, blank=True)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications", verbose_name=_("申请人")
    )
    enterprise = models.ForeignKey(
        "identity.Enterprise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("申请企业"),
    )
    # The person the application is for: the applicant for their own, the grantor of a family
    # proxy (代办) when a proxy applies for them. Empty for an enterprise's application.
    principal_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications_for_me",
        verbose_name=_("办理对象"),
    )
    service_item = models.ForeignKey(
        "services.ServiceItem", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("事项")
    )
    service_version = models.ForeignKey(
        "services.ServiceItemVersion", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("事项版本")
    )
    bundle = models.ForeignKey(
        "services.Bundle", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("一件事")
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="sub_cases", verbose_name=_("主办件")
    )
    department = models.ForeignKey(
        "services.Department", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("承办部门")
    )
    status = models.CharField(_("状态"), max_length=30, choices=Status.choices, default=Status.DRAFT)
    form_data = models.JSONField(_("表单内容"), default=dict, blank=True)
    # For each prefilled field: {"source": "identity.name", "at": iso datetime, "locked": bool}.
    field_sources = models.JSONField(_("预填来源"), default=dict, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    statutory_deadline = models.DateField(_("法定期限"), null=True, blank=True)
    promised_deadline = models.DateField(_("承诺期限"), null=True, blank=True, db_index=True)
    deadline_provisional = models.BooleanField(_("期限待定"), default=False)
    paused_since = models.DateField(_("补正计时暂停自"), null=True, blank=True)
    paused_working_days = models.PositiveSmallIntegerField(_("暂停工作日"), default=0)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_applications",
        verbose_name=_("经办人员"),
    )
    flagged = models.CharField(_("预警"), max_length=20, blank=True, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["department", "status", "promised_deadline"], name="application_queue_idx"),
            # The admin list's "newest first" (admin_queue.NEWEST_FIRST) read in order, with or without
            # a status filter: sorting a department's thousands of cases took 27 ms at a million, this 1.7.
            models.Index(fields=["department", "-submitted_at", "-id"], name="application_newest_idx"),
            models.Index(fields=["applicant", "-created_at"], name="application_applicant_idx"),
            models.Index(fields=["principal_user", "-created_at"], name="application_principal_idx"),
            models.Index(fields=["status", "updated_at"], name="application_status_idx"),
        ]
        permissions = [("process_application", _("可办理本部门办件"))]

    def __str__(self) -> str:
        return self.case_number or f"draft-{self.pk}"

    @property
    def acted_for_someone(self) -> bool:
        """Made by a proxy for a person (代办), not by the person themself."""
        return self.principal_user_id is not None and self.principal_user_id != self.applicant_id

    @property
    def acted_on_behalf(self) -> bool:
        """Made by someone else for its principal: a family proxy for a person, or an agent (经办人)
        for an enterprise whose legal representative is someone else."""
        if self.enterprise_id is not None:
            return self.enterprise.legal_representative_id != self.applicant_id
        return self.acted_for_someone

    @property
    def principal_name(self) -> str:
        if self.enterprise_id is not None:
            return self.enterprise.name
        return self.principal_user.real_name if self.principal_user_id else ""


class Transition(models.Model):
    """One recorded status change: who, when, from, to, why. Append-only; the
    applicant's timeline is read from these rows."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(_("原状态"), max_length=30, choices=Status.choices)
    to_status = models.CharField(_("新状态"), max_length=30, choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    comment = models.TextField(_("意见"), blank=True)
    client_ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    audit_record = AuditRecord(actor_field="actor_id")

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["application", "created_at"])]
        triggers = append_only()

    def __str__(self) -> str:
        return f"{self.application_id}: {self.from_status} → {self.to_status}"


class SupplementRequest(models.Model):
    """What an official asked the applicant to add (补正), and when it was answered."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="supplement_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    message = models.TextField(_("补正要求"))
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    fulfilled_at = models.DateTimeField(_("补正时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("补正通知")
        verbose_name_plural = _("补正通知")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.created_at:%Y-%m-%d}"


def private_upload_path(instance, filename: str) -> str:
    """Generated names only: the resident's filename is kept as data, never as a path."""
    return f"applications/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class SubmittedMaterial(models.Model):
    """A material of an application: an uploaded file or an e-certificate from the wallet."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="materials")
    requirement = models.ForeignKey(
        "services.Material", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("材料要求")
    )
    supplement = models.ForeignKey(SupplementRequest, on_delete=models.SET_NULL, null=True, blank=True)
    source = models.CharField(_("来源"), max_length=20, choices=MaterialSource.choices)
    file = models.FileField(_("文件"), upload_to=private_upload_path, storage=get_private_storage, blank=True)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    content_type = models.CharField(_("类型"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("大小"), default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    scan_status = models.CharField(_("查毒"), max_length=20, choices=ScanStatus.choices, default=ScanStatus.PENDING)
    # The malware scan's attempts (retried with back-off, swept by beat; see applications/scanning.py).
    scan_attempts = models.PositiveSmallIntegerField(_("查毒尝试次数"), default=0)
    scan_checked_at = models.DateTimeField(_("最近查毒时间"), null=True, blank=True)
    scan_last_error = models.CharField(_("查毒最近错误"), max_length=300, blank=True)
    certificate_reference = models.CharField(_("电子证照"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["scan_status", "created_at"], name="material_scan_idx")]

    def __str__(self) -> str:
        return self.original_name or self.certificate_reference


class ResultDocument(models.Model):
    """A document the decision produced (licence, approval letter), for the applicant to download."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="results")
    name = models.CharField(_("名称"), max_length=200)
    file = models.FileField(_("文件"), upload_to=private_upload_path, storage=get_private_storage)
    content_type = models.CharField(max_length=100, default="application/pdf")
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("办理结果")
        verbose_name_plural = _("办理结果")

    def __str__(self) -> str:
        return self.name


class AccessAttempt(models.Model):
    """A resident asking for a case that is not theirs (answered 404), for audit. Append-only."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    case_number = models.CharField(max_length=64)
    client_ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    audit_record = AuditRecord(actor_field="user_id")

    class Meta:
        verbose_name = _("越权访问记录")
        verbose_name_plural = _("越权访问记录")
        triggers = append_only()

    def __str__(self) -> str:
        return f"{self.user_id} {self.case_number}"


class PrefillReport(models.Model):
    """A resident's report that a prefilled value is wrong (信息有误). The
    field stays locked; the report goes to the officials who keep the source."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="prefill_reports")
    field = models.CharField(_("字段"), max_length=100)
    source = models.CharField(_("数据来源"), max_length=100, blank=True)
    message = models.TextField(_("问题说明"), max_length=500)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("预填信息纠错")
        verbose_name_plural = _("预填信息纠错")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.field}"


class DeadlineRevision(models.Model):
    """A deadline recomputed after officials changed the working-day calendar
    (e.g. entered next year's holidays): what it was, what it is, and why."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="deadline_revisions")
    old_statutory_deadline = models.DateField(_("原法定期限"), null=True, blank=True)
    new_statutory_deadline = models.DateField(_("新法定期限"), null=True, blank=True)
    old_promised_deadline = models.DateField(_("原承诺期限"), null=True, blank=True)
    new_promised_deadline = models.DateField(_("新承诺期限"), null=True, blank=True)
    was_provisional = models.BooleanField(_("原期限待定"))
    provisional = models.BooleanField(_("期限待定"))
    reason = models.CharField(_("原因"), max_length=200)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    audit_record = AuditRecord()

    class Meta:
        verbose_name = _("期限更正记录")
        verbose_name_plural = _("期限更正记录")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.old_promised_deadline} → {self.new_promised_deadline}"
