"""The officials' follow-up queue (差评整改) in the admin.

Department-scoped like the applications queue: an official sees the follow-ups of
their departments only; supervisors who decide appeals see all. The list shows the
remaining working days to the rectification deadline (one calendar load per page).
The page is read-only: callbacks, rectification, closing and appeals are forms on
the follow-up's page, each calling one service.
"""

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.calendar import WorkingCalendar
from applications.selectors import official_department_ids
from common.admin import ObjectActionsMixin, ShownRelationsJoinedMixin

from . import selectors, services
from .constants import FOLLOWUP_FINAL_STATUSES, FollowUpStatus, Role, followup_transition_roles
from .models import Evaluation, FollowUp, FollowUpCallback, FollowUpTransition

# The forms on a follow-up's page: key → (label, target status or None for a callback, note label).
ACTIONS = {
    "callback": (gettext_lazy("登记回访"), None, gettext_lazy("回访记录")),
    "rectify": (gettext_lazy("提交整改报告"), FollowUpStatus.RECTIFIED, gettext_lazy("整改情况")),
    "close": (gettext_lazy("办结并反馈群众"), FollowUpStatus.CLOSED, gettext_lazy("反馈群众的处理结果（可选）")),
    "appeal": (gettext_lazy("申诉：评价不实"), FollowUpStatus.APPEAL_REQUESTED, gettext_lazy("申诉理由")),
    "uphold": (gettext_lazy("裁定申诉成立"), FollowUpStatus.APPEAL_UPHELD, gettext_lazy("裁定意见")),
    "reject": (gettext_lazy("驳回申诉"), FollowUpStatus.APPEAL_REJECTED, gettext_lazy("裁定意见")),
}


class _ReadOnlyInline(ShownRelationsJoinedMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    template = "admin/complaints/readonly_tabular.html"

    def has_view_permission(self, request, obj=None):
        # Whoever may see the follow-up sees its history: officials hold no permission on
        # the record models themselves, and Django would otherwise hide these tables from them.
        return request.user.has_perm("complaints.view_followup")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CallbackInline(_ReadOnlyInline):
    model = FollowUpCallback
    fields = readonly_fields = ("created_at", "actor", "note")
    verbose_name_plural = gettext_lazy("回访记录")


class TransitionInline(_ReadOnlyInline):
    model = FollowUpTransition
    fields = readonly_fields = ("created_at", "from_status", "to_status", "role", "actor", "comment")
    verbose_name_plural = gettext_lazy("处理记录")


def label_remaining(followups) -> None:
    """Set ``remaining_days`` (working days to the deadline; negative when overdue) on each
    follow-up, with one calendar load (two queries) for all of them."""
    followups = list(followups)
    if not followups:
        return
    today = timezone.localdate()
    dates = [followup.due_date for followup in followups]
    calendar = WorkingCalendar(first_year=min(today, *dates).year, last_year=max(today, *dates).year)
    for followup in followups:
        followup.remaining_days = calendar.working_days_between(today, followup.due_date)


@admin.register(FollowUp)
class FollowUpAdmin(ObjectActionsMixin, admin.ModelAdmin):
    class Media:
        css = {"all": ("complaints/admin.css",)}  # noqa: RUF012 - Django reads this class attribute

    object_action_labels = {key: label for key, (label, _to, _note) in ACTIONS.items()}  # noqa: RUF012 - a read-only table

    list_display = ("case_number", "service_item", "department", "level", "status", "due_date", "remaining")
    list_filter = ("status", "department")
    list_select_related = ("evaluation__application__service_item", "department")
    search_fields = ("evaluation__application__case_number",)
    ordering = ("due_date", "pk")
    inlines = (CallbackInline, TransitionInline)
    readonly_fields = (
        "case_number",
        "service_item",
        "department",
        "level",
        "rating_comment",
        "status",
        "due_date",
        "remaining",
        "rectification_note",
        "result_note",
        "opened_at",
        "closed_at",
    )
    fields = readonly_fields

    def get_queryset(self, request):
        return (
            selectors.followups_for_official(user=request.user)
            .select_related("evaluation__application__service_item", "department")
            .order_by(*self.ordering)
        )

    def has_add_permission(self, request):
        return False  # opened by bad ratings

    def has_change_permission(self, request, obj=None):
        return False  # every change is a service call (the forms on the page)

    def has_delete_permission(self, request, obj=None):
        return False  # records

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        label_remaining(changelist.result_list)
        return changelist

    # --- Columns -----------------------------------------------------------------

    @admin.display(description=gettext_lazy("办件编号"))
    def case_number(self, followup):
        return followup.evaluation.application.case_number

    @admin.display(description=gettext_lazy("事项"))
    def service_item(self, followup):
        return followup.evaluation.application.service_item

    @admin.display(description=gettext_lazy("评价等级"))
    def level(self, followup):
        return followup.evaluation.get_level_display()

    @admin.display(description=gettext_lazy("评价内容"))
    def rating_comment(self, followup):
        return followup.evaluation.comment or "—"

    @admin.display(description=gettext_lazy("剩余工作日"))
    def remaining(self, followup):
        if followup.status in FOLLOWUP_FINAL_STATUSES:
            return "—"
        if not hasattr(followup, "remaining_days"):
            label_remaining([followup])
        days = followup.remaining_days
        if days < 0:
            return format_html(
                '<span class="deadline overdue">{}</span>', _("已超期 %(days)d 个工作日") % {"days": -days}
            )
        return format_html(
            '<span class="deadline{}">{}</span>',
            " due-soon" if days <= 3 else "",
            _("剩余 %(days)d 个工作日") % {"days": days},
        )

    # --- The follow-up's page and its forms (common.admin.ObjectActionsMixin) ----------

    def object_actions(self, request, followup) -> list[dict]:
        user = request.user
        actions = []
        for key, (_label, to_status, note_label) in ACTIONS.items():
            if to_status is None:
                allowed = followup.status in (
                    FollowUpStatus.OPENED,
                    FollowUpStatus.CALLED_BACK,
                    FollowUpStatus.RECTIFIED,
                    FollowUpStatus.APPEAL_REJECTED,
                )
                roles = frozenset({Role.DEPARTMENT})
            else:
                roles = followup_transition_roles(followup.status, to_status)
                allowed = bool(roles)
            if not allowed:
                continue
            may = (Role.SUPERVISOR in roles and user.has_perm("complaints.decide_appeal")) or (
                Role.DEPARTMENT in roles and user.has_perm("complaints.handle_followup")
            )
            if may:
                actions.append({"key": key, "text_label": note_label})
        return actions

    def perform_object_action(self, request, followup, action):
        _label, to_status, _note_label = ACTIONS[action]
        note = request.POST.get("note", "")[:2000]
        if to_status is None:
            services.followup_callback_log(followup_id=followup.pk, actor=request.user, note=note)
        else:
            services.followup_transition(followup_id=followup.pk, to_status=to_status, actor=request.user, note=note)


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    """The ratings of the official's departments (read-only)."""

    list_display = ("application", "stage", "level", "excluded", "created_at")
    list_filter = ("stage", "level", "excluded")
    list_select_related = ("application",)
    search_fields = ("application__case_number",)
    fields = readonly_fields = ("application", "stage", "level", "tags", "comment", "excluded", "created_at")

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if request.user.is_superuser or request.user.has_perm("complaints.decide_appeal"):
            return rows
        return rows.filter(application__service_item__department_id__in=official_department_ids(user=request.user))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


from . import admin_inquiries  # noqa: E402,F401 - registers the inquiry queue and routing tables
