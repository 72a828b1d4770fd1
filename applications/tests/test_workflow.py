import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from applications import services
from applications.constants import ALLOWED_TRANSITIONS, Role, Status
from applications.models import Application, SupplementRequest, Transition
from common.exceptions import ApplicationError
from identity.tests.factories import UserFactory
from notifications.models import OutboxMessage
from services.models import ServiceItem

from .factories import submitted_application

ITEM = "440100-GA-007"  # 无犯罪记录证明开具: resident, 公安 (ga), statutory 3 / promised 1 working days


def _submitted(applicant) -> Application:
    return submitted_application(applicant=applicant, item=ServiceItem.objects.get(code=ITEM))


@pytest.fixture
def resident(db):
    return UserFactory(verified=True)


@pytest.fixture
def applied(demo_catalogue, resident):
    return _submitted(resident)


def test_the_form_arrives_prefilled_with_sources(demo_catalogue, resident):
    application = services.application_start(applicant=resident, item_code=ITEM)
    assert application.form_data["applicant_name"] == resident.real_name
    assert application.form_data["id_number"] == resident.id_number_masked
    assert application.field_sources["applicant_name"]["locked"] is True
    assert application.field_sources["mobile"]["locked"] is False


def test_locked_prefilled_values_survive_a_tampered_save(demo_catalogue, resident):
    application = services.application_start(applicant=resident, item_code=ITEM)
    services.application_save_draft(application=application, data={"applicant_name": "李鬼"}, actor=resident)
    application.refresh_from_db()
    assert application.form_data["applicant_name"] == resident.real_name


def test_submission_numbers_the_case_and_sets_deadlines(applied):
    assert applied.status == Status.SUBMITTED
    today = timezone.localdate()
    assert applied.case_number.startswith(f"GA-{today:%Y%m%d}-")
    assert applied.promised_deadline > today
    assert applied.statutory_deadline >= applied.promised_deadline
    assert Transition.objects.filter(application=applied, to_status=Status.SUBMITTED).count() == 1


def test_case_numbers_count_up_per_department_and_day(demo_catalogue, resident):
    first = _submitted(resident)
    second = _submitted(resident)
    assert int(second.case_number[-6:]) == int(first.case_number[-6:]) + 1


def test_submission_without_mandatory_materials_is_refused(demo_catalogue, resident):
    application = services.application_start(applicant=resident, item_code=ITEM)
    services.application_save_draft(
        application=application, data={**application.form_data, "address": "广州"}, actor=resident
    )
    with pytest.raises(ApplicationError) as refused:
        services.application_submit(application=application, actor=resident)
    assert refused.value.code == "materials_missing"


def test_submission_with_an_invalid_form_lists_the_fields(demo_catalogue, resident):
    application = services.application_start(applicant=resident, item_code=ITEM)
    with pytest.raises(ApplicationError) as refused:
        services.application_submit(application=application, actor=resident)
    assert refused.value.code == "form_invalid"
    assert {error["field"] for error in refused.value.extra["errors"]} >= {"address"}


def test_an_unverified_resident_cannot_start(demo_catalogue):
    with pytest.raises(ApplicationError) as refused:
        services.application_start(applicant=UserFactory(), item_code=ITEM)
    assert refused.value.code == "assurance_too_low"


def test_every_transition_outside_the_table_is_refused(applied, make_official):
    official = make_official("ga")
    statuses = [status for status in Status if status != Status.DRAFT]
    for target in statuses:
        if (Status.SUBMITTED, target) in ALLOWED_TRANSITIONS or target == Status.SUBMITTED:
            continue
        with pytest.raises(ApplicationError) as refused:
            services.application_transition(application_id=applied.pk, to_status=target, actor=official, comment="x")
        assert refused.value.code == "transition_not_allowed"
    applied.refresh_from_db()
    assert applied.status == Status.SUBMITTED


def test_officials_of_another_department_cannot_act(applied, make_official):
    stranger = make_official("scjg")
    with pytest.raises(ApplicationError) as refused:
        services.application_transition(application_id=applied.pk, to_status=Status.ACCEPTED, actor=stranger)
    assert refused.value.code == "not_your_department"


def test_applicant_cannot_make_official_transitions(applied, resident):
    with pytest.raises(ApplicationError):
        services.application_transition(application_id=applied.pk, to_status=Status.ACCEPTED, actor=resident)


def test_refusal_needs_a_reason(applied, make_official):
    with pytest.raises(ApplicationError) as refused:
        services.application_transition(application_id=applied.pk, to_status=Status.REFUSED, actor=make_official("ga"))
    assert refused.value.code == "comment_required"


