import pytest
from django.urls import reverse

from applications.constants import Status
from complaints import services
from complaints.constants import FollowUpStatus, Level, Stage
from complaints.models import Evaluation, FollowUp

from .factories import application_in, followup_official, rated_case, resident

pytestmark = pytest.mark.django_db


def _case_url(case):
    return reverse("applications:case", args=[case.case_number])


def test_the_applicant_rates_a_concluded_case_on_its_page_and_then_sees_the_rating(client):
    case = application_in(Status.CONCLUDED)
    client.force_login(case.applicant)
    page = client.get(_case_url(case)).content.decode()
    assert "服务评价（办结环节）" in page
    assert 'name="concluded-level"' in page

    response = client.post(
        reverse("complaints:rate", args=[case.case_number]),
        {"stage": Stage.CONCLUDED, "concluded-level": "5", "concluded-tags": ["slow"], "concluded-comment": "太慢"},
    )
    assert response.status_code == 302
    evaluation = Evaluation.objects.get(application=case, stage=Stage.CONCLUDED)
    assert (evaluation.level, evaluation.tags, evaluation.comment) == (5, ["slow"], "太慢")
    assert FollowUp.objects.filter(evaluation=evaluation).exists()

    page = client.get(_case_url(case)).content.decode()
    assert "非常不满意" in page
    assert "办理时间长" in page
    assert "正在处理您的评价" in page


def test_the_closed_follow_ups_result_is_shown_on_the_case_page(client):
    case, evaluation = rated_case(level=Level.DISSATISFIED)
    official = followup_official(department=case.service_item.department)
    followup = evaluation.followup
    services.followup_callback_log(followup_id=followup.pk, actor=official, note="已回访")
    services.followup_transition(
        followup_id=followup.pk, to_status=FollowUpStatus.RECTIFIED, actor=official, note="已增设导办人员"
    )
    services.followup_transition(followup_id=followup.pk, to_status=FollowUpStatus.CLOSED, actor=official)
    client.force_login(case.applicant)
    page = client.get(_case_url(case)).content.decode()
    assert "已增设导办人员" in page
    assert "已办结" in page


def test_no_rating_form_before_the_stage_nor_for_someone_else(client):
    case = application_in(Status.SUBMITTED)
    client.force_login(case.applicant)
    assert "服务评价" not in client.get(_case_url(case)).content.decode()

    concluded = application_in(Status.CONCLUDED)
    client.force_login(resident())
    response = client.post(
        reverse("complaints:rate", args=[concluded.case_number]), {"stage": "concluded", "concluded-level": "1"}
    )
    assert response.status_code == 404
    assert not Evaluation.objects.exists()


def test_the_public_page_shows_the_figures(client):
    case, _evaluation = rated_case(level=Level.SATISFIED)
    rated_case(level=Level.VERY_DISSATISFIED, item=case.service_item)
    page = client.get("/evaluations/").content.decode()
    assert case.service_item.department.name in page
    assert case.service_item.name in page
    assert "50.0%" in page
