"""Yellow and red cards: issued once per case, colour and deadline; measured as the
applications app measures its clock; closed when the case leaves the working set."""

import threading

import pytest
from django.db import connection
from django.test.utils import override_settings

from applications.constants import Status
from applications.models import Application
from applications.services import application_transition
from applications.services_decisions import application_decide
from notifications.models import OutboxMessage
from supervision.constants import CardStatus, Colour, Role
from supervision.models import SupervisionCard
from supervision.services import cards_issue

from .factories import case_due, official, published_item, supervisor, working_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def item():
    return published_item(department_code="ga")


def test_a_case_past_its_promised_date_gets_a_red_card_once(item):
    today = working_day(0)
    case = case_due(Status.IN_REVIEW, item=item, deadline=working_day(-3, today=today))

    first = cards_issue(today=today)
    second = cards_issue(today=today)

    card = SupervisionCard.objects.get(application=case)
    assert (card.colour, card.deadline, card.working_days_at_issue) == (Colour.RED, case.promised_deadline, -3)
    assert card.department == item.department
    assert (first["red"], second["red"]) == (1, 0)
    assert list(card.transitions.values_list("from_status", "to_status", "role")) == [
        ("", CardStatus.OPEN, Role.SYSTEM)
    ]


def test_a_case_close_to_its_deadline_gets_a_yellow_card_and_a_far_one_none(item):
    today = working_day(0)
    near = case_due(Status.ACCEPTED, item=item, deadline=working_day(2, today=today))
    due_today = case_due(Status.SUBMITTED, item=item, deadline=today)
    far = case_due(Status.ACCEPTED, item=item, deadline=working_day(3, today=today))

    assert cards_issue(today=today)["yellow"] == 2

    assert SupervisionCard.objects.get(application=near).colour == Colour.YELLOW
    assert SupervisionCard.objects.get(application=near).working_days_at_issue == 2
    assert SupervisionCard.objects.get(application=due_today).working_days_at_issue == 0
    assert not SupervisionCard.objects.filter(application=far).exists()


@override_settings(SUPERVISION_YELLOW_WORKING_DAYS=4)
def test_the_yellow_threshold_comes_from_settings(item):
    today = working_day(0)
    case = case_due(Status.ACCEPTED, item=item, deadline=working_day(4, today=today))
    cards_issue(today=today)
    assert SupervisionCard.objects.get(application=case).colour == Colour.YELLOW


def test_a_red_card_follows_the_yellow_one_and_replaces_it(item):
    today = working_day(0)
    case = case_due(Status.IN_REVIEW, item=item, deadline=working_day(1, today=today))
    cards_issue(today=today)
    later = working_day(2, today=today)
    cards_issue(today=later)
    cards_issue(today=later)

    yellow = SupervisionCard.objects.get(application=case, colour=Colour.YELLOW)
    red = SupervisionCard.objects.get(application=case, colour=Colour.RED)
    assert yellow.status == CardStatus.CLOSED
    assert red.status == CardStatus.OPEN
    assert red.working_days_at_issue == -1


def test_a_paused_case_is_measured_where_its_clock_stopped(item):
    """补正: the clock stands still at ``paused_since``. A case paused before its deadline gets
    no card while it waits, even once the calendar passes the deadline; one paused already
    late is red. When the applicant answers, the applications app moves the deadline by the
    paused working days, and the new deadline is measured afresh."""
    today = working_day(0)
    paused_in_time = case_due(Status.SUPPLEMENT_REQUESTED, item=item, deadline=working_day(-1, today=today))
    Application.objects.filter(pk=paused_in_time.pk).update(paused_since=working_day(-4, today=today))
    paused_late = case_due(Status.SUPPLEMENT_REQUESTED, item=item, deadline=working_day(-5, today=today))
    Application.objects.filter(pk=paused_late.pk).update(paused_since=working_day(-2, today=today))
    # Waiting for the applicant, its deadline near: the applicant holds it, no yellow card.
    paused_near = case_due(Status.SUPPLEMENT_REQUESTED, item=item, deadline=working_day(1, today=today))

    result = cards_issue(today=today)

    assert not SupervisionCard.objects.filter(application__in=[paused_in_time, paused_near]).exists()
    card = SupervisionCard.objects.get(application=paused_late)
    assert (card.colour, card.working_days_at_issue) == (Colour.RED, -3)
    assert (result["red"], result["yellow"]) == (1, 0)


def test_a_resumed_case_is_measured_against_its_moved_deadline(item):
    from applications.tests.factories import _resubmit

    case = case_due(Status.SUPPLEMENT_REQUESTED, item=item, deadline=working_day(0))
    Application.objects.filter(pk=case.pk).update(paused_since=working_day(-5))
    case.refresh_from_db()
    _resubmit(case, None, case.applicant)  # the applicant answers: the clock runs again
    case.refresh_from_db()
    assert case.status == Status.RESUBMITTED
    assert case.promised_deadline == working_day(5)  # moved by the five paused working days

    cards_issue()

    assert not SupervisionCard.objects.filter(application=case).exists()


