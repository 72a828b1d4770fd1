"""The intermediary marketplace (统一中介超市).

An :class:`Agency` is a verified enterprise that offers intermediary services
(:class:`AgencyService`, with fee ranges) and holds :class:`Qualification` rows, each
reviewed by the supervising department. A buyer enterprise publishes a
:class:`Posting` (项目公告); selectable agencies :class:`Quote` before the deadline;
the buyer selects one and a :class:`SelectionResult` is published, immutable (the
table is append-only): only an upheld :class:`Objection` adds a new result that
supersedes it. Then the :class:`Contract`, the delivery and the :class:`Rating`.

Money is integer fen (分). Every state change is written through
``marketplace.services`` and recorded in an append-only transition table.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.constants import ScanStatus
from audit.triggers import append_only
from common.audit_records import AuditRecord
from common.models import TimeStampedModel
from common.storage import get_private_storage

from .constants import (
    AgencyStatus,
    Grade,
    ObjectionStatus,
    PostingStatus,
    QualificationStatus,
    RatingScore,
    Role,
    SelectionMethod,
)


class QualificationType(TimeStampedModel):
    """A kind of qualification certificate (资质类型), e.g. 建设项目环境影响评价资质."""

    code = models.SlugField(_("资质代码"), max_length=40, unique=True)
    name = models.CharField(_("资质名称"), max_length=100)
    issuer = models.CharField(_("发证机关"), max_length=100, blank=True)
    graded = models.BooleanField(_("分等级"), default=True)

    class Meta:
        verbose_name = _("资质类型")
        verbose_name_plural = _("资质类型")
        ordering = ("code",)

    def __str__(self) -> str:
        return self.name


class ServiceType(TimeStampedModel):
    """A kind of intermediary service (中介服务事项), and the approvals that need it."""

    code = models.SlugField(_("服务类型代码"), max_length=40, unique=True)
    name = models.CharField(_("服务类型名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    # The qualification an agency must hold, by default, to be chosen for this type;
    # a posting may ask for a higher grade. Empty: no qualification is required.
    qualification_type = models.ForeignKey(
        QualificationType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_types",
        verbose_name=_("所需资质"),
    )
    min_grade = models.PositiveSmallIntegerField(_("最低资质等级"), choices=Grade.choices, default=Grade.UNGRADED)
    service_items = models.ManyToManyField(
        "services.ServiceItem",
        blank=True,
        related_name="intermediary_service_types",
        verbose_name=_("需要该服务的审批事项"),
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=100)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("中介服务类型")
        verbose_name_plural = _("中介服务类型")
        ordering = ("order", "code")

    def __str__(self) -> str:
        return self.name


class Agency(TimeStampedModel):
    """An enterprise registered as an intermediary agency (中介机构)."""

    enterprise = models.OneToOneField(
        "identity.Enterprise", on_delete=models.PROTECT, related_name="agency", verbose_name=_("企业")
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=AgencyStatus.choices, default=AgencyStatus.PENDING, db_index=True
    )
    description = models.TextField(_("机构简介"), blank=True)
    address = models.CharField(_("办公地址"), max_length=200, blank=True)
    region_code = models.CharField(_("区划代码"), max_length=12, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50)
    # Shown to officials and to the buyer who contracted the agency; never in public lists.
    contact_phone = models.CharField(_("联系电话"), max_length=20)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.TextField(_("审核意见"), blank=True)
    service_types = models.ManyToManyField(
        ServiceType, through="AgencyService", related_name="agencies", verbose_name=_("服务类型")
    )

    class Meta:
        verbose_name = _("中介机构")
        verbose_name_plural = _("中介机构")
        ordering = ("pk",)
        permissions = [("review_agency", _("可审核中介机构及其资质"))]

    def __str__(self) -> str:
        return self.enterprise.name

    @property
    def name(self) -> str:
        return self.enterprise.name


class AgencyService(TimeStampedModel):
    """A service type an agency offers, with its fee range (元, stored in fen)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="services")
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="+")
    fee_min_fen = models.PositiveBigIntegerField(_("最低收费（分）"))
    fee_max_fen = models.PositiveBigIntegerField(_("最高收费（分）"))
    note = models.CharField(_("收费说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务项目")
        ordering = ("service_type__order", "pk")
        constraints = [
            models.UniqueConstraint(fields=["agency", "service_type"], name="marketplace_unique_agency_service"),
            models.CheckConstraint(
                condition=Q(fee_min_fen__lte=F("fee_max_fen")), name="marketplace_fee_range_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}: {self.service_type_id}"


def qualification_upload_path(instance, filename: str) -> str:
    """Generated names only: the uploaded file's name is kept as data, never as a path."""
    return f"marketplace/qualifications/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class Qualification(TimeStampedModel):
    """A qualification certificate an agency holds, reviewed by the supervising department.

    It counts (for selection) only while ``approved`` and ``valid_from <= today <= valid_until``;
    the selectors check the dates themselves, the scheduled task only records the expiry.
    """

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="qualifications")
    qualification_type = models.ForeignKey(
        QualificationType, on_delete=models.PROTECT, related_name="+", verbose_name=_("资质类型")
    )
    grade = models.PositiveSmallIntegerField(_("资质等级"), choices=Grade.choices, default=Grade.UNGRADED)
    number = models.CharField(_("证书编号"), max_length=64)
    issuer = models.CharField(_("发证机关"), max_length=100, blank=True)
    valid_from = models.DateField(_("有效期起"))
    valid_until = models.DateField(_("有效期至"))
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=QualificationStatus.choices,
        default=QualificationStatus.PENDING,
        db_index=True,
    )
    # The certificate: a scanned file (checked and stored like application materials)
    # or the number of an e-certificate (电子证照) — either or both.
    file = models.FileField(_("证书文件"), upload_to=qualification_upload_path, storage=get_private_storage, blank=True)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    content_type = models.CharField(_("文件类型"), max_length=100, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    scan_status = models.CharField(_("查毒"), max_length=20, choices=ScanStatus.choices, default=ScanStatus.NOT_SCANNED)
    certificate_reference = models.CharField(_("电子证照编号"), max_length=100, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.TextField(_("审核意见"), blank=True)
    expired_at = models.DateTimeField(_("过期处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("资质证书")
        verbose_name_plural = _("资质证书")
        ordering = ("agency", "qualification_type", "-grade")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__lte=F("valid_until")), name="marketplace_qualification_dates_ordered"
            ),
        ]
        indexes = [models.Index(fields=["status", "valid_until"], name="marketplace_qual_expiry_idx")]

    def __str__(self) -> str:
        return f"{self.qualification_type_id} {self.number}"


class QualificationReminder(models.Model):
    """One advance notice that a qualification expires (N days before): sent once each."""

    qualification = models.ForeignKey(Qualification, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField(_("提前天数"))
    valid_until = models.DateField(_("有效期至"))
    created_at = models.DateTimeField(_("发送时间"), default=timezone.now)

    class Meta:
        verbose_name = _("资质到期提醒")
        verbose_name_plural = _("资质到期提醒")
        constraints = [
            # Keyed by the date too: a renewed certificate (new valid_until) is reminded afresh.
            models.UniqueConstraint(
                fields=["qualification", "days_before", "valid_until"], name="marketplace_reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.qualification_id} -{self.days_before}d"


class AgencyTransition(models.Model):
    """A recorded change of an agency's or one of its qualifications' status. Append-only."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="transitions")
    qualification = models.ForeignKey(
        Qualification, on_delete=models.CASCADE, null=True, blank=True, related_name="transitions"
    )
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    comment = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    audit_record = AuditRecord(actor_field="actor_id")

    class Meta:
        verbose_name = _("机构审核记录")
        verbose_name_plural = _("机构审核记录")
        ordering = ["created_at", "pk"]
        triggers = append_only()

    def __str__(self) -> str:
        return f"{self.agency_id}: {self.from_status} → {self.to_status}"


class Posting(models.Model):
    """A project posting (项目公告): a buyer looking for an agency for one service."""

    reference = models.CharField(_("公告编号"), max_length=24, unique=True)
    buyer_enterprise = models.ForeignKey(
        "identity.Enterprise", on_delete=models.PROTECT, related_name="marketplace_postings", verbose_name=_("项目业主")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("发布人")
    )
    service_type = models.ForeignKey(
        ServiceType, on_delete=models.PROTECT, related_name="postings", verbose_name=_("服务类型")
    )
    title = models.CharField(_("项目名称"), max_length=200)
    scope = models.TextField(_("服务内容"))
    budget_fen = models.PositiveBigIntegerField(_("预算上限（分）"))
    quote_deadline = models.DateTimeField(_("报价截止时间"))
    required_qualification_type = models.ForeignKey(
        QualificationType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("资质要求"),
    )
    required_min_grade = models.PositiveSmallIntegerField(
        _("最低资质等级"), choices=Grade.choices, default=Grade.UNGRADED
    )
    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="marketplace_postings",
        verbose_name=_("关联办件"),
    )
    service_item = models.ForeignKey(
        "services.ServiceItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="marketplace_postings",
        verbose_name=_("关联审批事项"),
    )
    selection_method = models.CharField(_("选取方式"), max_length=20, choices=SelectionMethod.choices)
    objection_period_days = models.PositiveSmallIntegerField(_("异议期（天）"), default=3)
    status = models.CharField(
        _("状态"), max_length=20, choices=PostingStatus.choices, default=PostingStatus.DRAFT, db_index=True
    )
    # Random draw: the seed is drawn and recorded when the posting opens, before any
    # quote; its SHA-256 is public from then on, the seed itself with the result
    # (marketplace/draw.py). A re-draw after an upheld objection records a new one.
    draw_seed = models.CharField(_("随机种子"), max_length=64, blank=True)
    draw_seed_hash = models.CharField(_("随机种子摘要（SHA-256）"), max_length=64, blank=True)
    draw_seed_recorded_at = models.DateTimeField(_("种子生成时间"), null=True, blank=True)
    # The current published result (the latest SelectionResult).
    result = models.OneToOneField(
        "SelectionResult",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("选取结果"),
    )
    objection_deadline = models.DateTimeField(_("异议截止时间"), null=True, blank=True)
    # Agencies whose result an upheld objection set aside: never selected again for this posting.
    excluded_agencies = models.JSONField(_("因异议成立排除的机构"), default=list, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("截止时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("交付确认时间"), null=True, blank=True)
    delivery_note = models.TextField(_("交付说明"), blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("项目公告")
        verbose_name_plural = _("项目公告")
        ordering = ("-published_at", "-pk")
        indexes = [
            models.Index(fields=["status", "quote_deadline"], name="marketplace_posting_due_idx"),
            models.Index(fields=["service_type", "status"], name="marketplace_posting_type_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(budget_fen__gt=0), name="marketplace_budget_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def deadline_passed(self, now=None) -> bool:
        """Whether quotes are frozen: the deadline is the moment quotes stop (not included)."""
        return (now or timezone.now()) >= self.quote_deadline


class PostingTransition(models.Model):
    """One recorded move of a posting: who, when, from, to, why. Append-only."""

    posting = models.ForeignKey(Posting, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(_("原状态"), max_length=20, choices=PostingStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=PostingStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    comment = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    audit_record = AuditRecord(actor_field="actor_id")

    class Meta:
        verbose_name = _("公告记录")
        verbose_name_plural = _("公告记录")
        ordering = ["created_at", "pk"]
        triggers = append_only()

    def __str__(self) -> str:
        return f"{self.posting_id}: {self.from_status} → {self.to_status}"


class Quote(models.Model):
    """An agency's quote on a posting: one per agency, revisable until the deadline."""

    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="quotes")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="quotes")
    amount_fen = models.PositiveBigIntegerField(_("报价（分）"))
    note = models.TextField(_("服务方案说明"), blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revision = models.PositiveSmallIntegerField(_("修改次数"), default=0)
    created_at = models.DateTimeField(_("首次报价时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("最后修改时间"), default=timezone.now)

    class Meta:
        verbose_name = _("报价")
        verbose_name_plural = _("报价")
        ordering = ("posting", "amount_fen", "updated_at", "pk")
        constraints = [
            models.UniqueConstraint(fields=["posting", "agency"], name="marketplace_one_quote_per_agency"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="marketplace_quote_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.posting_id}/{self.pk}"


class QuoteRevision(models.Model):
    """Every version of a quote, the first included. Append-only."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveSmallIntegerField(_("版本"))
    amount_fen = models.PositiveBigIntegerField(_("报价（分）"))
    note = models.TextField(_("服务方案说明"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    audit_record = AuditRecord(actor_field="actor_id")

    class Meta:
        verbose_name = _("报价修改记录")
        verbose_name_plural = _("报价修改记录")
        ordering = ["quote", "revision"]
        constraints = [models.UniqueConstraint(fields=["quote", "revision"], name="marketplace_unique_revision")]
        triggers = append_only()

    def __str__(self) -> str:
        return f"{self.quote_id} v{self.revision}"


class SelectionResult(models.Model):
    """A published selection result (选取结果公示). Immutable: the table is append-only.

    A posting's results form a chain: an upheld objection appends a new result whose
    ``supersedes`` names the old one, which stays as it was. ``candidates`` is the
    canonical, sorted list of eligible quote ids the method ran over; with ``seed`` it
    is everything needed to reproduce a random draw (marketplace/draw.py).
    """

    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="results")
    sequence = models.PositiveSmallIntegerField(_("序号"))
    method = models.CharField(_("选取方式"), max_length=20, choices=SelectionMethod.choices)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="results", verbose_name=_("选定机构"))
    quote = models.ForeignKey(Quote, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    amount_fen = models.PositiveBigIntegerField(_("中选金额（分）"), null=True, blank=True)
    candidates = models.JSONField(_("参与选取的报价"), default=list, blank=True)
    excluded = models.JSONField(_("排除的机构"), default=list, blank=True)
    seed = models.CharField(_("随机种子"), max_length=64, blank=True)
    seed_hash = models.CharField(_("随机种子摘要"), max_length=64, blank=True)
    seed_recorded_at = models.DateTimeField(_("种子生成时间"), null=True, blank=True)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    objection = models.ForeignKey(
        "Objection", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("依据的异议")
    )
    selected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    comment = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("公示时间"), default=timezone.now)

    audit_record = AuditRecord(actor_field="selected_by_id")

    class Meta:
        verbose_name = _("选取结果")
        verbose_name_plural = _("选取结果")
        ordering = ["posting", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["posting", "sequence"], name="marketplace_unique_result_sequence"),
        ]
        triggers = append_only()

    def __str__(self) -> str:
        return f"{self.posting_id} #{self.sequence}"


class Objection(models.Model):
    """An objection (异议) by a bidder to a published result, decided by an official."""

    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="objections")
    result = models.ForeignKey(SelectionResult, on_delete=models.PROTECT, related_name="objections")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="objections", verbose_name=_("异议人"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("异议理由"))
    status = models.CharField(
        _("状态"), max_length=20, choices=ObjectionStatus.choices, default=ObjectionStatus.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_reason = models.TextField(_("处理意见"), blank=True)
    created_at = models.DateTimeField(_("提出时间"), default=timezone.now)

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        ordering = ["-created_at", "-pk"]
        permissions = [("decide_objection", _("可处理中介超市异议"))]
        constraints = [
            models.UniqueConstraint(
                fields=["result", "agency"],
                condition=Q(status=ObjectionStatus.PENDING),
                name="marketplace_one_pending_objection",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.posting_id}: {self.agency_id}"


class Contract(models.Model):
    """The contract recorded after the objection period (合同备案)."""

    posting = models.OneToOneField(Posting, on_delete=models.PROTECT, related_name="contract")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="contracts")
    amount_fen = models.PositiveBigIntegerField(_("合同金额（分）"))
    start_date = models.DateField(_("服务开始日期"))
    end_date = models.DateField(_("服务结束日期"))
    note = models.TextField(_("说明"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("备案时间"), default=timezone.now)

    class Meta:
        verbose_name = _("合同")
        verbose_name_plural = _("合同")
        constraints = [
            models.CheckConstraint(condition=Q(start_date__lte=F("end_date")), name="marketplace_contract_dates"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="marketplace_contract_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.posting_id}"


class Rating(models.Model):
    """The buyer's rating of the agency's work, once delivery is confirmed."""

    posting = models.OneToOneField(Posting, on_delete=models.PROTECT, related_name="rating")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="ratings")
    score = models.PositiveSmallIntegerField(_("评分"), choices=RatingScore.choices)
    comment = models.TextField(_("评价内容"), blank=True)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("评价时间"), default=timezone.now)

    class Meta:
        verbose_name = _("服务评价")
        verbose_name_plural = _("服务评价")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="marketplace_score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.posting_id}: {self.score}"
