import pytest
from django.urls import reverse

from complaints.constants import FollowUpStatus, Level
from complaints.models import FollowUp
from identity.tests.factories import login_with_totp
from notifications.models import OutboxMessage

from .factories import followup_official, published_item, rated_case, supervisor

pytestmark = pytest.mark.django_db
LIST_URL = reverse("admin:complaints_followup_changelist")


def _act(client, followup, action, note=""):
    return client.post(reverse("admin:complaints_followup_act", args=[followup.pk, action]), {"note": note})


@pytest.fixture
def two_followups():
    _case, ga = rated_case(level=Level.VERY_DISSATISFIED, item=published_item(department_code="ga"))
    _case, rsj = rated_case(level=Level.DISSATISFIED, item=published_item(department_code="rsj"))
    return ga.followup, rsj.followup


def test_the_queue_is_department_scoped_and_shows_remaining_working_days(client, two_followups):
    ga, rsj = two_followups
    login_with_totp(client, followup_official(department=ga.department))
    page = client.get(LIST_URL).content.decode()
    assert ga.evaluation.application.case_number in page
    assert rsj.evaluation.application.case_number not in page
    assert "剩余 15 个工作日" in page
    other = reverse("admin:complaints_followup_change", args=[rsj.pk])
    assert client.get(other).status_code in (302, 404)
    assert _act(client, rsj, "callback", "越权").status_code == 404


def test_the_official_logs_the_callback_rectifies_and_closes_from_the_page(client, two_followups):
    ga, _rsj = two_followups
    login_with_totp(client, followup_official(department=ga.department))
    page = client.get(reverse("admin:complaints_followup_change", args=[ga.pk])).content.decode()
    assert "登记回访" in page
    assert "裁定申诉成立" not in page
    _act(client, ga, "callback", "已电话回访")
    _act(client, ga, "rectify", "已整改")
    _act(client, ga, "close", "")
    ga.refresh_from_db()
    assert ga.status == FollowUpStatus.CLOSED
    # The official, who holds no permission on the record models, sees the history on the page.
    page = client.get(reverse("admin:complaints_followup_change", args=[ga.pk])).content.decode()
    assert "已电话回访" in page  # the callback record
    assert "已整改" in page  # the rectification move
    assert OutboxMessage.objects.filter(template="complaints.followup_result", user=ga.evaluation.rater).exists()


def test_appeals_are_decided_by_users_with_the_permission(client, two_followups):
    ga, _rsj = two_followups
    official = followup_official(department=ga.department)
    login_with_totp(client, official)
    _act(client, ga, "appeal", "评价与本部门无关")
    assert _act(client, ga, "uphold", "自己裁定").status_code == 302
    assert FollowUp.objects.get(pk=ga.pk).status == FollowUpStatus.APPEAL_REQUESTED

    client.logout()
    login_with_totp(client, supervisor(department=ga.department))
    assert "申诉中" in client.get(LIST_URL).content.decode()
    _act(client, ga, "uphold", "经核实申诉成立")
    ga.refresh_from_db()
    ga.evaluation.refresh_from_db()
    assert ga.status == FollowUpStatus.APPEAL_UPHELD
    assert ga.evaluation.excluded
