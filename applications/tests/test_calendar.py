import datetime

import pytest

from applications.calendar import add_working_days, working_days_between
from applications.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db
D = datetime.date


def test_the_package_data_was_copied_by_the_migration():
    assert CalendarYear.objects.filter(year=2026).exists()
    assert CalendarDay.objects.get(date=D(2026, 10, 1)).kind == CalendarDay.Kind.HOLIDAY
    assert CalendarDay.objects.get(date=D(2026, 9, 20)).kind == CalendarDay.Kind.WORKDAY


def test_deadline_skips_national_day_week():
    # Tuesday 29 September 2026 + 3 working days: 30 Sep, then 1–7 Oct are holidays, then 8 and 9 Oct.
    deadline = add_working_days(D(2026, 9, 29), 3)
    assert deadline.date == D(2026, 10, 9)
    assert not deadline.provisional


def test_deadline_counts_a_make_up_saturday():
    # Friday 9 October 2026 + 1 working day: Saturday 10 October is a make-up workday (调休).
    assert add_working_days(D(2026, 10, 9), 1).date == D(2026, 10, 10)
    # Friday 18 September 2026 + 2: Sunday 20 September is a make-up workday, then Monday 21.
    assert add_working_days(D(2026, 9, 18), 2).date == D(2026, 9, 21)


def test_ordinary_weekends_are_skipped():
    # Friday 13 November 2026 + 1 working day is Monday 16 November.
    assert add_working_days(D(2026, 11, 13), 1).date == D(2026, 11, 16)


def test_a_deadline_into_an_unknown_year_is_provisional_not_guessed():
    # 20 working days from 10 December 2026 reaches into 2027, which no one has entered yet.
    deadline = add_working_days(D(2026, 12, 10), 20)
    assert deadline.provisional
    assert deadline.unknown_years == (2027,)
    assert deadline.date == D(2027, 1, 7)  # weekends only: 1 January is not known to be a holiday


def test_entering_the_next_year_makes_the_deadline_firm():
    CalendarYear.objects.create(year=2027, source="国务院办公厅关于2027年部分节假日安排的通知（演示）")
    CalendarDay.objects.create(date=D(2027, 1, 1), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
    deadline = add_working_days(D(2026, 12, 10), 20)
    assert not deadline.provisional
    assert deadline.date == D(2027, 1, 8)


def test_working_days_between_counts_both_ways():
    assert working_days_between(D(2026, 9, 29), D(2026, 10, 9)) == 3
    assert working_days_between(D(2026, 10, 9), D(2026, 9, 29)) == -3
    assert working_days_between(D(2026, 10, 9), D(2026, 10, 9)) == 0


def test_the_calendar_costs_two_queries_however_long_the_limit(django_assert_num_queries):
    with django_assert_num_queries(2):
        add_working_days(D(2026, 1, 5), 5)
    with django_assert_num_queries(2):
        add_working_days(D(2026, 1, 5), 200)
