"""The admin of applications: the working-day calendar, and the officials' queue.

The queue (:class:`ApplicationAdmin`) shows an official only the cases of their
own departments, everywhere: the list, search, filters, exports, actions and
every URL of a case. A case of another department answers 404, exactly like a
case that does not exist. The case page is read-only; every change goes through
a service (claim, assign, transitions, decisions with their documents).
"""

import csv

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.admin import ActionCheckboxMixin
from common.exceptions import ApplicationError
from common.row_by_row import one_at_a_time
from common.spreadsheet import csv_cell
from identity.admin_base import ReadOnlyAdmin
from identity.backends import MODEL_BACKEND
from identity.constants import PersonalDataField
from identity.personal_data import personal_data_access_record

from .admin_forms import DECISIONS, AssignForm, DecisionForm, official_decisions
from .admin_queue import (
    COUNTED_QUEUES,
    DEADLINE_FIRST,
    QUEUES,
    AssignmentFilter,
    DepartmentFilter,
    EstimatedCountPaginator,
    FlagFilter,
    QueueChangeList,
    QueueFilter,
    is_unfiltered,
    label_deadlines,
    queue_ordering,
)
from .constants import MaterialSource, ScanStatus, Status
from .models import (
    Application,
    CalendarDay,
    CalendarYear,
    DeadlineRevision,
    DepartmentOfficial,
    PrefillReport,
    SubmittedMaterial,
)
from .scanning import scan_stuck_before
from .selectors import applications_for_official, official_department_ids
from .services import application_assign, application_claim, application_transition, deadline_recompute_provisional
from .services_decisions import application_decide


class CalendarChangeAdmin(admin.ModelAdmin):
    """After officials change the calendar, the deadlines it affects are recomputed in the
    same transaction (:func:`~applications.services.deadline_recompute_provisional`)."""

    def _years(self, obj) -> set[int]:
        raise NotImplementedError

    def _recompute(self, request, years: set[int]) -> None:
        changed = sum(
            deadline_recompute_provisional(
                year=year, actor=request.user, reason=_("%(year)d年节假日安排已更新。") % {"year": year}
            )
            for year in sorted(years)
        )
        if changed:
            self.message_user(
                request, _("已按新的节假日安排重新计算 %(count)d 件办件的期限。") % {"count": changed}, messages.INFO
            )

    def save_model(self, request, obj, form, change):
        previous = set()
        if change and obj.pk:
            previous = self._years(type(obj).objects.get(pk=obj.pk))
        super().save_model(request, obj, form, change)
        self._recompute(request, previous | self._years(obj))

    def delete_model(self, request, obj):
        years = self._years(obj)
        super().delete_model(request, obj)
        self._recompute(request, years)

    def delete_queryset(self, request, queryset):
        years = set().union(*(self._years(obj) for obj in queryset))
        super().delete_queryset(request, queryset)
        self._recompute(request, years)


@admin.register(CalendarYear)
class CalendarYearAdmin(CalendarChangeAdmin):
    """Officials add a year once the State Council publishes its holiday notice."""

    list_display = ("year", "source", "updated_at")

    def _years(self, obj) -> set[int]:
        return {obj.year}