def test_the_card_names_the_official_who_last_acted_and_tells_them_and_the_supervisors(item):
    acting = official(department=item.department)
    boss = supervisor(department=item.department)
    other_department_supervisor = supervisor(department=published_item(department_code="rsj").department)
    case = case_due(Status.IN_REVIEW, item=item, deadline=working_day(-1), official_user=acting)

    cards_issue()

    card = SupervisionCard.objects.get(application=case)
    assert card.responsible == acting
    told = set(OutboxMessage.objects.filter(template="supervision.card_issued").values_list("user", flat=True))
    assert told == {acting.pk, boss.pk}
    assert other_department_supervisor.pk not in told


def test_a_case_nobody_acted_on_has_no_responsible_official(item):
    case = case_due(Status.SUBMITTED, item=item, deadline=working_day(-1))
    cards_issue()
    assert SupervisionCard.objects.get(application=case).responsible is None


def test_a_case_that_concludes_closes_its_cards_in_the_same_move(item):
    acting = official(department=item.department)
    case = case_due(Status.IN_REVIEW, item=item, deadline=working_day(-2), official_user=acting)
    cards_issue()
    assert SupervisionCard.objects.get(application=case).status == CardStatus.OPEN

    application_decide(application_id=case.pk, to_status=Status.APPROVED, actor=acting, comment="准予许可")

    card = SupervisionCard.objects.get(application=case)
    assert card.status == CardStatus.CLOSED
    assert card.closed_at is not None
    last = card.transitions.last()
    assert (last.from_status, last.to_status, last.role) == (CardStatus.OPEN, CardStatus.CLOSED, Role.SYSTEM)
    # A later run neither reopens it nor issues a new one.
    assert cards_issue() == {"yellow": 0, "red": 0, "closed": 0}


def test_the_task_closes_the_cards_of_cases_that_left_without_the_hook(item):
    case = case_due(Status.IN_REVIEW, item=item, deadline=working_day(-2))
    cards_issue()
    # Moved behind the services' back (e.g. before this app was deployed): the sweep sees it.
    Application.objects.filter(pk=case.pk).update(status=Status.WITHDRAWN)

    assert cards_issue()["closed"] == 1
    assert SupervisionCard.objects.get(application=case).status == CardStatus.CLOSED


def test_a_withdrawn_case_closes_its_card(item):
    case = case_due(Status.ACCEPTED, item=item, deadline=working_day(1))
    cards_issue()
    application_transition(application_id=case.pk, to_status=Status.WITHDRAWN, actor=case.applicant)
    assert SupervisionCard.objects.get(application=case).status == CardStatus.CLOSED


def test_the_query_that_finds_due_cases_filters_deadlines_in_sql(item):
    """The task never loads the cases that need nothing: one listing query, however many far
    cases exist."""
    from django.test.utils import CaptureQueriesContext

    from supervision.services import cases_due_for_cards

    for _n in range(3):
        case_due(Status.ACCEPTED, item=item, deadline=working_day(10))
    late = case_due(Status.ACCEPTED, item=item, deadline=working_day(-1))
    today, cutoff = working_day(0), working_day(2)
    with CaptureQueriesContext(connection) as queries:
        due = list(cases_due_for_cards(today=today, yellow_cutoff=cutoff).values_list("pk", flat=True))
    assert due == [late.pk]
    assert len(queries) == 1
    assert '"promised_deadline" <=' in queries[0]["sql"]


@pytest.mark.django_db(transaction=True)
def test_two_runs_racing_on_two_connections_issue_one_red_card(item):
    case = case_due(Status.IN_REVIEW, item=item, deadline=working_day(-2))
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=10)
            results.append(cards_issue())
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run) for _n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    assert SupervisionCard.objects.filter(application=case, colour=Colour.RED).count() == 1
    assert sorted(result["red"] for result in results) == [0, 1]
    assert OutboxMessage.objects.filter(template="supervision.card_issued").count() == 1


def test_a_deadline_passed_on_friday_is_not_late_on_the_weekend_and_red_on_monday(item):
    import datetime

    friday = datetime.date(2026, 11, 27)
    saturday, monday = friday + datetime.timedelta(days=1), friday + datetime.timedelta(days=3)
    case = case_due(Status.IN_REVIEW, item=item, deadline=friday)

    assert cards_issue(today=saturday) == {"yellow": 0, "red": 0, "closed": 0}
    assert not SupervisionCard.objects.filter(application=case).exists()

    cards_issue(today=monday)
    card = SupervisionCard.objects.get(application=case)
    assert (card.colour, card.working_days_at_issue) == (Colour.RED, -1)
