"""The supervising department's marketplace pages in the admin.

Agencies, qualifications, postings and objections are read-only here: every decision
(approve, reject, suspend, reinstate, uphold, dismiss, cancel) is an admin action that
asks for the reason on an intermediate page and calls one service per row, so the
rules (transition tables, required reasons, recorded transitions, messages) are the
services'. Quotes are shown to officials, too, only once the posting's deadline has
passed. The posting list opens with the marketplace's figures (postings, average
savings against budget, ratings).
"""

import datetime

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.constants import ScanStatus
from common.admin import ShownRelationsJoinedMixin
from common.exceptions import ApplicationError
from common.money import yuan
from identity.admin_base import ReadOnlyAdmin

from . import selectors, services
from .constants import ObjectionStatus, QualificationStatus
from .models import (
    Agency,
    AgencyService,
    AgencyTransition,
    Objection,
    Posting,
    PostingTransition,
    Qualification,
    QualificationType,
    Quote,
    Rating,
    SelectionResult,
    ServiceType,
)

DOWNLOADABLE = (ScanStatus.CLEAN, ScanStatus.NOT_SCANNED)


@admin.register(QualificationType)
class QualificationTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "issuer", "graded")
    search_fields = ("code", "name")


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "qualification_type", "min_grade", "order", "active")
    list_select_related = ("qualification_type",)
    list_filter = ("active",)
    search_fields = ("code", "name")
    # A plain multiple select: Django's filter_horizontal widget names a bare <span> with aria-label
    # (axe aria-prohibited-attr) and the autocomplete widget's search box has no label (axe label).


class _ReadOnlyInline(ShownRelationsJoinedMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    template = "admin/complaints/readonly_tabular.html"
    # The permission that shows the parent page shows its history too.
    view_permission = "marketplace.view_agency"

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(self.view_permission)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class _DecisionsMixin:
    """Admin actions that ask for a reason on an intermediate page, then call a service per row."""

    def has_review_permission(self, request):
        return request.user.has_perm(services.PERM_REVIEW)

    def has_decide_permission(self, request):
        return request.user.has_perm(services.PERM_DECIDE)

    def _decide(self, request, queryset, *, action: str, title, reason_label, reason_required: bool, call):
        if "apply" in request.POST:
            reason = request.POST.get("reason", "").strip()[: services.REASON_MAX_LENGTH]
            done, refused = 0, []
            for obj in queryset:
                try:
                    call(request.user, obj, reason)
                except ApplicationError as exc:
                    refused.append(f"{obj}：{exc.message}")
                else:
                    done += 1
            if done:
                self.message_user(request, _("已处理 %(count)d 项。") % {"count": done}, messages.SUCCESS)
            for line in refused:
                self.message_user(request, line, messages.ERROR)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "objects": list(queryset),
            "action": action,
            "reason_label": reason_label,
            "reason_required": reason_required,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/marketplace/decide.html", context)


def _decision(name, *, description, permission, title, reason_label, call, reason_required=True, only=None):
    """The admin action ``name``: asks for the reason (``reason_label``) on an intermediate page,
    then calls ``call(user, obj, reason)`` per selected row (those matching ``only``, if given)."""

    def action(modeladmin, request, queryset):
        return modeladmin._decide(
            request,
            queryset.filter(**only) if only else queryset,
            action=name,
            title=title,
            reason_label=reason_label,
            reason_required=reason_required,
            call=call,
        )

    action.__name__ = name
    return admin.action(description=description, permissions=[permission])(action)


OPTIONAL_NOTE = gettext_lazy("审核意见（可选）")


# --- Agencies -----------------------------------------------------------------------------


class AgencyServiceInline(_ReadOnlyInline):
    model = AgencyService
    fields = readonly_fields = ("service_type", "fee_range", "note")
    verbose_name_plural = gettext_lazy("服务项目")

    @admin.display(description=gettext_lazy("收费区间（元）"))
    def fee_range(self, offered):
        return f"{yuan(offered.fee_min_fen)} – {yuan(offered.fee_max_fen)}"


class QualificationInline(_ReadOnlyInline):
    model = Qualification
    fields = readonly_fields = ("qualification_type", "grade", "number", "valid_from", "valid_until", "status")
    verbose_name_plural = gettext_lazy("资质证书")


class AgencyTransitionInline(_ReadOnlyInline):
    model = AgencyTransition
    fields = readonly_fields = ("created_at", "qualification", "from_status", "to_status", "role", "actor", "comment")
    verbose_name_plural = gettext_lazy("审核记录")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "qualification__qualification_type")


