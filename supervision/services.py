"""Writes for electronic supervision (电子监察).

- :func:`cards_issue` (beat, every 15 minutes) gives a yellow card to each running case
  within ``SUPERVISION_YELLOW_WORKING_DAYS`` working days of its promised deadline and a
  red card to each past it, and closes the cards of cases that left the working set.
- :func:`card_transition` is the one place a card's status changes: locked, checked
  against ``CARD_TRANSITIONS``, idempotent, saved with ``update_fields``, recorded.
- :func:`weekly_digests_send` (beat, weekly) sends each department head the week's figures.

Cases are measured as the applications app measures them (``applications.admin_queue``):
the promised deadline the case carries, counted in working days from today while the
clock runs (``OPEN_STATUSES``); a case waiting for a supplement (补正) is measured at the
day its clock paused (``paused_since``), so it turns red only if it was already late
then, and never yellow (the applicant holds it). When the clock resumes, the applications
app moves the deadline by the paused working days: a new deadline, measured afresh.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.calendar import WorkingCalendar, add_working_days
from applications.constants import DECIDED_STATUSES, OPEN_STATUSES, Status
from applications.constants import Role as CaseRole
from applications.models import Application, Transition
from common.exceptions import ApplicationError
from common.i18n import lazy_display_name
from notifications.services import notify

from . import selectors
from .constants import CARD_ACTIVE_STATUSES, NOTE_REQUIRED, CardStatus, Colour, Role, card_transition_roles
from .models import CardTransition, SupervisionCard, WeeklyDigest

# Cards issued per run at most; the next run (15 minutes later) continues.
ISSUE_BATCH = 1000


# --- Issuing --------------------------------------------------------------------------


def _last_acting_official():
    """The official who last moved the case (its transitions), as a subquery."""
    return Subquery(
        Transition.objects.filter(application=OuterRef("pk"), role=CaseRole.OFFICIAL, actor__isnull=False)
        .order_by("-created_at", "-pk")
        .values("actor")[:1]
    )


def _card_exists(colour: str):
    return Exists(
        SupervisionCard.objects.filter(
            application=OuterRef("pk"), colour=colour, deadline=OuterRef("promised_deadline")
        )
    )


def cases_due_for_cards(*, today: datetime.date, yellow_cutoff: datetime.date):
    """Cases that need a card now, filtered in SQL on the indexed deadline: running cases
    due by ``yellow_cutoff`` and paused cases that were late when paused, without the card
    their deadline already has. Annotated with ``responsible_id``."""
    running = Q(status__in=OPEN_STATUSES)
    paused_late = Q(
        status=Status.SUPPLEMENT_REQUESTED, paused_since__isnull=False, promised_deadline__lt=F("paused_since")
    )
    needs_red = (Q(running, promised_deadline__lt=today) | paused_late) & ~Q(has_red=True)
    needs_yellow = Q(running, promised_deadline__gte=today, promised_deadline__lte=yellow_cutoff) & ~Q(has_yellow=True)
    return (
        Application.objects.filter(department__isnull=False, promised_deadline__lte=yellow_cutoff)
        .filter(running | paused_late)
        .alias(has_red=_card_exists(Colour.RED), has_yellow=_card_exists(Colour.YELLOW))
        .filter(needs_red | needs_yellow)
        .annotate(responsible_id=Coalesce(_last_acting_official(), F("assigned_to_id"), output_field=BigIntegerField()))
        .order_by("promised_deadline", "pk")
    )


def _measure(case: Application, *, today: datetime.date, calendar: WorkingCalendar) -> int | None:
    """Working days from the measuring day to the promised deadline (negative: late), or None
    when the clock does not count now."""
    if case.promised_deadline is None:
        return None
    if case.status in OPEN_STATUSES:
        return calendar.working_days_between(today, case.promised_deadline)
    if case.status == Status.SUPPLEMENT_REQUESTED and case.paused_since:
        return calendar.working_days_between(case.paused_since, case.promised_deadline)
    return None


def _colour_for(days: int, *, paused: bool, passed: bool, yellow_days: int) -> str | None:
    """Red when late by working days; yellow when the deadline is still ahead (or today) and near.

    A deadline that passed on a Friday is not yet late on the weekend (no working day went
    by, as the queue's label says): such a case gets neither card until Monday's red one."""
    if days < 0:
        return Colour.RED
    if not paused and not passed and days <= yellow_days:
        return Colour.YELLOW
    return None


def cards_issue(*, today: datetime.date | None = None) -> dict[str, int]:
    """Run by beat: issue the cards due now and close the cards of cases that left the working set.

    Each card is issued in its own transaction with the case row locked and the state checked
    again, and the unique constraint (case, colour, deadline) refuses a second one, so runs
    that overlap issue each card once. Returns counts.
    """
    today = today or timezone.localdate()
    yellow_days = settings.SUPERVISION_YELLOW_WORKING_DAYS
    calendar = WorkingCalendar(first_year=today.year - 1, last_year=today.year + 1)
    yellow_cutoff = add_working_days(today, yellow_days, calendar=calendar).date
    issued = {Colour.YELLOW: 0, Colour.RED: 0}
    supervisors: dict[int, list] = {}  # by department, looked up once per run
    due = list(
        cases_due_for_cards(today=today, yellow_cutoff=yellow_cutoff).values_list("pk", "responsible_id")[:ISSUE_BATCH]
    )
    for case_id, responsible_id in due:
        card = _issue_one(
            case_id=case_id,
            responsible_id=responsible_id,
            today=today,
            calendar=calendar,
            yellow_days=yellow_days,
            supervisors=supervisors,
        )
        if card is not None:
            issued[card.colour] += 1
    return {"yellow": issued[Colour.YELLOW], "red": issued[Colour.RED], "closed": cards_close_concluded()}


def _issue_one(*, case_id, responsible_id, today, calendar, yellow_days, supervisors) -> SupervisionCard | None:
    with transaction.atomic():
        case = (
            Application.objects.select_for_update(of=("self",))
            .select_related("service_item", "department")
            .filter(pk=case_id)
            .first()
        )
        if case is None:
            return None
        # Checked again under the lock: the case may have moved since it was listed.
        days = _measure(case, today=today, calendar=calendar)
        if days is None:
            return None
        colour = _colour_for(
            days,
            paused=case.status == Status.SUPPLEMENT_REQUESTED,
            passed=case.promised_deadline < today,
            yellow_days=yellow_days,
        )
        if colour is None:
            return None
        if SupervisionCard.objects.filter(application=case, colour=colour, deadline=case.promised_deadline).exists():
            return None
        now = timezone.now()
        try:
            with transaction.atomic():
                card = SupervisionCard.objects.create(
                    application=case,
                    colour=colour,
                    department=case.department,
                    responsible_id=responsible_id,
                    deadline=case.promised_deadline,
                    working_days_at_issue=days,
                    issued_at=now,
                )
        except IntegrityError:  # another run issued it meanwhile
            return None
        CardTransition.objects.create(
            card=card,
            from_status="",
            to_status=CardStatus.OPEN,
            role=Role.SYSTEM,
            comment=_issue_comment(colour, days),
            created_at=now,
        )
        if colour == Colour.RED:
            # The yellow card for the same deadline is superseded.
            for yellow in SupervisionCard.objects.select_for_update().filter(
                application=case, colour=Colour.YELLOW, deadline=case.promised_deadline, status__in=CARD_ACTIVE_STATUSES
            ):
                _move(card=yellow, to_status=CardStatus.CLOSED, actor=None, role=Role.SYSTEM, note=_("已升级为红牌。"))
        if card.department_id not in supervisors:
            supervisors[card.department_id] = list(selectors.department_supervisors(department_id=card.department_id))
        _announce(card=card, case=case, supervisors=supervisors[card.department_id])
    return card


def _issue_comment(colour: str, days: int) -> str:
    if colour == Colour.RED:
        return _("已超过承诺期限%(days)d个工作日。") % {"days": -days}
    if days == 0:
        return _("今天到达承诺期限。")
    return _("距承诺期限还剩%(days)d个工作日。") % {"days": days}


def _announce(*, card: SupervisionCard, case: Application, supervisors: list) -> None:
    """The responsible official and the department's supervisors each get one message (outbox)."""
    recipients = list(supervisors)
    if card.responsible_id and card.responsible_id not in {user.pk for user in recipients}:
        recipients.insert(0, card.responsible)
    context = {
        "case_number": case.case_number or "",
        "service": lazy_display_name(case.service_item) if case.service_item_id else "",
        "department": lazy_display_name(case.department),
        "colour": Colour(card.colour).label,
        "colour_code": card.colour,
        "deadline": card.deadline.isoformat(),
        "days_late": card.working_days_late_at_issue,
        "days_left": max(card.working_days_at_issue, 0),
    }
    link = reverse("admin:supervision_supervisioncard_change", args=[card.pk])
    for user in recipients:
        notify(user=user, template="supervision.card_issued", context=context, link=link)


# --- Closing and the department's answer -----------------------------------------------


def _move(*, card: SupervisionCard, to_status: str, actor, role: str, note: str) -> SupervisionCard:
    """Apply a checked move to a locked card: its fields, ``update_fields``, the record."""
    now = timezone.now()
    from_status = card.status
    fields = ["status", "updated_at"]
    card.status = to_status
    if to_status == CardStatus.ACKNOWLEDGED:
        card.note, card.acknowledged_at = note, now
        fields += ["note", "acknowledged_at"]
    elif to_status == CardStatus.CLOSED:
        card.closed_at = now
        fields.append("closed_at")
    card.save(update_fields=fields)
    CardTransition.objects.create(
        card=card, from_status=from_status, to_status=to_status, actor=actor, role=role, comment=note, created_at=now
    )
    return card


def _role_of(*, user, card: SupervisionCard, roles: frozenset[str]) -> str | None:
    if Role.SUPERVISOR in roles and selectors.is_supervisor(user=user, department_id=card.department_id):
        return Role.SUPERVISOR
    if Role.DEPARTMENT in roles and selectors.is_department_official(user=user, department_id=card.department_id):
        return Role.DEPARTMENT
    return None


def card_transition(*, card_id: int, to_status: str, actor, note: str = "") -> SupervisionCard:
    """Move a card to ``to_status`` if the table allows it and ``actor`` may: the department
    acknowledges (with a note), a supervisor closes. Idempotent: asking again for the status
    the card is in changes nothing and records nothing."""
    note = note.strip()
    with transaction.atomic():
        card = SupervisionCard.objects.select_for_update().filter(pk=card_id).first()
        if card is None:
            raise ApplicationError(_("督办单不存在。"), code="not_found", status=404)
        if card.status == to_status:
            return card
        roles = card_transition_roles(card.status, to_status)
        if not roles:
            raise ApplicationError(
                _("督办单当前为“%(current)s”，不能变更为“%(target)s”。")
                % {"current": CardStatus(card.status).label, "target": CardStatus(to_status).label},
                code="transition_not_allowed",
                status=409,
            )
        role = _role_of(user=actor, card=card, roles=roles)
        if role is None:
            raise ApplicationError(_("无权处理该督办单。"), code="not_allowed", status=403)
        if to_status in NOTE_REQUIRED and not note:
            raise ApplicationError(_("请填写情况说明。"), code="note_required")
        return _move(card=card, to_status=to_status, actor=actor, role=role, note=note)


def _close_for_case(*, application_id: int, reason: str) -> int:
    closed = 0
    cards = SupervisionCard.objects.select_for_update().filter(
        application_id=application_id, status__in=CARD_ACTIVE_STATUSES
    )
    for card in cards.order_by("pk"):
        _move(card=card, to_status=CardStatus.CLOSED, actor=None, role=Role.SYSTEM, note=reason)
        closed += 1
    return closed


def _left_reason(status: str) -> str:
    return _("办件已%(status)s，督办单自动关闭。") % {"status": Status(status).label}


def close_cards_on_decision(move) -> None:
    """``applications`` hook (AFTER_ENTER of the decided and final statuses): the case left the
    working set, so its open cards close, in the move's transaction."""
    _close_for_case(application_id=move.application.pk, reason=_left_reason(move.to_status))


def cards_close_concluded() -> int:
    """Close the active cards of cases that left the working set (what the hook did not see)."""
    closed = 0
    rows = (
        SupervisionCard.objects.filter(status__in=CARD_ACTIVE_STATUSES, application__status__in=DECIDED_STATUSES)
        .values_list("application_id", "application__status")
        .distinct()
        .order_by("application_id")[:ISSUE_BATCH]
    )
    for application_id, status in list(rows):
        with transaction.atomic():
            closed += _close_for_case(application_id=application_id, reason=_left_reason(status))
    return closed


# --- The weekly digest ---------------------------------------------------------------


def _week_reported(today: datetime.date) -> datetime.date:
    """The Monday of the last complete ISO week before ``today``."""
    return today - datetime.timedelta(days=today.weekday() + 7)


def weekly_digests_send(*, today: datetime.date | None = None) -> int:
    """Run by beat, weekly: each department with a head gets one digest of the last complete
    ISO week, one outbox message per head. Idempotent per department and week: the
    :class:`WeeklyDigest` row is written in the messages' transaction under a unique
    constraint, so a second (or concurrent) run sends nothing. Returns digests sent."""
    today = today or timezone.localdate()
    week_start = _week_reported(today)
    heads = selectors.department_heads_by_department()
    already = set(
        WeeklyDigest.objects.filter(week_start=week_start, department_id__in=list(heads)).values_list(
            "department_id", flat=True
        )
    )
    pending = [department_id for department_id in heads if department_id not in already]
    if not pending:
        return 0
    figures = selectors.digest_figures(week_start=week_start, today=today, department_ids=pending)
    from services.models import Department

    departments = Department.objects.in_bulk(pending)
    year, week, _day = week_start.isocalendar()
    sent = 0
    for department_id in pending:
        counts = figures.get(department_id, dict.fromkeys(selectors.DIGEST_FIGURES, 0))
        try:
            with transaction.atomic():
                WeeklyDigest.objects.create(
                    department_id=department_id,
                    week_start=week_start,
                    figures=counts,
                    recipients=len(heads[department_id]),
                )
                department = departments[department_id]
                link = reverse("admin:supervision_supervisioncard_changelist") + f"?department={department_id}"
                for head in heads[department_id]:
                    notify(
                        user=head,
                        template="supervision.weekly_digest",
                        context={
                            "department": lazy_display_name(department),
                            "week": f"{year}-W{week:02d}",
                            "week_start": week_start.isoformat(),
                            "week_end": (week_start + datetime.timedelta(days=6)).isoformat(),
                            **counts,
                        },
                        link=link,
                    )
        except IntegrityError:  # another run sent this department's digest meanwhile
            continue
        sent += 1
    return sent
