"""Inquiries, complaints, suggestions and reports (咨询 / 投诉 / 建议 / 举报).

An :class:`Inquiry` is routed to a department by the :class:`RoutingRule` rows
officials edit, answered within the working days its kind allows, and closed by
the resident (or the system once the reopen window has passed). Every change is
an :class:`InquiryTransition`, from which the resident's timeline is read.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.constants import ScanStatus
from audit.triggers import append_only
from common.audit_records import AuditRecord
from common.i18n import EnglishNameMixin
from common.models import TimeStampedModel
from common.storage import get_private_storage

from ..constants import InquiryAction, InquiryRole, InquiryStatus, Kind


class InquiryCategory(EnglishNameMixin, TimeStampedModel):
    """A subject area a resident picks (社会保障, 市场监管 …), used by the routing rules."""

    code = models.SlugField(_("分类代码"), max_length=40, unique=True)
    name = models.CharField(_("分类名称"), max_length=50)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=100)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("诉求分类")
        verbose_name_plural = _("诉求分类")
        ordering = ("order", "code")

    def __str__(self) -> str:
        return self.name


class RoutingRule(TimeStampedModel):
    """Send matching inquiries to ``department`` (分派规则). Edited by officials.

    Every field left empty matches anything. Among the rules that match, the most
    specific wins: a service item before a category, a category before a region, a
    deeper region (区县 before 地市 before 省) before a shallower one, a kind before
    none; then the lowest ``priority`` number. See :func:`complaints.selectors.routing_rule_for`.
    """

    kind = models.CharField(_("诉求类型"), max_length=20, choices=Kind.choices, blank=True)
    category = models.ForeignKey(
        InquiryCategory, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("诉求分类")
    )
    service_item = models.ForeignKey(
        "services.ServiceItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("服务事项"),
    )
    region_code = models.CharField(
        _("区划代码"),
        max_length=12,
        blank=True,
        help_text=_("如 440000 匹配全省，440100 匹配广州市；留空匹配所有地区。"),
    )
    department = models.ForeignKey(
        "services.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("承办部门")
    )
    priority = models.PositiveSmallIntegerField(_("优先级"), default=100, help_text=_("同样具体的规则，数字小的优先。"))
    active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("分派规则")
        verbose_name_plural = _("分派规则")
        ordering = ("priority", "pk")

    def __str__(self) -> str:
        return f"→ {self.department}"


class Inquiry(models.Model):
    """One inquiry, complaint, suggestion or report, from submission to closing."""

    reference = models.CharField(_("受理编号"), max_length=20, unique=True)
    kind = models.CharField(_("诉求类型"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=InquiryStatus.choices, default=InquiryStatus.RECEIVED, db_index=True
    )
    category = models.ForeignKey(
        InquiryCategory, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("诉求分类")
    )
    subject = models.CharField(_("标题"), max_length=100)
    content = models.TextField(_("内容"))
    # Empty for an anonymous report: then only the query code leads back to it.
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inquiries",
        verbose_name=_("提交人"),
    )
    enterprise = models.ForeignKey(
        "identity.Enterprise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inquiries",
        verbose_name=_("企业"),
    )
    anonymous = models.BooleanField(_("匿名"), default=False)
    # salted_hmac of the query code given to the submitter once; never the code itself.
    query_code_hash = models.CharField(max_length=64)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    # What it is about (any may be empty).
    service_item = models.ForeignKey(
        "services.ServiceItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inquiries",
        verbose_name=_("涉及事项"),
    )
    about_department = models.ForeignKey(
        "services.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("涉及部门"),
    )
    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inquiries",
        verbose_name=_("涉及办件"),
    )
    region_code = models.CharField(_("区划代码"), max_length=12, blank=True)
    # Who works it, and how it got there.
    department = models.ForeignKey(
        "services.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inquiries",
        verbose_name=_("承办部门"),
    )
    routing_rule = models.ForeignKey(
        RoutingRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("分派规则")
    )
    transfer_count = models.PositiveSmallIntegerField(_("转办次数"), default=0)
    sent_back = models.BooleanField(_("曾退回分派"), default=False)
    # The answer deadline; a reopened item gets a new one.
    due_date = models.DateField(_("答复期限"))
    due_provisional = models.BooleanField(_("期限待定"), default=False)
    escalation_level = models.PositiveSmallIntegerField(_("督办级别"), default=0)
    escalated_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    answer = models.TextField(_("答复内容"), blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重新办理次数"), default=0)
    satisfied = models.BooleanField(_("对答复满意"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("咨询投诉")
        verbose_name_plural = _("咨询投诉")
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["department", "status", "due_date"], name="inquiry_queue_idx"),
            models.Index(fields=["submitter", "-created_at"], name="inquiry_submitter_idx"),
            models.Index(fields=["status", "due_date"], name="inquiry_due_idx"),
        ]
        permissions = [
            ("handle_inquiry", _("可办理本部门咨询投诉")),
            ("dispatch_inquiry", _("可分派咨询投诉（统一受理中心）")),
            ("view_reporter_identity", _("可查看举报人身份")),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_report(self) -> bool:
        return self.kind == Kind.REPORT


def inquiry_upload_path(instance, filename: str) -> str:
    """Generated names only: the resident's file name is kept as data, never as a path."""
    return f"inquiries/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class InquiryAttachment(models.Model):
    """A file attached at submission, checked like application materials before it is stored."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=inquiry_upload_path, storage=get_private_storage, blank=True)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    scan_status = models.CharField(_("查毒"), max_length=20, choices=ScanStatus.choices)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name


class InquiryTransition(models.Model):
    """One recorded step: who, when, what (``action``), from and to which status and department. Append-only."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(_("操作"), max_length=20, choices=InquiryAction.choices)
    # Empty for the row that records the submission.
    from_status = models.CharField(_("原状态"), max_length=20, choices=InquiryStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=InquiryStatus.choices)
    from_department = models.ForeignKey(
        "services.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_department = models.ForeignKey(
        "services.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    role = models.CharField(_("角色"), max_length=20, choices=InquiryRole.choices)
    comment = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    audit_record = AuditRecord(actor_field="actor_id")

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["created_at", "pk"]
        # Append-only, whoever asks (audit/triggers.py); the app role is also denied the privileges.
        triggers = append_only()

    def __str__(self) -> str:
        return f"{self.inquiry_id}: {self.action}"
