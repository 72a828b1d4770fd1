"""The supervisor queue (电子监察) in the admin.

Department-scoped like the applications queue: an official sees the cards of their
departments (superusers: all). The list shows the case's working days late, measured
live as the applications queue measures them (one calendar load per page, so the page
costs the same number of queries for 2 cards or 200). The page is read-only: the
department's acknowledgement and a supervisor's closing are forms on the card's page,
each calling :func:`supervision.services.card_transition`.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.calendar import WorkingCalendar
from applications.constants import OPEN_STATUSES, Status
from applications.selectors import official_department_ids
from common.admin import ObjectActionsMixin, ShownRelationsJoinedMixin
from common.i18n import display_name

from . import selectors, services
from .constants import CARD_ACTIVE_STATUSES, CardStatus, Role, card_transition_roles
from .models import CardTransition, SupervisionCard, WeeklyDigest

# The forms on a card's page: key → (label, target status, note label).
ACTIONS = {
    "acknowledge": (gettext_lazy("提交情况说明"), CardStatus.ACKNOWLEDGED, gettext_lazy("情况说明（原因及整改措施）")),
    "close": (gettext_lazy("关闭督办单"), CardStatus.CLOSED, gettext_lazy("关闭意见（可选）")),
}


class TransitionInline(ShownRelationsJoinedMixin, admin.TabularInline):
    model = CardTransition
    extra = 0
    can_delete = False
    fields = readonly_fields = ("created_at", "from_status", "to_status", "role", "actor", "comment")
    verbose_name_plural = gettext_lazy("督办记录")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DepartmentFilter(admin.SimpleListFilter):
    """Only the official's own departments (all departments for a superuser)."""

    title = gettext_lazy("承办部门")
    parameter_name = "department"

    def lookups(self, request, model_admin):
        from services.models import Department

        departments = Department.objects.order_by("order", "code")
        if not request.user.is_superuser:
            departments = departments.filter(pk__in=official_department_ids(user=request.user))
        return [(str(department.pk), display_name(department)) for department in departments]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(department_id=int(self.value()))
        return queryset


def label_days_late(cards) -> None:
    """Set ``days_late`` on each card of a page: working days the case is late now, measured as
    the applications queue does (from today while the clock runs, from the day it paused for a
    supplement); None once the case left the working set. One calendar load for the page."""
    cards = list(cards)
    if not cards:
        return
    today = timezone.localdate()
    dates = [today] + [card.deadline for card in cards]
    dates += [card.application.paused_since for card in cards if card.application.paused_since]
    calendar = WorkingCalendar(first_year=min(dates).year, last_year=max(dates).year)
    for card in cards:
        case = card.application
        if case.status in OPEN_STATUSES:
            start = today
        elif case.status == Status.SUPPLEMENT_REQUESTED and case.paused_since:
            start = case.paused_since
        else:
            card.days_late = None
            continue
        card.days_late = max(-calendar.working_days_between(start, card.deadline), 0)


@admin.register(SupervisionCard)
class SupervisionCardAdmin(ObjectActionsMixin, admin.ModelAdmin):
    class Media:
        css = {"all": ("supervision/admin.css",)}  # noqa: RUF012 - Django reads this class attribute

    object_action_labels = {key: label for key, (label, _to, _note) in ACTIONS.items()}  # noqa: RUF012 - a read-only table

    list_display = (
        "case_number",
        "service_item",
        "colour_badge",
        "responsible",
        "deadline",
        "days_late_now",
        "issued_at",
        "status",
    )
    list_filter = ("colour", "status", DepartmentFilter)
    search_fields = ("application__case_number",)
    ordering = ("-issued_at", "-pk")
    inlines = (TransitionInline,)
    readonly_fields = (
        "case_link",
        "service_item",
        "department",
        "colour_badge",
        "responsible",
        "deadline",
        "days_at_issue",
        "days_late_now",
        "issued_at",
        "status",
        "note",
        "acknowledged_at",
        "closed_at",
    )
    fields = readonly_fields

    def get_queryset(self, request):
        return (
            selectors.cards_for_official(user=request.user)
            .select_related("application__service_item", "department", "responsible")
            .order_by(*self.ordering)
        )

    # Officials who work the department's cases see its cards (to explain them), besides
    # those given the view permission (supervisors).
    def _is_official(self, request) -> bool:
        return request.user.has_perm("applications.process_application")

    def has_module_permission(self, request):
        return super().has_module_permission(request) or self._is_official(request)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or self._is_official(request)

    def has_add_permission(self, request):
        return False  # issued by the beat task

    def has_change_permission(self, request, obj=None):
        return False  # every change is a service call (the forms on the page)

    def has_delete_permission(self, request, obj=None):
        return False  # records

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        label_days_late(changelist.result_list)
        return changelist

    # --- Columns -----------------------------------------------------------------

    @admin.display(description=gettext_lazy("办件编号"), ordering="application__case_number")
    def case_number(self, card):
        return card.application.case_number

    @admin.display(description=gettext_lazy("办件"))
    def case_link(self, card):
        url = reverse("admin:applications_application_change", args=[card.application_id])
        return format_html('<a href="{}">{}</a>', url, card.application.case_number)

    @admin.display(description=gettext_lazy("事项"))
    def service_item(self, card):
        item = card.application.service_item
        return display_name(item) if item else "—"

    @admin.display(description=gettext_lazy("类别"), ordering="colour")
    def colour_badge(self, card):
        # The colour is spelled out: never told by colour alone.
        return format_html(
            '<span class="supervision-card supervision-card-{}">{}</span>', card.colour, card.get_colour_display()
        )

    @admin.display(description=gettext_lazy("签发时剩余/超期"))
    def days_at_issue(self, card):
        days = card.working_days_at_issue
        if days < 0:
            return _("超期%(days)d个工作日") % {"days": -days}
        return _("剩余%(days)d个工作日") % {"days": days}

    @admin.display(description=gettext_lazy("超期工作日"))
    def days_late_now(self, card):
        if card.status not in CARD_ACTIVE_STATUSES:
            return "—"
        if not hasattr(card, "days_late"):
            label_days_late([card])
        return "—" if card.days_late is None else card.days_late

    # --- The card's page and its forms (common.admin.ObjectActionsMixin) ---------------

    def object_actions(self, request, card) -> list[dict]:
        actions = []
        for key, (_label, to_status, note_label) in ACTIONS.items():
            roles = card_transition_roles(card.status, to_status)
            may = (
                Role.SUPERVISOR in roles
                and selectors.is_supervisor(user=request.user, department_id=card.department_id)
            ) or (
                Role.DEPARTMENT in roles
                and selectors.is_department_official(user=request.user, department_id=card.department_id)
            )
            if may:
                actions.append({"key": key, "text_label": note_label})
        return actions

    def perform_object_action(self, request, card, action):
        _label, to_status, _note_label = ACTIONS[action]
        note = request.POST.get("note", "")[:2000]
        services.card_transition(card_id=card.pk, to_status=to_status, actor=request.user, note=note)


@admin.register(WeeklyDigest)
class WeeklyDigestAdmin(admin.ModelAdmin):
    """The digests sent (read-only): which department, which week, what figures."""

    list_display = ("department", "week_start", "recipients", "sent_at")
    list_select_related = ("department",)
    fields = readonly_fields = ("department", "week_start", "figures", "recipients", "sent_at")

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if request.user.is_superuser:
            return rows
        return rows.filter(department_id__in=official_department_ids(user=request.user))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
