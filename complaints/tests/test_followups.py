import pytest

from common.exceptions import ApplicationError
from complaints import services
from complaints.constants import FOLLOWUP_TRANSITIONS, FollowUpStatus, Level, Role
from complaints.models import FollowUp, FollowUpTransition
from notifications.models import OutboxMessage

from .factories import followup_official, published_item, rated_case, supervisor

pytestmark = pytest.mark.django_db


@pytest.fixture
def followup():
    _case, evaluation = rated_case(level=Level.VERY_DISSATISFIED, item=published_item(department_code="ga"))
    return evaluation.followup


def _moves(followup):
    return list(followup.transitions.values_list("from_status", "to_status"))


def test_the_department_calls_back_rectifies_and_closes_and_the_resident_hears_the_result(followup):
    official = followup_official(department=followup.department)
    services.followup_callback_log(followup_id=followup.pk, actor=official, note="已电话联系群众，了解情况")
    followup.refresh_from_db()
    assert followup.status == FollowUpStatus.CALLED_BACK
    assert followup.callbacks.get().actor == official

    services.followup_transition(
        followup_id=followup.pk, to_status=FollowUpStatus.RECTIFIED, actor=official, note="已优化窗口流程"
    )
    services.followup_transition(followup_id=followup.pk, to_status=FollowUpStatus.CLOSED, actor=official)
    followup.refresh_from_db()
    assert followup.status == FollowUpStatus.CLOSED
    assert followup.rectification_note == followup.result_note == "已优化窗口流程"
    assert followup.closed_at is not None
    assert _moves(followup) == [
        ("", FollowUpStatus.OPENED),
        (FollowUpStatus.OPENED, FollowUpStatus.CALLED_BACK),
        (FollowUpStatus.CALLED_BACK, FollowUpStatus.RECTIFIED),
        (FollowUpStatus.RECTIFIED, FollowUpStatus.CLOSED),
    ]
    message = OutboxMessage.objects.get(template="complaints.followup_result", channel="inbox")
    assert message.user_id == followup.evaluation.rater_id
    assert message.context["note"] == "已优化窗口流程"


def test_a_repeated_move_changes_nothing(followup):
    official = followup_official(department=followup.department)
    services.followup_callback_log(followup_id=followup.pk, actor=official, note="已回访")
    services.followup_transition(followup_id=followup.pk, to_status=FollowUpStatus.CALLED_BACK, actor=official)
    assert FollowUpTransition.objects.filter(followup=followup).count() == 2


def test_rectifying_needs_a_callback_first_and_moves_follow_the_table(followup):
    official = followup_official(department=followup.department)
    with pytest.raises(ApplicationError) as error:
        services.followup_transition(
            followup_id=followup.pk, to_status=FollowUpStatus.RECTIFIED, actor=official, note="已整改"
        )
    assert error.value.code == "transition_not_allowed"  # opened → rectified is not in the table
    with pytest.raises(ApplicationError) as error:
        services.followup_transition(followup_id=followup.pk, to_status=FollowUpStatus.CLOSED, actor=official)
    assert error.value.code == "transition_not_allowed"
    with pytest.raises(ApplicationError) as error:
        services.followup_transition(followup_id=followup.pk, to_status=FollowUpStatus.CALLED_BACK, actor=official)
    assert error.value.code == "callback_required"
    assert FollowUp.objects.get(pk=followup.pk).status == FollowUpStatus.OPENED


def test_every_move_of_the_table_is_reachable_and_nothing_else():
    statuses = set(FollowUpStatus.values)
    for (source, target), roles in FOLLOWUP_TRANSITIONS.items():
        assert {source, target} <= statuses
        assert roles <= {Role.DEPARTMENT, Role.SUPERVISOR}
    # Nothing leaves a final status.
    assert not [
        move for move in FOLLOWUP_TRANSITIONS if move[0] in (FollowUpStatus.CLOSED, FollowUpStatus.APPEAL_UPHELD)
    ]
    # Appeals are decided by supervisors only.
    assert FOLLOWUP_TRANSITIONS[(FollowUpStatus.APPEAL_REQUESTED, FollowUpStatus.APPEAL_UPHELD)] == {Role.SUPERVISOR}


def test_another_departments_official_may_not_act(followup):
    other = followup_official(department=published_item(department_code="rsj").department)
    with pytest.raises(ApplicationError) as error:
        services.followup_callback_log(followup_id=followup.pk, actor=other, note="越权")
    assert error.value.code == "permission_denied"
    assert not followup.callbacks.exists()


def test_an_upheld_appeal_excludes_the_rating_and_only_a_supervisor_decides(followup):
    official = followup_official(department=followup.department)
    with pytest.raises(ApplicationError) as error:
        services.followup_transition(followup_id=followup.pk, to_status=FollowUpStatus.APPEAL_REQUESTED, actor=official)
    assert error.value.code == "note_required"
    services.followup_transition(
        followup_id=followup.pk,
        to_status=FollowUpStatus.APPEAL_REQUESTED,
        actor=official,
        note="群众评价针对的是其他部门的事项",
    )
    with pytest.raises(ApplicationError) as error:
        services.followup_transition(
            followup_id=followup.pk, to_status=FollowUpStatus.APPEAL_UPHELD, actor=official, note="自己裁定"
        )
    assert error.value.code == "permission_denied"

    boss = supervisor(department=followup.department)
    services.followup_transition(
        followup_id=followup.pk, to_status=FollowUpStatus.APPEAL_UPHELD, actor=boss, note="经核实，申诉成立"
    )
    followup.refresh_from_db()
    followup.evaluation.refresh_from_db()
    assert followup.status == FollowUpStatus.APPEAL_UPHELD
    assert followup.evaluation.excluded
    assert followup.transitions.last().role == Role.SUPERVISOR


def test_a_rejected_appeal_sends_the_department_back_to_work(followup):
    official = followup_official(department=followup.department)
    services.followup_transition(
        followup_id=followup.pk, to_status=FollowUpStatus.APPEAL_REQUESTED, actor=official, note="不合理"
    )
    boss = supervisor(department=followup.department)
    services.followup_transition(
        followup_id=followup.pk, to_status=FollowUpStatus.APPEAL_REJECTED, actor=boss, note="申诉理由不成立"
    )
    services.followup_callback_log(followup_id=followup.pk, actor=official, note="已回访")
    followup.refresh_from_db()
    followup.evaluation.refresh_from_db()
    assert followup.status == FollowUpStatus.CALLED_BACK
    assert not followup.evaluation.excluded
