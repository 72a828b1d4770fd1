import datetime

import pytest
from django.db import IntegrityError
from django.utils import timezone

from applications.calendar import add_working_days, working_days_between
from applications.constants import Status
from applications.models import CalendarDay
from common.exceptions import ApplicationError
from complaints import services
from complaints.constants import RECTIFICATION_WORKING_DAYS, FollowUpStatus, Level, Stage, Tag
from complaints.models import Evaluation, FollowUp
from notifications.models import OutboxMessage

from .factories import application_in, rated_case, resident

pytestmark = pytest.mark.django_db


def test_the_applicant_rates_a_concluded_case_once_per_stage():
    case, evaluation = rated_case(level=Level.VERY_SATISFIED)
    assert evaluation.stage == Stage.CONCLUDED
    with pytest.raises(ApplicationError) as error:
        services.evaluation_submit(application=case, rater=case.applicant, stage=Stage.CONCLUDED, level=2)
    assert error.value.code == "already_rated"
    # The acceptance stage is a separate rating of the same case.
    services.evaluation_submit(application=case, rater=case.applicant, stage=Stage.ACCEPTED, level=Level.SATISFIED)
    assert Evaluation.objects.filter(application=case).count() == 2


def test_only_the_applicant_may_rate():
    case = application_in(Status.CONCLUDED)
    with pytest.raises(ApplicationError) as error:
        services.evaluation_submit(application=case, rater=resident(), stage=Stage.CONCLUDED, level=1)
    assert error.value.code == "not_applicant"
    assert not Evaluation.objects.exists()


def test_a_case_is_rated_only_once_it_reached_the_stage():
    case = application_in(Status.ACCEPTED)
    with pytest.raises(ApplicationError) as error:
        services.evaluation_submit(application=case, rater=case.applicant, stage=Stage.CONCLUDED, level=1)
    assert error.value.code == "stage_not_reached"
    # Accepted: the acceptance stage may be rated.
    services.evaluation_submit(application=case, rater=case.applicant, stage=Stage.ACCEPTED, level=1)
    submitted = application_in(Status.SUBMITTED)
    with pytest.raises(ApplicationError):
        services.evaluation_submit(application=submitted, rater=submitted.applicant, stage=Stage.ACCEPTED, level=1)


def test_tags_come_from_the_fixed_set_and_the_comment_is_limited():
    case = application_in(Status.CONCLUDED)
    with pytest.raises(ApplicationError) as error:
        services.evaluation_submit(
            application=case, rater=case.applicant, stage=Stage.CONCLUDED, level=1, tags=["made_up"]
        )
    assert error.value.code == "invalid_tag"
    with pytest.raises(ApplicationError) as error:
        services.evaluation_submit(
            application=case, rater=case.applicant, stage=Stage.CONCLUDED, level=1, comment="好" * 501
        )
    assert error.value.code == "comment_too_long"
    evaluation = services.evaluation_submit(
        application=case, rater=case.applicant, stage=Stage.CONCLUDED, level=1, tags=[Tag.FAST, Tag.FAST]
    )
    assert evaluation.tags == [Tag.FAST]


def test_the_rater_may_change_the_rating_within_the_window_then_it_is_frozen(settings):
    settings.EVALUATION_EDIT_WINDOW_HOURS = 24
    case, evaluation = rated_case(level=Level.SATISFIED)
    with pytest.raises(ApplicationError) as error:
        services.evaluation_update(evaluation_id=evaluation.pk, rater=resident(), level=1)
    assert error.value.code == "not_rater"
    services.evaluation_update(evaluation_id=evaluation.pk, rater=case.applicant, level=1, comment="很快")
    evaluation.refresh_from_db()
    assert (evaluation.level, evaluation.comment) == (1, "很快")

    Evaluation.objects.filter(pk=evaluation.pk).update(created_at=timezone.now() - datetime.timedelta(hours=25))
    with pytest.raises(ApplicationError) as error:
        services.evaluation_update(evaluation_id=evaluation.pk, rater=case.applicant, level=5)
    assert error.value.code == "frozen"
    evaluation.refresh_from_db()
    assert evaluation.level == 1


def test_a_good_rating_opens_no_follow_up():
    rated_case(level=Level.FAIRLY_SATISFIED)
    assert not FollowUp.objects.exists()


def test_a_bad_rating_opens_a_follow_up_due_in_15_working_days_skipping_a_holiday():
    today = timezone.localdate()
    without_holiday = add_working_days(today, RECTIFICATION_WORKING_DAYS).date
    # A new public holiday on a working day inside the period pushes the deadline one working day on.
    holiday = today + datetime.timedelta(days=1)
    while not (holiday.weekday() < 5 and not CalendarDay.objects.filter(date=holiday).exists()):
        holiday += datetime.timedelta(days=1)
    assert holiday < without_holiday
    CalendarDay.objects.create(date=holiday, kind=CalendarDay.Kind.HOLIDAY, name="测试假日")

    case, evaluation = rated_case(level=Level.VERY_DISSATISFIED)

    followup = FollowUp.objects.get(evaluation=evaluation)
    assert followup.status == FollowUpStatus.OPENED
    assert followup.department_id == case.service_item.department_id
    assert followup.due_date == add_working_days(without_holiday, 1).date
    assert working_days_between(today, followup.due_date) == RECTIFICATION_WORKING_DAYS
    assert list(followup.transitions.values_list("from_status", "to_status")) == [("", FollowUpStatus.OPENED)]


def test_a_failed_follow_up_rolls_the_bad_rating_back():
    case = application_in(Status.CONCLUDED)
    # No department to follow up: the rating must not be stored without its follow-up.
    item = case.service_item
    item.department_id = None  # unsaved: only the case's copy is affected
    with pytest.raises(IntegrityError):  # FollowUp.department is not null
        services.evaluation_submit(application=case, rater=case.applicant, stage=Stage.CONCLUDED, level=5)
    assert not Evaluation.objects.exists()


def test_changing_a_rating_to_bad_opens_its_follow_up():
    case, evaluation = rated_case(level=Level.SATISFIED)
    services.evaluation_update(evaluation_id=evaluation.pk, rater=case.applicant, level=Level.DISSATISFIED)
    assert FollowUp.objects.filter(evaluation=evaluation, status=FollowUpStatus.OPENED).exists()
    # No message for the resident yet: only the result is reported.
    assert not OutboxMessage.objects.filter(template="complaints.followup_result").exists()


def test_a_concluded_case_prompts_its_applicant_to_rate_it_in_the_inbox():
    from notifications.constants import Channel
    from notifications.models import OutboxMessage

    case = application_in(Status.CONCLUDED)
    prompt = OutboxMessage.objects.get(template="complaints.evaluation_prompt", channel=Channel.INBOX)
    assert prompt.user_id == case.applicant_id
    assert prompt.context["link"] == f"/my/applications/{case.case_number}/#evaluation-concluded"
    assert prompt.context["case_number"] == case.case_number