def test_the_whole_path_is_recorded_and_notified(applied, resident, make_official):
    official = make_official("ga")
    path = [
        (Status.ACCEPTED, official, ""),
        (Status.SUPPLEMENT_REQUESTED, official, "请补充户口簿首页"),
        (Status.RESUBMITTED, resident, ""),
        (Status.IN_REVIEW, official, ""),
        (Status.APPROVED, official, "符合条件"),
        (Status.CONCLUDED, official, ""),
    ]
    for status, actor, comment in path:
        services.application_transition(application_id=applied.pk, to_status=status, actor=actor, comment=comment)

    applied.refresh_from_db()
    assert applied.status == Status.CONCLUDED and applied.concluded_at and applied.decided_at
    recorded = list(Transition.objects.filter(application=applied).values_list("from_status", "to_status", "role"))
    assert recorded == [
        (Status.DRAFT, Status.SUBMITTED, Role.APPLICANT),
        (Status.SUBMITTED, Status.ACCEPTED, Role.OFFICIAL),
        (Status.ACCEPTED, Status.SUPPLEMENT_REQUESTED, Role.OFFICIAL),
        (Status.SUPPLEMENT_REQUESTED, Status.RESUBMITTED, Role.APPLICANT),
        (Status.RESUBMITTED, Status.IN_REVIEW, Role.OFFICIAL),
        (Status.IN_REVIEW, Status.APPROVED, Role.OFFICIAL),
        (Status.APPROVED, Status.CONCLUDED, Role.OFFICIAL),
    ]
    assert SupplementRequest.objects.get(application=applied).fulfilled_at is not None
    # One inbox message per transition (plus SMS where opted in), through the outbox, and at the
    # conclusion the prompt to rate the service (complaints registers it on the workflow).
    inbox = OutboxMessage.objects.filter(user=resident, channel="inbox")
    assert inbox.filter(template="applications.status_changed").count() == 7
    assert list(inbox.exclude(template="applications.status_changed").values_list("template", flat=True)) == [
        "complaints.evaluation_prompt"
    ]


def test_a_supplement_pauses_the_clock(applied, resident, make_official):
    official = make_official("ga")
    services.application_transition(application_id=applied.pk, to_status=Status.ACCEPTED, actor=official)
    services.application_transition(
        application_id=applied.pk, to_status=Status.SUPPLEMENT_REQUESTED, actor=official, comment="补充材料"
    )
    applied.refresh_from_db()
    promised = applied.promised_deadline
    # The applicant answers five working days later.
    Application.objects.filter(pk=applied.pk).update(paused_since=timezone.localdate() - datetime.timedelta(days=7))
    services.application_transition(application_id=applied.pk, to_status=Status.RESUBMITTED, actor=resident)

    applied.refresh_from_db()
    assert applied.paused_working_days >= 4
    assert applied.promised_deadline > promised
    assert applied.paused_since is None


def test_withdrawal_only_before_a_decision(applied, resident, make_official):
    official = make_official("ga")
    services.application_transition(application_id=applied.pk, to_status=Status.ACCEPTED, actor=official)
    services.application_transition(application_id=applied.pk, to_status=Status.APPROVED, actor=official)
    with pytest.raises(ApplicationError):
        services.application_transition(application_id=applied.pk, to_status=Status.WITHDRAWN, actor=resident)


def test_repeating_a_transition_changes_nothing(applied, make_official):
    official = make_official("ga")
    for _attempt in range(2):
        services.application_transition(application_id=applied.pk, to_status=Status.ACCEPTED, actor=official)
    assert Transition.objects.filter(application=applied, to_status=Status.ACCEPTED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_officials_approving_at_once_make_one_transition(make_official):
    from services import demo as services_demo

    services_demo.seed()
    resident = UserFactory(verified=True)
    application = _submitted(resident)
    first, second = make_official("ga"), make_official("ga")
    services.application_transition(application_id=application.pk, to_status=Status.ACCEPTED, actor=first)

    barrier = threading.Barrier(2)
    errors = []

    def approve(official):
        try:
            barrier.wait(timeout=10)
            services.application_transition(
                application_id=application.pk, to_status=Status.APPROVED, actor=official, comment="同意"
            )
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(official,)) for official in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert Transition.objects.filter(application=application, to_status=Status.APPROVED).count() == 1
    application.refresh_from_db()
    assert application.status == Status.APPROVED


def test_overdue_cases_are_flagged(applied):
    from applications.services import applications_flag_overdue

    Application.objects.filter(pk=applied.pk).update(
        promised_deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert applications_flag_overdue() == 1
    applied.refresh_from_db()
    assert applied.flagged == "overdue"


@pytest.mark.django_db
def test_an_l3_raise_past_its_expiry_no_longer_opens_an_l3_item():
    """A face check's L3 lasts until its expiry: after it, an L3 item refuses at once, without
    waiting for the hourly task that lowers the stored level."""
    from identity.constants import AssuranceLevel

    from .factories import published_item, resident

    item = published_item(minimum_assurance_level=AssuranceLevel.L3)
    applicant = resident(
        assurance_level=AssuranceLevel.L3, assurance_expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    with pytest.raises(ApplicationError) as refused:
        services.application_start(applicant=applicant, item_code=item.code)
    assert refused.value.code == "assurance_too_low"
    applicant.assurance_expires_at = timezone.now() + datetime.timedelta(days=1)
    applicant.save(update_fields=["assurance_expires_at"])
    assert services.application_start(applicant=applicant, item_code=item.code).pk
