"""The officials' inquiry queue (咨询投诉办理) and the routing tables in the admin.

Built like the follow-up queue (:mod:`complaints.admin`): department-scoped through
:func:`complaints.selectors_inquiries.inquiries_for_official` (the dispatch centre sees
all, unassigned items included), the remaining working days to the answer deadline on
every row, and a read-only page whose forms (答复, 转办, 退回, 分派) each post to
``act/<action>/`` and call one service.

Who submitted a report (举报) is shown only to officials allowed to see it
(:func:`~complaints.selectors_inquiries.may_see_reporter`), in the page's fields and in
its transitions alike, and every showing is logged as a personal-data access.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.constants import ScanStatus
from applications.selectors import official_department_ids
from applications.uploads import ALLOWED_TYPES
from common.admin import ObjectActionsMixin
from common.exceptions import ApplicationError
from identity.constants import PersonalDataField
from identity.personal_data import personal_data_access_record
from services.models import Department

from . import selectors_inquiries as selectors
from . import services_inquiries as services
from .admin import _ReadOnlyInline, label_remaining
from .constants import InquiryRole, InquiryStatus
from .models import Inquiry, InquiryAttachment, InquiryCategory, InquiryTransition, RoutingRule

# The forms on an inquiry's page, by the ``act/<action>/`` key they post to.
ACTIONS = {
    "answer": gettext_lazy("答复"),
    "transfer": gettext_lazy("转办"),
    "send_back": gettext_lazy("退回统一受理中心"),
    "assign": gettext_lazy("分派"),
}
REPORTER_HIDDEN = gettext_lazy("（举报人信息已隐藏）")
ESCALATION_LABELS = {1: gettext_lazy("一级督办"), 2: gettext_lazy("二级督办（统一受理中心）")}
# Attachments an official may download: scanned clean, or stored where no scanner is configured.
DOWNLOADABLE = (ScanStatus.CLEAN, ScanStatus.NOT_SCANNED)
TEXT_MAX_LENGTH = 4000  # the services refuse anything over their own, smaller limits


def _handles(user, inquiry: Inquiry) -> bool:
    """Whether ``user`` works ``inquiry`` for its department (the services check it again)."""
    return user.has_perm("complaints.handle_inquiry") and (
        user.is_superuser or inquiry.department_id in official_department_ids(user=user)
    )


def _department_choice(*, exclude=None) -> dict:
    """The department select of an action form (admin/includes/object_actions.html)."""
    departments = Department.objects.order_by("order", "code")
    if exclude is not None:
        departments = departments.exclude(pk=exclude)
    return {
        "choice_name": "department",
        "choice_label": _("部门"),
        "choice_empty": _("请选择部门"),
        "choices": [(department.pk, str(department)) for department in departments],
    }


def _download(field_file, *, filename: str, content_type: str) -> FileResponse:
    """A private file as a download the browser never renders (as the case materials are served)."""
    response = FileResponse(
        field_file.open("rb"),
        as_attachment=True,
        filename=filename or "download",
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class _InquiryInline(_ReadOnlyInline):
    """Shown to whoever may view the inquiry itself: the page is reached through the scoped queue."""

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("complaints.view_inquiry")


class TransitionInline(_InquiryInline):
    model = InquiryTransition
    fields = readonly_fields = (
        "created_at",
        "action",
        "from_status",
        "to_status",
        "from_department",
        "to_department",
        "role",
        "actor_shown",
        "comment",
    )
    verbose_name_plural = gettext_lazy("办理记录")
    # Set per request by InquiryAdmin.get_inline_instances; hidden unless it says otherwise.
    reporter_visible = False
    row_relations = ("actor",)  # actor_shown reads it

    @admin.display(description=gettext_lazy("操作人"))
    def actor_shown(self, transition):
        if transition.role == InquiryRole.RESIDENT and not self.reporter_visible:
            return REPORTER_HIDDEN
        return transition.actor or "—"


class AttachmentInline(_InquiryInline):
    model = InquiryAttachment
    fields = readonly_fields = ("name_shown", "content_type", "size", "scan_status", "download")
    verbose_name_plural = gettext_lazy("附件")
    # Set per request like TransitionInline's: a reporter's own file names may name them.
    reporter_visible = False

    @admin.display(description=gettext_lazy("文件名"))
    def name_shown(self, attachment):
        if attachment.inquiry.is_report and not self.reporter_visible:
            return _("附件%(number)d（文件名已隐藏）") % {"number": attachment.pk}
        return attachment.original_name

    @admin.display(description=gettext_lazy("下载"))
    def download(self, attachment):
        if not attachment.file or attachment.scan_status not in DOWNLOADABLE:
            return "—"
        url = reverse("admin:complaints_inquiry_attachment", args=[attachment.inquiry_id, attachment.pk])
        return format_html('<a href="{}">{}</a>', url, _("下载"))


@admin.register(Inquiry)
class InquiryAdmin(ObjectActionsMixin, admin.ModelAdmin):
    class Media:
        css = {"all": ("complaints/admin.css",)}  # noqa: RUF012 - Django reads this class attribute

    object_action_labels = ACTIONS

    list_display = ("reference", "kind", "subject", "department", "status", "due_date", "remaining", "escalation")
    list_filter = ("status", "kind", "department", "escalation_level")
    list_select_related = ("department",)
    search_fields = ("reference",)
    ordering = ("due_date", "pk")
    inlines = (TransitionInline, AttachmentInline)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "reference",
                    "kind",
                    "category",
                    "subject",
                    "content",
                    "service_item",
                    "about_department",
                    "region_code",
                )
            },
        ),
        (
            gettext_lazy("提交人"),
            {"fields": ("submitter_shown", "enterprise_shown", "contact_phone_shown", "application_shown")},
        ),
        (
            gettext_lazy("办理"),
            {
                "fields": (
                    "department",
                    "status",
                    "due_date",
                    "remaining",
                    "transfer_count",
                    "escalation",
                    "answer",
                    "answered_at",
                    "reopen_count",
                    "satisfied",
                    "created_at",
                )
            },
        ),
    )
    readonly_fields = tuple(name for _title, options in fieldsets for name in options["fields"])

    def get_queryset(self, request):
        return selectors.inquiries_for_official(user=request.user).select_related("department").order_by(*self.ordering)

    def has_add_permission(self, request):
        return False  # submitted by residents

    def has_change_permission(self, request, obj=None):
        return False  # every change is a service call (the forms on the page)

    def has_delete_permission(self, request, obj=None):
        return False  # records

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        label_remaining(changelist.result_list)
        return changelist

    def get_object(self, request, object_id, from_field=None):
        try:
            pk = int(unquote(str(object_id)))
        except ValueError:
            return None
        inquiry = (
            self.get_queryset(request)
            .select_related("category", "service_item", "about_department", "submitter", "enterprise", "application")
            .filter(pk=pk)
            .first()
        )
        if inquiry is not None:
            inquiry.reporter_visible = selectors.may_see_reporter(user=request.user, inquiry=inquiry)
        return inquiry

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        visible = obj is not None and selectors.may_see_reporter(user=request.user, inquiry=obj)
        for inline in inlines:  # fresh instances for each request
            if isinstance(inline, TransitionInline | AttachmentInline):
                inline.reporter_visible = visible
        return inlines

    # --- Columns and fields --------------------------------------------------------

    @admin.display(description=gettext_lazy("剩余工作日"))
    def remaining(self, inquiry):
        if inquiry.status in (InquiryStatus.ANSWERED, InquiryStatus.CLOSED):
            return "—"
        if not hasattr(inquiry, "remaining_days"):
            label_remaining([inquiry])
        days = inquiry.remaining_days
        if days < 0:
            return format_html(
                '<span class="deadline overdue">{}</span>', _("已超期 %(days)d 个工作日") % {"days": -days}
            )
        return format_html(
            '<span class="deadline{}">{}</span>',
            " due-soon" if days <= 1 else "",
            _("剩余 %(days)d 个工作日") % {"days": days},
        )

    @admin.display(description=gettext_lazy("督办"), ordering="escalation_level")
    def escalation(self, inquiry):
        if not inquiry.escalation_level:
            return "—"
        label = ESCALATION_LABELS.get(inquiry.escalation_level) or _("%(level)d 级督办") % {
            "level": inquiry.escalation_level
        }
        return format_html('<span class="escalated">{}</span>', label)

    def _reporter_field(self, inquiry, value):
        if not getattr(inquiry, "reporter_visible", False):
            return REPORTER_HIDDEN
        return value or "—"

    @admin.display(description=gettext_lazy("提交人"))
    def submitter_shown(self, inquiry):
        return self._reporter_field(inquiry, inquiry.submitter)

    @admin.display(description=gettext_lazy("企业"))
    def enterprise_shown(self, inquiry):
        return self._reporter_field(inquiry, inquiry.enterprise)

    @admin.display(description=gettext_lazy("联系电话"))
    def contact_phone_shown(self, inquiry):
        return self._reporter_field(inquiry, inquiry.contact_phone)

    @admin.display(description=gettext_lazy("涉及办件"))
    def application_shown(self, inquiry):
        return self._reporter_field(inquiry, inquiry.application)

    # --- The inquiry's page and its forms ----------------------------------------------

    # --- The inquiry's page and its forms (common.admin.ObjectActionsMixin) -------------

    def object_action_done_message(self, inquiry, action):
        return _("已完成：%(action)s（%(reference)s）。") % {"action": ACTIONS[action], "reference": inquiry.reference}

    def object_actions(self, request, inquiry: Inquiry) -> list[dict]:
        user = request.user
        handles = _handles(user, inquiry)
        actions = []
        if handles and inquiry.status in (InquiryStatus.ASSIGNED, InquiryStatus.REOPENED):
            actions.append({"key": "answer", "text_name": "answer", "text_label": _("答复内容"), "required": True})
        if handles and inquiry.status == InquiryStatus.ASSIGNED and not inquiry.sent_back:
            actions.append(
                {
                    "key": "transfer",
                    **_department_choice(exclude=inquiry.department_id),
                    "text_name": "reason",
                    "text_label": _("转办理由"),
                    "required": True,
                }
            )
            actions.append({"key": "send_back", "text_name": "reason", "text_label": _("退回理由"), "required": True})
        if inquiry.status == InquiryStatus.RECEIVED and user.has_perm("complaints.dispatch_inquiry"):
            actions.append(
                {
                    "key": "assign",
                    **_department_choice(),
                    "text_name": "comment",
                    "text_label": _("分派说明（可选）"),
                    "required": False,
                }
            )
        return actions

    def perform_object_action(self, request, inquiry: Inquiry, action: str) -> None:
        user = request.user

        def text(name):
            return request.POST.get(name, "")[:TEXT_MAX_LENGTH]

        if action == "answer":
            services.inquiry_answer(inquiry_id=inquiry.pk, actor=user, answer=text("answer"))
        elif action == "send_back":
            services.inquiry_send_back(inquiry_id=inquiry.pk, actor=user, reason=text("reason"))
        elif action == "transfer":
            services.inquiry_transfer(
                inquiry_id=inquiry.pk, department=self._department(request), actor=user, reason=text("reason")
            )
        else:
            services.inquiry_assign(
                inquiry_id=inquiry.pk, department=self._department(request), actor=user, comment=text("comment")
            )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        inquiry = response.context_data["original"] if hasattr(response, "context_data") else None
        if (
            request.method == "GET"
            and response.status_code == 200
            and inquiry is not None
            and inquiry.is_report
            and not inquiry.anonymous
            and inquiry.reporter_visible
        ):
            # Who reported is personal data: every official's look at it is on record.
            personal_data_access_record(
                official=request.user,
                subject=inquiry,
                field=PersonalDataField.REPORTER,
                reason=f"查看举报人身份 {inquiry.reference}",
            )
        return response

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/attachment/<int:attachment_id>/",
                self.admin_site.admin_view(self.attachment_view),
                name="{}_{}_attachment".format(*info),
            ),
            *super().get_urls(),
        ]

    def _department(self, request) -> Department:
        department_id = request.POST.get("department", "")
        department = Department.objects.filter(pk=int(department_id)).first() if department_id.isdigit() else None
        if department is None:
            raise ApplicationError(_("请选择部门。"), code="department_required")
        return department

    def attachment_view(self, request, object_id, attachment_id):
        """An attachment as a download, once the malware scan let it through; 404 otherwise."""
        inquiry = self.scoped_object_or_404(request, object_id)
        attachment = inquiry.attachments.filter(pk=attachment_id).first()
        if attachment is None or not attachment.file or attachment.scan_status not in DOWNLOADABLE:
            raise Http404
        # Residents' files are personal data: every official's download is on record.
        personal_data_access_record(
            official=request.user,
            subject=attachment,
            field=PersonalDataField.MATERIAL,
            reason=f"咨询投诉办理 {inquiry.reference}",
        )
        filename = attachment.original_name
        if inquiry.is_report and not selectors.may_see_reporter(user=request.user, inquiry=inquiry):
            filename = f"attachment-{attachment.pk}{ALLOWED_TYPES.get(attachment.content_type, '')}"
        return _download(attachment.file, filename=filename, content_type=attachment.content_type)


# --- The routing tables officials edit ----------------------------------------------------


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("kind", "category", "service_item", "region_code", "department", "priority", "active")
    list_filter = ("active", "kind", "category", "department")
    list_select_related = ("category", "service_item", "department")
    search_fields = ("region_code", "note", "service_item__code", "service_item__name", "department__name")
    raw_id_fields = ("service_item",)
    ordering = ("priority", "pk")
    fields = ("kind", "category", "service_item", "region_code", "department", "priority", "active", "note")


@admin.register(InquiryCategory)
class InquiryCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "order", "active")
    list_filter = ("active",)
    search_fields = ("code", "name", "name_en")
    ordering = ("order", "code")