@admin.register(Agency)
class AgencyAdmin(_DecisionsMixin, admin.ModelAdmin):
    list_display = ("name_shown", "uscc_shown", "status", "contact_name", "rating_shown", "created_at")
    list_filter = ("status",)
    search_fields = ("enterprise__name",)
    list_select_related = ("enterprise",)
    readonly_fields = (
        "enterprise",
        "uscc_shown",
        "status",
        "description",
        "address",
        "region_code",
        "contact_name",
        "contact_phone",
        "registered_by",
        "reviewed_at",
        "review_note",
    )
    fields = readonly_fields
    exclude = ("service_types",)
    inlines = (AgencyServiceInline, QualificationInline, AgencyTransitionInline)
    actions = ("approve", "reject", "suspend", "reinstate")

    def get_queryset(self, request):
        return selectors.with_rating(super().get_queryset(request))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("机构名称"), ordering="enterprise__name")
    def name_shown(self, agency):
        return agency.enterprise.name

    @admin.display(description=gettext_lazy("统一社会信用代码"))
    def uscc_shown(self, agency):
        return agency.enterprise.uscc_masked

    @admin.display(description=gettext_lazy("评分"))
    def rating_shown(self, agency):
        if not agency.rating_count:
            return "—"
        return f"{agency.rating_average:.1f}（{agency.rating_count}）"

    approve = _decision(
        "approve",
        description=gettext_lazy("审核通过所选机构"),
        permission="review",
        title=gettext_lazy("审核通过中介机构"),
        reason_label=OPTIONAL_NOTE,
        reason_required=False,
        call=lambda user, agency, reason: services.agency_review(
            official=user, agency=agency, approve=True, note=reason
        ),
    )

    reject = _decision(
        "reject",
        description=gettext_lazy("不予通过所选机构"),
        permission="review",
        title=gettext_lazy("不予通过中介机构"),
        reason_label=gettext_lazy("不予通过的理由"),
        call=lambda user, agency, reason: services.agency_review(
            official=user, agency=agency, approve=False, note=reason
        ),
    )

    suspend = _decision(
        "suspend",
        description=gettext_lazy("暂停所选机构"),
        permission="review",
        title=gettext_lazy("暂停中介机构"),
        reason_label=gettext_lazy("暂停理由"),
        call=lambda user, agency, reason: services.agency_suspend(official=user, agency=agency, note=reason),
    )

    reinstate = _decision(
        "reinstate",
        description=gettext_lazy("恢复所选机构"),
        permission="review",
        title=gettext_lazy("恢复中介机构"),
        reason_label=OPTIONAL_NOTE,
        reason_required=False,
        call=lambda user, agency, reason: services.agency_reinstate(official=user, agency=agency, note=reason),
    )


# --- Qualifications -----------------------------------------------------------------------


class ExpiryFilter(admin.SimpleListFilter):
    title = gettext_lazy("有效期")
    parameter_name = "expiry"

    def lookups(self, request, model_admin):
        return (
            ("30", _("30 天内到期")),
            ("7", _("7 天内到期")),
            ("past", _("已过有效期")),
        )

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() in ("30", "7"):
            return queryset.filter(
                status=QualificationStatus.APPROVED,
                valid_until__gte=today,
                valid_until__lte=today + datetime.timedelta(days=int(self.value())),
            )
        if self.value() == "past":
            return queryset.filter(valid_until__lt=today)
        return queryset


