"""The officials' side of the pension certification in the admin.

* Campaigns (资格认证批次): drafts are edited here; the change page shows the progress
  (by status and by path), and its buttons open or close the campaign, import the
  pensioners' CSV (all or nothing, every bad row reported) and export the result for
  the benefits system.
* Tasks (资格认证任务): filtered by campaign, status, path and payment; a task's page records
  an in-person certification at a hall, confirms a suspension or exempts, each through one
  service. Flagged tasks can be suspended in bulk from the list.
* The home-visit list (上门认证名单): requests still to visit first; a request's page records
  the visit's outcome.

Nothing here writes a model directly except a draft campaign's details and the halls.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.uploads import ALLOWED_TYPES
from common.admin import ObjectActionsMixin, ShownRelationsJoinedMixin
from common.exceptions import ApplicationError
from common.spreadsheet import csv_response
from identity.admin_base import ReadOnlyAdmin
from identity.constants import PersonalDataField
from identity.personal_data import personal_data_access_record

from . import selectors, services
from .constants import CERTIFIABLE_STATUSES, CampaignStatus, Path, TaskStatus, VisitStatus
from .forms import CsvImportForm, ExemptForm, VisitRecordForm
from .importing import beneficiaries_import, campaign_export_rows
from .models import (
    Beneficiary,
    Campaign,
    CampaignTransition,
    CertificationTask,
    HomeVisitRequest,
    ServiceHall,
    TaskTransition,
)

TEXT_MAX_LENGTH = 2000


class _ReadOnlyInline(ShownRelationsJoinedMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    # Every column headed, no empty ones (axe td-has-header), as the other apps' history tables.
    template = "admin/complaints/readonly_tabular.html"
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CampaignTransitionInline(_ReadOnlyInline):
    model = CampaignTransition
    fields = readonly_fields = ("created_at", "from_status", "to_status", "actor", "comment")
    verbose_name_plural = gettext_lazy("批次状态记录")


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    class Media:
        css = {"all": ("benefits/admin.css",)}  # noqa: RUF012 - Django reads this class attribute

    list_display = (
        "name",
        "year",
        "region_name",
        "window_start",
        "window_end",
        "status",
        "count_total",
        "count_certified",
        "count_pending",
        "count_flagged",
        "count_suspended",
        "count_exempted",
    )
    list_filter = ("status", "year", "region_name")
    search_fields = ("name", "region_code", "region_name")
    inlines = (CampaignTransitionInline,)
    editable_fields = ("name", "year", "region_code", "region_name", "group_description", "window_start", "window_end")
    state_fields = ("status", "opened_by", "opened_at", "closed_at")

    def get_queryset(self, request):
        return selectors.campaigns_with_progress().select_related("opened_by")

    def get_fields(self, request, obj=None):
        return (*self.editable_fields, *self.state_fields) if obj else self.editable_fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if obj.status != CampaignStatus.DRAFT:
            return (*self.editable_fields, *self.state_fields)
        return self.state_fields

    def has_delete_permission(self, request, obj=None):
        return False  # records

    @admin.display(description=gettext_lazy("总人数"), ordering="n_total")
    def count_total(self, campaign):
        return campaign.n_total

    @admin.display(description=gettext_lazy("已认证"))
    def count_certified(self, campaign):
        return campaign.n_status_certified

    @admin.display(description=gettext_lazy("待认证"))
    def count_pending(self, campaign):
        return campaign.n_status_pending

    @admin.display(description=gettext_lazy("逾期未认证"))
    def count_flagged(self, campaign):
        return campaign.n_status_flagged

    @admin.display(description=gettext_lazy("已暂停发放"))
    def count_suspended(self, campaign):
        return campaign.n_status_suspended

    @admin.display(description=gettext_lazy("已豁免"))
    def count_exempted(self, campaign):
        return campaign.n_status_exempted

    def change_view(self, request, object_id, form_url="", extra_context=None):
        campaign = self.get_object(request, unquote(object_id))
        extra = {}
        if campaign is not None:
            extra = {
                "campaign": campaign,
                "progress": selectors.campaign_progress(campaign=campaign),
                "may_open": campaign.status == CampaignStatus.DRAFT and request.user.has_perm("benefits.open_campaign"),
                "may_close": campaign.status == CampaignStatus.OPEN and request.user.has_perm("benefits.open_campaign"),
                "may_import": campaign.status != CampaignStatus.CLOSED
                and request.user.has_perm("benefits.import_beneficiaries"),
                "tasks_url": reverse("admin:benefits_certificationtask_changelist")
                + f"?campaign__id__exact={campaign.pk}",
            }
        return super().change_view(request, object_id, form_url, extra_context={**extra, **(extra_context or {})})

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/act/<str:action>/", view(self.act_view), name="benefits_campaign_act"),
            path("<path:object_id>/import/", view(self.import_view), name="benefits_campaign_import"),
            path("<path:object_id>/export/", view(self.export_view), name="benefits_campaign_export"),
            *super().get_urls(),
        ]

    def _campaign_or_404(self, request, object_id) -> Campaign:
        if not self.has_view_permission(request):
            raise PermissionDenied
        campaign = Campaign.objects.filter(pk=unquote(object_id)).first() if str(object_id).isdigit() else None
        if campaign is None:
            raise Http404
        return campaign

    def act_view(self, request, object_id, action):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        campaign = self._campaign_or_404(request, object_id)
        try:
            if action == "open":
                services.campaign_open(campaign_id=campaign.pk, actor=request.user)
                self.message_user(request, _("已开启资格认证批次。"), messages.SUCCESS)
            elif action == "close":
                flagged = services.campaign_close(campaign_id=campaign.pk, actor=request.user)
                self.message_user(
                    request, _("已结束资格认证批次，%(n)d人逾期未认证。") % {"n": flagged}, messages.SUCCESS
                )
            else:
                raise Http404
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        return redirect("admin:benefits_campaign_change", campaign.pk)

    def import_view(self, request, object_id):
        campaign = self._campaign_or_404(request, object_id)
        if not request.user.has_perm("benefits.import_beneficiaries"):
            raise PermissionDenied
        problems = []
        form = CsvImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = beneficiaries_import(campaign=campaign, content=upload.read(), actor=request.user)
            except ApplicationError as exc:
                problems = [exc.message]
            else:
                if result.ok:
                    self.message_user(
                        request, _("已导入%(n)d人，每人已生成认证任务。") % {"n": result.created}, messages.SUCCESS
                    )
                    return redirect("admin:benefits_campaign_change", campaign.pk)
                problems = [str(problem) for problem in result.problems]
        context = {
            **self.admin_site.each_context(request),
            "title": _("导入待遇领取人员名单：%(name)s") % {"name": campaign.name},
            "opts": self.opts,
            "campaign": campaign,
            "form": form,
            "problems": problems,
        }
        return TemplateResponse(
            request, "admin/benefits/campaign/import.html", context, status=400 if problems else 200
        )

    def export_view(self, request, object_id):
        campaign = self._campaign_or_404(request, object_id)
        return csv_response(
            campaign_export_rows(campaign=campaign), filename=f"benefits-{campaign.year}-{campaign.pk}.csv"
        )


class TaskTransitionInline(_ReadOnlyInline):
    model = TaskTransition
    fields = readonly_fields = (
        "created_at",
        "action",
        "from_status",
        "to_status",
        "path",
        "payment_status",
        "role",
        "actor",
        "comment",
    )
    verbose_name_plural = gettext_lazy("认证记录")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(CertificationTask)
class CertificationTaskAdmin(ObjectActionsMixin, ReadOnlyAdmin):
    """Imported with a campaign's list, never added here; every change is a service call (the
    forms on the page, the bulk suspension)."""

    class Media:
        css = {"all": ("benefits/admin.css",)}  # noqa: RUF012 - Django reads this class attribute

    list_display = (
        "beneficiary_name",
        "beneficiary_id",
        "campaign",
        "status",
        "path",
        "certified_at",
        "payment_status",
        "failed_attempts",
    )
    list_filter = ("campaign", "status", "path", "payment_status")
    list_select_related = ("campaign", "beneficiary")
    search_fields = ("beneficiary__name", "beneficiary__pension_account")
    ordering = ("pk",)
    inlines = (TaskTransitionInline,)
    actions = ("suspend_selected",)
    fields = readonly_fields = (
        "campaign",
        "beneficiary_name",
        "beneficiary_id",
        "pension_account",
        "status",
        "path",
        "certified_at",
        "certified_until",
        "certified_by",
        "payment_status",
        "failed_attempts",
        "exemption_reason",
        "exemption_note",
        "proof_link",
    )

    @admin.display(description=gettext_lazy("姓名"), ordering="beneficiary__name")
    def beneficiary_name(self, task):
        return task.beneficiary.name

    @admin.display(description=gettext_lazy("身份证号码"))
    def beneficiary_id(self, task):
        return task.beneficiary.id_number_masked

    @admin.display(description=gettext_lazy("养老金账户"))
    def pension_account(self, task):
        return task.beneficiary.pension_account

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("campaign", "beneficiary", "certified_by")

    @admin.action(description=gettext_lazy("确认暂停发放（所选逾期未认证人员）"))
    def suspend_selected(self, request, queryset):
        done = 0
        for task_id in queryset.filter(status=TaskStatus.FLAGGED).values_list("pk", flat=True):
            try:
                services.task_suspend(task_id=task_id, actor=request.user, comment=_("批量确认暂停发放"))
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                break
            done += 1
        self.message_user(
            request, _("已确认暂停发放%(n)d人。") % {"n": done}, messages.SUCCESS if done else messages.WARNING
        )

    # --- The task's page and its forms (common.admin.ObjectActionsMixin) ---------------

    object_action_labels = {  # noqa: RUF012 - read by the mixin
        "hall": gettext_lazy("记录服务大厅现场认证"),
        "suspend": gettext_lazy("确认暂停发放"),
        "exempt": gettext_lazy("豁免"),
    }

    def object_actions(self, request, task) -> list[dict]:
        if not request.user.has_perm("benefits.handle_certification"):
            return []
        offered = {
            "hall": task.status in CERTIFIABLE_STATUSES and task.campaign.status != CampaignStatus.DRAFT,
            "suspend": task.status == TaskStatus.FLAGGED,
            "exempt": task.status in (TaskStatus.FLAGGED, TaskStatus.SUSPENDED),
        }
        forms = {
            "hall": {"submit": _("本人到场，认证通过"), "note_label": _("说明（选填）")},
            "suspend": {"note_label": _("说明（选填）")},
            "exempt": {"form": ExemptForm()},
        }
        return [{"key": key, **forms[key]} for key, may in offered.items() if may]

    def object_action_done_message(self, task, action: str) -> str:
        return {"hall": _("已记录服务大厅现场认证。"), "suspend": _("已确认暂停发放。"), "exempt": _("已豁免。")}[
            action
        ]

    def perform_object_action(self, request, task, action):
        if action == "exempt":
            form = ExemptForm(request.POST, request.FILES)
            if not form.is_valid():
                raise ApplicationError(_("请选择豁免原因。"), code="reason_required")
            services.task_exempt(
                task_id=task.pk,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                proof=form.cleaned_data.get("proof"),
            )
            return
        note = request.POST.get("note", "")[:TEXT_MAX_LENGTH]
        if action == "hall":
            services.task_certify_in_person(task_id=task.pk, actor=request.user, path=Path.HALL, comment=note)
        else:
            services.task_suspend(task_id=task.pk, actor=request.user, comment=note)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/proof/",
                self.admin_site.admin_view(self.proof_view),
                name="benefits_certificationtask_proof",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=gettext_lazy("豁免证明"))
    def proof_link(self, task):
        if not task.exemption_proof:
            return "—"
        url = reverse("admin:benefits_certificationtask_proof", args=[task.pk])
        return format_html('<a href="{}">{}</a>', url, _("下载"))

    def proof_view(self, request, object_id):
        """The exemption's proof as a download; every official's look is a personal-data access record."""
        task = self.scoped_object_or_404(request, object_id)
        if not task.exemption_proof:
            raise Http404
        personal_data_access_record(
            official=request.user, subject=task, field=PersonalDataField.MATERIAL, reason=f"豁免证明 认证任务{task.pk}"
        )
        extension = ALLOWED_TYPES.get(task.exemption_proof_type, "")
        response = FileResponse(
            task.exemption_proof.open("rb"),
            as_attachment=True,
            filename=f"exemption-proof-{task.pk}{extension}",
            content_type=task.exemption_proof_type or "application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class VisitStatusFilter(admin.SimpleListFilter):
    """Requests still to visit by default: the list officials work from."""

    title = gettext_lazy("状态")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [*VisitStatus.choices, ("all", _("全部"))]

    def choices(self, changelist):
        value = self.value() or VisitStatus.REQUESTED
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or VisitStatus.REQUESTED
        return queryset if value == "all" else queryset.filter(status=value)


@admin.register(HomeVisitRequest)
class HomeVisitRequestAdmin(ObjectActionsMixin, ReadOnlyAdmin):
    class Media:
        css = {"all": ("benefits/admin.css",)}  # noqa: RUF012 - Django reads this class attribute

    list_display = (
        "beneficiary_name",
        "beneficiary_id",
        "address",
        "phone",
        "preferred_time",
        "campaign",
        "created_at",
        "status",
    )
    list_filter = (VisitStatusFilter,)
    list_select_related = ("task__campaign", "task__beneficiary")
    search_fields = ("task__beneficiary__name", "address")
    ordering = ("created_at", "pk")
    fields = readonly_fields = (
        "beneficiary_name",
        "beneficiary_id",
        "campaign",
        "address",
        "phone",
        "preferred_time",
        "requested_by",
        "created_at",
        "status",
        "visited_by",
        "visited_at",
        "outcome_note",
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("task__campaign", "task__beneficiary", "requested_by", "visited_by")
        )

    @admin.display(description=gettext_lazy("姓名"))
    def beneficiary_name(self, visit):
        return visit.task.beneficiary.name

    @admin.display(description=gettext_lazy("身份证号码"))
    def beneficiary_id(self, visit):
        return visit.task.beneficiary.id_number_masked

    @admin.display(description=gettext_lazy("批次"))
    def campaign(self, visit):
        return visit.task.campaign

    # --- The visit's page and its form (common.admin.ObjectActionsMixin) ----------------

    object_action_labels = {"record": gettext_lazy("记录上门结果")}  # noqa: RUF012 - read by the mixin

    def object_actions(self, request, visit) -> list[dict]:
        if visit.status != VisitStatus.REQUESTED or not request.user.has_perm("benefits.handle_certification"):
            return []
        return [{"key": "record", "form": VisitRecordForm(), "submit": _("记录")}]

    def perform_object_action(self, request, visit, action):
        services.home_visit_record(
            visit_id=visit.pk,
            actor=request.user,
            outcome=request.POST.get("outcome", ""),
            note=request.POST.get("note", "")[:TEXT_MAX_LENGTH],
        )

    def object_action_done_message(self, visit, action: str) -> str:
        return _("已记录上门认证结果。")

    def object_action_done_url(self, request, visit, action: str) -> str:
        return reverse("admin:benefits_homevisitrequest_changelist")  # back to the visits still to make


@admin.register(Beneficiary)
class BeneficiaryAdmin(ReadOnlyAdmin):
    """Imported with a campaign's list."""

    list_display = ("name", "id_number_masked", "mobile", "region_code", "pension_account")
    search_fields = ("name", "pension_account")
    fields = readonly_fields = ("name", "id_number_masked", "mobile", "region_code", "pension_account", "created_at")


@admin.register(ServiceHall)
class ServiceHallAdmin(admin.ModelAdmin):
    list_display = ("name", "region_code", "address", "opening_hours", "phone", "order")
    list_filter = ("region_code",)
    search_fields = ("name", "address")
