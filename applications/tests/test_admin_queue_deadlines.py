"""Deadlines in the queue read as remaining working days, in words (colour only repeats them)."""

import datetime

import pytest

from applications.admin_queue import deadline_label, label_deadlines
from applications.calendar import WorkingCalendar
from applications.constants import Status
from applications.models import Application

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def calendar():
    return WorkingCalendar(first_year=2026, last_year=2027)


def case(status=Status.ACCEPTED, **fields):
    return Application(status=status, **fields)


def test_days_left_are_counted_in_working_days(calendar):
    # Friday 25 September 2026 → Friday 9 October: 28, 29, 30 September, then the
    # National Day holidays (1–7 October), then 8 and 9 October.
    label = deadline_label(case(promised_deadline=D(2026, 10, 9)), calendar=calendar, today=D(2026, 9, 25))
    assert label.text == "2026-10-09 · 剩余5个工作日"
    assert label.css_class == "deadline-ok"


def test_two_days_or_fewer_left_is_marked_soon(calendar):
    label = deadline_label(case(promised_deadline=D(2026, 11, 18)), calendar=calendar, today=D(2026, 11, 16))
    assert label.text.endswith("剩余2个工作日")
    assert label.css_class == "deadline-soon"


def test_a_deadline_today_says_so(calendar):
    label = deadline_label(case(promised_deadline=D(2026, 11, 16)), calendar=calendar, today=D(2026, 11, 16))
    assert label.text.endswith("今天到期")
    assert label.css_class == "deadline-due"


def test_an_overdue_case_says_by_how_many_working_days(calendar):
    # Thursday 12 November → Monday 16 November: Friday 13 and Monday 16 are working days.
    label = deadline_label(case(promised_deadline=D(2026, 11, 12)), calendar=calendar, today=D(2026, 11, 16))
    assert label.text.endswith("已超期2个工作日")
    assert label.css_class == "deadline-overdue"


def test_a_provisional_deadline_is_labelled_as_such(calendar):
    label = deadline_label(
        case(promised_deadline=D(2027, 1, 8), deadline_provisional=True), calendar=calendar, today=D(2026, 12, 28)
    )
    assert label.text.endswith("（暂定）")


def test_a_count_into_an_unknown_year_is_provisional_even_if_unflagged(calendar):
    label = deadline_label(case(promised_deadline=D(2027, 1, 8)), calendar=calendar, today=D(2026, 12, 28))
    assert "（暂定）" in label.text


def test_the_clock_stands_still_while_a_supplement_is_awaited(calendar):
    label = deadline_label(
        case(Status.SUPPLEMENT_REQUESTED, promised_deadline=D(2026, 11, 20), paused_since=D(2026, 11, 16)),
        calendar=calendar,
        today=D(2026, 11, 27),
    )
    assert label.text == "2026-11-20 · 补正中，计时暂停（剩余4个工作日）"
    assert label.css_class == "deadline-paused"


def test_decided_cases_show_the_date_without_a_countdown(calendar):
    label = deadline_label(
        case(Status.APPROVED, promised_deadline=D(2026, 11, 20)), calendar=calendar, today=D(2026, 12, 1)
    )
    assert label.text == "2026-11-20"
    assert label.css_class == "deadline-none"


def test_a_page_of_deadlines_loads_the_calendar_once(django_assert_num_queries):
    cases = [case(promised_deadline=D(2026, 11, day)) for day in range(1, 29)]
    with django_assert_num_queries(2):  # the known years and the exceptions: never per row
        label_deadlines(cases)
    assert all(c.deadline_label.text for c in cases)