@admin.register(Qualification)
class QualificationAdmin(_DecisionsMixin, admin.ModelAdmin):
    list_display = (
        "agency",
        "qualification_type",
        "grade",
        "number",
        "valid_until",
        "days_left",
        "status",
        "scan_status",
        "file_link",
    )
    list_filter = ("status", ExpiryFilter, "qualification_type")
    search_fields = ("agency__enterprise__name", "number")
    list_select_related = ("agency__enterprise", "qualification_type")
    fields = readonly_fields = (
        "agency",
        "qualification_type",
        "grade",
        "number",
        "issuer",
        "valid_from",
        "valid_until",
        "status",
        "certificate_reference",
        "original_name",
        "scan_status",
        "file_link",
        "reviewed_by",
        "reviewed_at",
        "review_note",
        "expired_at",
    )
    actions = ("approve", "reject")
    ordering = ("valid_until", "pk")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("剩余天数"), ordering="valid_until")
    def days_left(self, qualification):
        days = (qualification.valid_until - timezone.localdate()).days
        return days if days >= 0 else _("已过期")

    @admin.display(description=gettext_lazy("证书文件"))
    def file_link(self, qualification):
        if not qualification.file:
            return qualification.certificate_reference or "—"
        if qualification.scan_status not in DOWNLOADABLE:
            return qualification.get_scan_status_display()
        url = reverse("admin:marketplace_qualification_file", args=[qualification.pk])
        return format_html('<a href="{}">{}</a>', url, _("下载"))

    def get_urls(self):
        return [
            path(
                "<path:object_id>/file/",
                self.admin_site.admin_view(self.file_view),
                name="marketplace_qualification_file",
            ),
            *super().get_urls(),
        ]

    def file_view(self, request, object_id):
        if not self.has_review_permission(request):
            raise PermissionDenied
        qualification = Qualification.objects.filter(pk=unquote(object_id)).first()
        if qualification is None or not qualification.file or qualification.scan_status not in DOWNLOADABLE:
            raise Http404
        response = FileResponse(
            qualification.file.open("rb"),
            as_attachment=True,
            filename=qualification.original_name or "certificate",
            content_type=qualification.content_type or "application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response

    approve = _decision(
        "approve",
        description=gettext_lazy("审核通过所选资质"),
        permission="review",
        title=gettext_lazy("审核通过资质"),
        reason_label=OPTIONAL_NOTE,
        reason_required=False,
        call=lambda user, qualification, reason: services.qualification_review(
            official=user, qualification=qualification, approve=True, note=reason
        ),
    )

    reject = _decision(
        "reject",
        description=gettext_lazy("不予通过所选资质"),
        permission="review",
        title=gettext_lazy("不予通过资质"),
        reason_label=gettext_lazy("不予通过的理由"),
        call=lambda user, qualification, reason: services.qualification_review(
            official=user, qualification=qualification, approve=False, note=reason
        ),
    )


# --- Postings -----------------------------------------------------------------------------


class PostingTransitionInline(_ReadOnlyInline):
    model = PostingTransition
    fields = readonly_fields = ("created_at", "from_status", "to_status", "role", "actor", "comment")
    verbose_name_plural = gettext_lazy("公告记录")
    view_permission = "marketplace.view_posting"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class QuoteInline(_ReadOnlyInline):
    """Quotes, only once the deadline has passed: officials see none before, like the buyer."""

    model = Quote
    fields = readonly_fields = ("agency", "amount_shown", "revision", "created_at", "updated_at")
    verbose_name_plural = gettext_lazy("报价（截止后可见）")
    view_permission = "marketplace.view_posting"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(posting__quote_deadline__lte=timezone.now())
            .select_related("agency__enterprise")
        )

    @admin.display(description=gettext_lazy("报价（元）"))
    def amount_shown(self, quote):
        return yuan(quote.amount_fen)


class ResultInline(_ReadOnlyInline):
    model = SelectionResult
    fk_name = "posting"
    fields = readonly_fields = (
        "sequence",
        "created_at",
        "method",
        "agency",
        "amount_fen",
        "candidates",
        "seed",
        "seed_hash",
        "excluded",
        "objection",
        "comment",
    )
    verbose_name_plural = gettext_lazy("选取结果（含被取代的结果）")
    view_permission = "marketplace.view_posting"