@admin.register(CalendarDay)
class CalendarDayAdmin(CalendarChangeAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"

    def _years(self, obj) -> set[int]:
        return {obj.date.year}


@admin.register(DeadlineRevision)
class CaseDepartmentScopedAdmin(admin.ModelAdmin):
    """Rows that belong to a case: an official sees those of their departments' cases, a superuser all."""

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if request.user.is_superuser:
            return rows
        return rows.filter(application__department_id__in=official_department_ids(user=request.user))


class DeadlineRevisionAdmin(ReadOnlyAdmin, CaseDepartmentScopedAdmin):
    """Deadlines recomputed after a calendar change (read-only record)."""

    list_display = (
        "created_at",
        "application",
        "old_promised_deadline",
        "new_promised_deadline",
        "was_provisional",
        "provisional",
        "reason",
    )
    list_select_related = ("application",)
    readonly_fields = (*list_display, "old_statutory_deadline", "new_statutory_deadline", "changed_by")


class ScanStuckFilter(admin.SimpleListFilter):
    """Materials whose malware scan has been pending past MALWARE_SCAN_STUCK_AFTER_SECONDS."""

    title = gettext_lazy("查毒滞留")
    parameter_name = "scan_stuck"

    def lookups(self, request, model_admin):
        return [("yes", _("查毒滞留"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(scan_status=ScanStatus.PENDING, created_at__lte=scan_stuck_before())
        return queryset


@admin.register(SubmittedMaterial)
class SubmittedMaterialAdmin(ReadOnlyAdmin, CaseDepartmentScopedAdmin):
    """Submitted materials of the official's departments, with their malware scan: a scan that
    is stuck (pending past the threshold) shows its attempts and last error."""

    list_display = (
        "original_name",
        "case_number",
        "scan_status",
        "scan_stuck",
        "scan_attempts",
        "scan_checked_at",
        "scan_last_error",
        "created_at",
    )
    list_filter = (ScanStuckFilter, "scan_status")
    list_select_related = ("application",)
    search_fields = ("application__case_number",)
    ordering = ("-created_at",)
    fields = (
        "application",
        "requirement",
        "source",
        "original_name",
        "content_type",
        "size",
        "scan_status",
        "scan_attempts",
        "scan_checked_at",
        "scan_last_error",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=gettext_lazy("办件编号"))
    def case_number(self, material):
        return material.application.case_number or gettext_lazy("草稿")

    def has_view_permission(self, request, obj=None):
        # Whoever may view their departments' cases may view those cases' materials (scoped above).
        return request.user.has_perm("applications.view_application") or super().has_view_permission(request, obj)

    @admin.display(description=gettext_lazy("查毒滞留"), boolean=True)
    def scan_stuck(self, material):
        return material.scan_status == ScanStatus.PENDING and material.created_at <= scan_stuck_before()


def _attachment(field_file, *, filename: str, content_type: str) -> FileResponse:
    """A private file as a download the browser never renders."""
    response = FileResponse(
        field_file.open("rb"),
        as_attachment=True,
        filename=filename or "download",
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# A queue tab counts its cases up to this many.
QUEUE_COUNT_CAP = 999


@admin.register(Application)
class ApplicationAdmin(ActionCheckboxMixin, admin.ModelAdmin):
    # An official works the queue from the top: 50 cases a page, not Django's 100 (each row
    # carries a deadline label and links), so a page renders in half the time.
    list_per_page = 50
    list_display = (
        "case_number",
        "service_item",
        "department",
        "applicant_name",
        "status",
        "deadline",
        "assigned_to",
        "flag",
    )
    list_filter = (QueueFilter, "status", DepartmentFilter, AssignmentFilter, FlagFilter)
    list_select_related = ("applicant", "service_item", "department", "assigned_to")
    search_fields = ("case_number", "service_item__name", "applicant__real_name")
    search_help_text = gettext_lazy("按办件编号、事项名称或申请人姓名搜索")
    # A queue: oldest promise first, served by the (department, status, promised_deadline) index.
    # "全部": newest case first (get_ordering, admin_queue.queue_ordering).
    ordering = DEADLINE_FIRST
    sortable_by = ("case_number", "status", "deadline")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    # Facet counts are one aggregate per filter over the whole list; the tabs count the working sets instead.
    show_facets = admin.ShowFacets.NEVER
    actions = ("claim", "assign", "accept_selected", "export_csv")
    readonly_fields = (
        "case_number",
        "status",
        "service_item",
        "service_version",
        "department",
        "bundle",
        "parent",
        "applicant_display",
        "principal_display",
        "enterprise_display",
        "submitted_at",
        "deadline_display",
        "statutory_deadline",
        "decided_at",
        "concluded_at",
        "assigned_to",
        "flag",
    )
    fieldsets = (
        (
            gettext_lazy("办件"),
            {"fields": ("case_number", "status", "service_item", "service_version", "department", "bundle", "parent")},
        ),
        (gettext_lazy("申请人"), {"fields": ("applicant_display", "principal_display", "enterprise_display")}),
        (
            gettext_lazy("时限与经办"),
            {
                "fields": (
                    "submitted_at",
                    "deadline_display",
                    "statutory_deadline",
                    "decided_at",
                    "concluded_at",
                    "assigned_to",
                    "flag",
                )
            },
        ),
    )

    class Media:
        css = {"all": ("applications/admin_queue.css",)}  # noqa: RUF012 - Django reads this class attribute

    # --- Scoping ----------------------------------------------------------------

    def get_queryset(self, request):
        # The official's departments are looked up once per request, however many
        # times the admin asks (tab counts, the list, actions).
        cases = getattr(request, "_official_cases", None)
        if cases is None:
            cases = request._official_cases = applications_for_official(user=request.user)
        return cases.all()

    def _case_or_404(self, request, object_id) -> Application:
        """The case if this user may see it; otherwise 404, the same as for a missing case."""
        try:
            pk = int(unquote(str(object_id)))
        except ValueError:
            raise Http404 from None
        application = self.get_queryset(request).filter(pk=pk).first()
        if application is None:
            raise Http404
        return application

    def has_add_permission(self, request):
        return False  # cases are created by applicants

    def has_change_permission(self, request, obj=None):
        return False  # read-only page: every change is a service call (actions, decisions)

    def has_delete_permission(self, request, obj=None):
        return False  # case files are records

    def has_process_permission(self, request, obj=None):
        return request.user.has_perm("applications.process_application")

    def get_changelist(self, request, **kwargs):
        return QueueChangeList

    def get_ordering(self, request):
        return queue_ordering(request)

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        return self.paginator(queryset, per_page, orphans, allow_empty_first_page, estimate=is_unfiltered(request))

    # --- List columns -------------------------------------------------------------

    @admin.display(description=gettext_lazy("申请人"))
    def applicant_name(self, application):
        applicant = application.applicant
        return applicant.real_name or applicant.display_name or "—"

    @admin.display(description=gettext_lazy("承诺期限"), ordering="promised_deadline")
    def deadline(self, application):
        label = getattr(application, "deadline_label", None)
        if label is None:  # outside the list page (e.g. the case page): label it alone
            label_deadlines([application])
            label = application.deadline_label
        return format_html('<span class="deadline {}">{}</span>', label.css_class, label.text)

    @admin.display(description=gettext_lazy("预警"))
    def flag(self, application):
        labels = {"overdue": _("已超期"), "stuck": _("长时间未处理")}
        if not application.flagged:
            return "—"
        return format_html('<span class="case-flag">{}</span>', labels.get(application.flagged, application.flagged))

    # --- The case page --------------------------------------------------------------

    @staticmethod
    def _person(user):
        name = user.real_name or user.display_name or user.username
        if user.id_number_masked:
            return format_html("{}（{}：{}）", name, _("身份证号码"), user.id_number_masked)
        return name

    @admin.display(description=gettext_lazy("申请人"))
    def applicant_display(self, application):
        return self._person(application.applicant)

    @admin.display(description=gettext_lazy("代办对象"))
    def principal_display(self, application):
        """The person a family proxy applied for; "—" when the applicant applied for themself."""
        if application.principal_user_id in (None, application.applicant_id):
            return "—"
        return self._person(application.principal_user)

    @admin.display(description=gettext_lazy("申请企业"))
    def enterprise_display(self, application):
        enterprise = application.enterprise
        if enterprise is None:
            return "—"
        return format_html("{}（{}：{}）", enterprise.name, _("统一社会信用代码"), enterprise.uscc_masked)

    @admin.display(description=gettext_lazy("承诺期限"))
    def deadline_display(self, application):
        return self.deadline(application)

    def _form_rows(self, application) -> list[tuple[str, object]]:
        schema = application.service_version.form_schema if application.service_version_id else {}
        properties = schema.get("properties", {})
        order = schema.get("x-order") or list(properties)
        names = [*order, *(name for name in application.form_data if name not in order)]
        return [
            (properties.get(name, {}).get("title", name), application.form_data.get(name, ""))
            for name in names
            if name in application.form_data or name in properties
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        application = self._case_or_404(request, object_id)
        application = (
            Application.objects.select_related("service_version", "applicant", "principal_user", "enterprise")
            .prefetch_related(
                "materials__requirement", "materials__supplement", "supplement_requests__requested_by", "results"
            )
            .get(pk=application.pk)
        )
        may_process = self.has_process_permission(request)
        default_result_name = application.service_version.result_name if application.service_version_id else ""
        decision_forms = (
            [
                DecisionForm(to_status=to_status, default_result_name=default_result_name)
                for to_status in official_decisions(application.status)
            ]
            if may_process
            else []
        )
        transitions = application.transitions.select_related("actor").order_by("created_at", "pk")
        context = {
            "case": application,
            "form_rows": self._form_rows(application),
            "materials": application.materials.all(),
            "supplements": application.supplement_requests.all(),
            "results": application.results.all(),
            "transitions": transitions,
            "decision_forms": decision_forms,
            "downloadable": (ScanStatus.CLEAN, ScanStatus.NOT_SCANNED),
            "scan_pending": ScanStatus.PENDING,
            "scan_stuck_before": scan_stuck_before(),
            "upload_source": MaterialSource.UPLOAD,
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context=context)

    def history_view(self, request, object_id, extra_context=None):
        self._case_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    # --- The list page ----------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        # Each working queue is counted up to QUEUE_COUNT_CAP cases ("999+" past it), through the
        # (department, status, …) index: a tab says how much work waits, not an exact total, and
        # counting every case of a big department's queues (31,000 at a million cases, 5 ms)
        # made the page slower as cases piled up. Concluded cases are never counted.
        cases = self.get_queryset(request).order_by()
        counts = {}
        for key in COUNTED_QUEUES:
            count = cases.filter(status__in=QUEUES[key][1])[: QUEUE_COUNT_CAP + 1].count()
            counts[key] = f"{QUEUE_COUNT_CAP}+" if count > QUEUE_COUNT_CAP else count
        current = request.GET.get(QueueFilter.parameter_name)
        tabs = [{"label": _("全部"), "url": "?", "active": current not in QUEUES, "count": None}]
        tabs += [
            {"label": label, "url": f"?queue={key}", "active": current == key, "count": counts.get(key)}
            for key, (label, _statuses) in QUEUES.items()
        ]
        return super().changelist_view(request, extra_context={"queue_tabs": tabs, **(extra_context or {})})

    # --- Custom views -------------------------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/decide/<str:to_status>/",
                self.admin_site.admin_view(self.decide_view),
                name="{}_{}_decide".format(*info),
            ),
            path(
                "<path:object_id>/materials/<int:material_id>/",
                self.admin_site.admin_view(self.material_view),
                name="{}_{}_material".format(*info),
            ),
            path(
                "<path:object_id>/results/<int:result_id>/",
                self.admin_site.admin_view(self.result_view),
                name="{}_{}_result".format(*info),
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request, object_id, to_status):
        """One decision (a form on the case page): calls the service, reports its message."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_process_permission(request):
            raise PermissionDenied
        application = self._case_or_404(request, object_id)
        if to_status not in DECISIONS:
            raise Http404
        change_url = reverse("admin:applications_application_change", args=[application.pk])
        form = DecisionForm(request.POST, request.FILES, to_status=to_status)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    self.message_user(request, error, messages.ERROR)
            return redirect(change_url)
        try:
            decision = application_decide(
                application_id=application.pk,
                to_status=to_status,
                actor=request.user,
                comment=form.cleaned_data["comment"],
                result_file=form.cleaned_data.get("result_file"),
                result_name=form.cleaned_data.get("result_name", ""),
            )
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return redirect(change_url)
        values = {"case": application.case_number, "status": Status(to_status).label}
        if not decision.changed:
            self.message_user(request, _("办件 %(case)s 已是“%(status)s”，未重复办理。") % values, messages.WARNING)
        else:
            self.message_user(request, _("办件 %(case)s 已变更为“%(status)s”。") % values, messages.SUCCESS)
            if decision.result is not None:
                self.message_user(
                    request, _("已保存办理结果“%(name)s”。") % {"name": decision.result.name}, messages.SUCCESS
                )
        return redirect(change_url)

    def material_view(self, request, object_id, material_id):
        """A submitted material as an attachment, once the malware scan let it through."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        application = self._case_or_404(request, object_id)
        material = application.materials.filter(pk=material_id, source=MaterialSource.UPLOAD).first()
        if material is None or not material.file:
            raise Http404
        if material.scan_status not in (ScanStatus.CLEAN, ScanStatus.NOT_SCANNED):
            message = (
                _("该文件发现病毒，已禁止下载。")
                if material.scan_status == ScanStatus.INFECTED
                else _("该文件尚未完成查毒，暂不能下载。")
            )
            self.message_user(request, message, messages.ERROR)
            return redirect("admin:applications_application_change", application.pk)
        # Applicants' documents are personal data: every official's download is on record.
        personal_data_access_record(
            official=request.user,
            subject=material,
            field=PersonalDataField.MATERIAL,
            reason=f"办件审查 {application.case_number}",
        )
        return _attachment(material.file, filename=material.original_name, content_type=material.content_type)

    def result_view(self, request, object_id, result_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        application = self._case_or_404(request, object_id)
        result = application.results.filter(pk=result_id).first()
        if result is None:
            raise Http404
        return _attachment(result.file, filename=f"{result.name}.pdf", content_type=result.content_type)

    # --- Actions ------------------------------------------------------------------------

    def _report(self, request, *, done: str, refused: list[str]) -> None:
        self.message_user(request, done, messages.SUCCESS)
        if refused:
            self.message_user(request, _("以下办件未处理：%(cases)s") % {"cases": "；".join(refused)}, messages.WARNING)

    @admin.action(description=gettext_lazy("认领"), permissions=["process"])
    def claim(self, request, queryset):
        claimed, refused = 0, []
        for pk, case_number in one_at_a_time(queryset.values_list("pk", "case_number")):
            try:
                application_claim(application_id=pk, official=request.user)
            except ApplicationError as exc:
                refused.append(f"{case_number}：{exc.message}")
            else:
                claimed += 1
        self._report(request, done=_("已认领 %(count)d 件。") % {"count": claimed}, refused=refused)

    @admin.action(description=gettext_lazy("批量受理"), permissions=["process"])
    def accept_selected(self, request, queryset):
        accepted, refused = 0, []
        for pk, case_number, status in one_at_a_time(queryset.values_list("pk", "case_number", "status")):
            if status == Status.ACCEPTED:
                refused.append(f"{case_number}：{_('已受理，无需重复受理。')}")
                continue
            try:
                application_transition(application_id=pk, to_status=Status.ACCEPTED, actor=request.user)
            except ApplicationError as exc:
                refused.append(f"{case_number}：{exc.message}")
            else:
                accepted += 1
        self._report(request, done=_("已受理 %(count)d 件。") % {"count": accepted}, refused=refused)

    def _assignable_officials(self, request, queryset):
        """Active staff who may process cases, of the selected cases' departments — and,
        unless the assigning official is a superuser, only of departments they work in too."""
        departments = set(queryset.values_list("department_id", flat=True))
        if not request.user.is_superuser:
            departments &= set(official_department_ids(user=request.user))
        user_ids = DepartmentOfficial.objects.filter(department_id__in=departments).values("user_id")
        return (
            get_user_model()
            .objects.with_perm(
                "applications.process_application",
                include_superusers=True,
                backend=MODEL_BACKEND,
            )
            .filter(pk__in=user_ids, is_active=True, is_staff=True)
            .order_by("display_name", "username")
        )

    @admin.action(description=gettext_lazy("分派给…"), permissions=["process"])
    def assign(self, request, queryset):
        """An intermediate page asks for the official; its form posts back to this action."""
        form = AssignForm(
            request.POST if "apply" in request.POST else None,
            officials=self._assignable_officials(request, queryset),
        )
        if "apply" in request.POST and form.is_valid():
            assignee = form.cleaned_data["assignee"]
            assigned, refused = 0, []
            for pk, case_number in one_at_a_time(queryset.values_list("pk", "case_number")):
                try:
                    application_assign(application_id=pk, assigned_by=request.user, assignee=assignee)
                except ApplicationError as exc:
                    refused.append(f"{case_number}：{exc.message}")
                else:
                    assigned += 1
            name = assignee.display_name or assignee.username
            self._report(
                request,
                done=_("已将 %(count)d 件分派给%(name)s。") % {"count": assigned, "name": name},
                refused=refused,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("分派办件"),
            "opts": self.opts,
            "form": form,
            "cases": queryset.values_list("pk", "case_number"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/applications/application/assign.html", context)

    @admin.action(description=gettext_lazy("导出所选办件（CSV）"), permissions=["view"])
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="cases-{timezone.localdate():%Y%m%d}.csv"'
        response["X-Content-Type-Options"] = "nosniff"
        response.write("\ufeff")  # so spreadsheet programs read UTF-8
        writer = csv.writer(response)
        writer.writerow(
            [_("办件编号"), _("事项"), _("承办部门"), _("状态"), _("提交时间"), _("承诺期限"), _("经办人员")]
        )
        rows = queryset.select_related("service_item", "department", "assigned_to").order_by("promised_deadline", "pk")
        for application in rows.iterator(chunk_size=2000):
            assignee = application.assigned_to
            writer.writerow(
                [
                    csv_cell(value)
                    for value in (
                        application.case_number,
                        application.service_item.name if application.service_item_id else "",
                        application.department.name if application.department_id else "",
                        Status(application.status).label,
                        timezone.localtime(application.submitted_at).strftime("%Y-%m-%d %H:%M")
                        if application.submitted_at
                        else "",
                        application.promised_deadline,
                        (assignee.display_name or assignee.username) if assignee else "",
                    )
                ]
            )
        return response


@admin.register(PrefillReport)
class PrefillReportAdmin(CaseDepartmentScopedAdmin):
    """Residents' reports of wrong prefilled data, for the officials of the case's department."""

    list_display = ("created_at", "case_number", "field", "source", "message")
    list_filter = ("source",)
    list_select_related = ("application",)
    readonly_fields = ("application", "field", "source", "message", "created_at")

    @admin.display(description=gettext_lazy("办件编号"))
    def case_number(self, report):
        return report.application.case_number or gettext_lazy("草稿")

    # Reports are mostly made on drafts, which the case queues leave out: scoped by department (the base).

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