@admin.register(Posting)
class PostingAdmin(_DecisionsMixin, ReadOnlyAdmin):
    list_display = (
        "reference",
        "title",
        "buyer_enterprise",
        "service_type",
        "budget_shown",
        "selection_method",
        "quote_deadline",
        "status",
    )
    list_filter = ("status", "selection_method", "service_type")
    search_fields = ("reference", "title", "buyer_enterprise__name")
    list_select_related = ("buyer_enterprise", "service_type")
    readonly_fields = (
        "reference",
        "title",
        "scope",
        "buyer_enterprise",
        "created_by",
        "service_type",
        "budget_shown",
        "quote_deadline",
        "required_qualification_type",
        "required_min_grade",
        "application",
        "service_item",
        "selection_method",
        "objection_period_days",
        "status",
        "draw_seed_hash",
        "draw_seed_recorded_at",
        "objection_deadline",
        "excluded_agencies",
        "published_at",
        "closed_at",
        "delivered_at",
        "delivery_note",
        "cancelled_at",
    )
    fields = readonly_fields
    inlines = (QuoteInline, ResultInline, PostingTransitionInline)
    actions = ("cancel",)
    change_list_template = "admin/marketplace/posting/change_list.html"

    @admin.display(description=gettext_lazy("预算上限（元）"), ordering="budget_fen")
    def budget_shown(self, posting):
        return yuan(posting.budget_fen)

    def changelist_view(self, request, extra_context=None):
        figures = selectors.statistics()
        extra_context = {
            **(extra_context or {}),
            "statistics": figures,
            "average_savings": None if figures.average_savings is None else f"{figures.average_savings * 100:.1f}%",
            "average_rating": None if figures.average_rating is None else f"{figures.average_rating:.2f}",
            "total_budget": yuan(figures.total_budget_fen),
            "total_contract": yuan(figures.total_contract_fen),
        }
        return super().changelist_view(request, extra_context)

    cancel = _decision(
        "cancel",
        description=gettext_lazy("取消所选公告（监管）"),
        permission="decide",
        title=gettext_lazy("取消项目公告"),
        reason_label=gettext_lazy("取消理由"),
        call=lambda user, posting, reason: services.posting_cancel(
            actor=user, posting=posting, reason=reason, as_official=True
        ),
    )


# --- Objections ---------------------------------------------------------------------------


@admin.register(Objection)
class ObjectionAdmin(_DecisionsMixin, ReadOnlyAdmin):
    list_display = ("posting", "agency", "status", "created_at", "decided_at")
    list_filter = ("status",)
    search_fields = ("posting__reference", "agency__enterprise__name")
    list_select_related = ("posting", "agency__enterprise")
    fields = readonly_fields = (
        "posting",
        "result",
        "agency",
        "filed_by",
        "reason",
        "status",
        "decided_by",
        "decided_at",
        "decision_reason",
        "created_at",
    )
    actions = ("uphold", "dismiss")
    ordering = ("-created_at", "-pk")

    uphold = _decision(
        "uphold",
        description=gettext_lazy("异议成立（重新选取）"),
        permission="decide",
        title=gettext_lazy("异议成立：撤销原结果并重新选取"),
        reason_label=gettext_lazy("处理意见"),
        only={"status": ObjectionStatus.PENDING},
        call=lambda user, objection, reason: services.objection_decide(
            official=user, objection=objection, uphold=True, reason=reason
        ),
    )

    dismiss = _decision(
        "dismiss",
        description=gettext_lazy("驳回异议"),
        permission="decide",
        title=gettext_lazy("驳回异议"),
        reason_label=gettext_lazy("处理意见"),
        only={"status": ObjectionStatus.PENDING},
        call=lambda user, objection, reason: services.objection_decide(
            official=user, objection=objection, uphold=False, reason=reason
        ),
    )


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ("posting", "agency", "score", "created_at")
    list_filter = ("score",)
    list_select_related = ("posting", "agency__enterprise")
    fields = readonly_fields = ("posting", "agency", "score", "comment", "rated_by", "created_at")
