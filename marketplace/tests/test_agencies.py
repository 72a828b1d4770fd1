"""Agencies: registration by whoever may act for the enterprise, review by the supervising
department, qualifications with their certificate, and expiry (recorded by the task, told in
advance once per reminder, and enforced by the selectors from the date alone)."""

import datetime

import pytest
from django.utils import timezone

from common.exceptions import ApplicationError
from common.testing.files import pdf_upload
from identity.tests.factories import EnterpriseFactory, UserFactory
from marketplace import selectors, services
from marketplace.constants import AgencyStatus, Grade, QualificationStatus
from marketplace.models import AgencyService, AgencyTransition, Qualification, QualificationReminder
from notifications.models import OutboxMessage

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def kind():
    return f.service_type()


def _register(enterprise, actor=None):
    return services.agency_register(
        actor=actor or enterprise.legal_representative,
        enterprise=enterprise,
        contact_name="王工",
        contact_phone="020-87654321",
        description="环评、测绘",
    )


def test_an_enterprise_registers_offers_services_and_submits_a_certificate(kind):
    enterprise = EnterpriseFactory()
    agency = _register(enterprise)
    assert agency.status == AgencyStatus.PENDING
    assert _register(enterprise).pk == agency.pk  # updating details keeps the row and the status

    offered = services.agency_service_set(
        actor=enterprise.legal_representative,
        agency=agency,
        service_type=kind,
        fee_min_fen=5_000_00,
        fee_max_fen=20_000_00,
    )
    assert offered.fee_max_fen == 20_000_00
    with pytest.raises(ApplicationError) as backwards:
        services.agency_service_set(
            actor=enterprise.legal_representative,
            agency=agency,
            service_type=kind,
            fee_min_fen=30_000_00,
            fee_max_fen=20_000_00,
        )
    assert backwards.value.code == "fee_range_invalid"
    assert AgencyService.objects.get(agency=agency).fee_min_fen == 5_000_00

    qualification = services.qualification_add(
        actor=enterprise.legal_representative,
        agency=agency,
        qualification_type=kind.qualification_type,
        grade=Grade.CLASS_B,
        number="HP-2026-001",
        valid_from=timezone.localdate() - datetime.timedelta(days=10),
        valid_until=timezone.localdate() + datetime.timedelta(days=700),
        upload=pdf_upload("资质证书.pdf"),
    )
    assert qualification.status == QualificationStatus.PENDING
    assert qualification.original_name == "资质证书.pdf"
    assert qualification.file.name.startswith("marketplace/qualifications/")
    assert "资质" not in qualification.file.name


def test_registration_needs_someone_who_may_act_for_a_verified_enterprise():
    with pytest.raises(ApplicationError) as unverified:
        _register(EnterpriseFactory(unverified=True))
    assert unverified.value.code == "enterprise_unverified"
    with pytest.raises(ApplicationError) as stranger:
        _register(EnterpriseFactory(), actor=UserFactory(verified=True))
    assert stranger.value.code == "not_mandated"
    enterprise = EnterpriseFactory()
    assert _register(enterprise, actor=f.mandated_agent(enterprise)).registered_by != enterprise.legal_representative


def test_a_certificate_needs_a_file_or_an_e_certificate_and_valid_dates(kind):
    agency = f.agency(kind=kind)
    actor = agency.enterprise.legal_representative
    base = {
        "actor": actor,
        "agency": agency,
        "qualification_type": kind.qualification_type,
        "grade": Grade.CLASS_A,
        "number": "X-1",
        "valid_from": timezone.localdate() - datetime.timedelta(days=10),
    }
    with pytest.raises(ApplicationError) as nothing:
        services.qualification_add(**base, valid_until=timezone.localdate() + datetime.timedelta(days=10))
    assert nothing.value.code == "certificate_required"
    with pytest.raises(ApplicationError) as expired:
        services.qualification_add(
            **base, valid_until=timezone.localdate() - datetime.timedelta(days=1), certificate_reference="DZ-1"
        )
    assert expired.value.code == "already_expired"


def test_officials_review_agencies_and_qualifications_and_each_decision_is_recorded(kind):
    enterprise = EnterpriseFactory()
    agency = _register(enterprise)
    services.agency_service_set(
        actor=enterprise.legal_representative, agency=agency, service_type=kind, fee_min_fen=1, fee_max_fen=1
    )
    qualification = services.qualification_add(
        actor=enterprise.legal_representative,
        agency=agency,
        qualification_type=kind.qualification_type,
        grade=Grade.CLASS_A,
        number="HP-1",
        valid_from=timezone.localdate(),
        valid_until=timezone.localdate() + datetime.timedelta(days=365),
        certificate_reference="DZZZ-001",
    )
    official = f.reviewer()
    with pytest.raises(ApplicationError) as no_reason:
        services.agency_review(official=official, agency=agency, approve=False)
    assert no_reason.value.code == "note_required"
    with pytest.raises(ApplicationError) as not_official:
        services.agency_review(official=UserFactory(official=True), agency=agency, approve=True)
    assert not_official.value.code == "permission_denied"

    services.agency_review(official=official, agency=agency, approve=True)
    assert list(selectors.selectable_agencies(service_type=kind)) == []  # the qualification still pending
    services.qualification_review(official=official, qualification=qualification, approve=True)
    assert list(selectors.selectable_agencies(service_type=kind)) == [agency]

    services.agency_suspend(official=official, agency=agency, note="违规收费")
    assert list(selectors.selectable_agencies(service_type=kind)) == []
    transitions = list(AgencyTransition.objects.filter(agency=agency).values_list("from_status", "to_status", "role"))
    assert transitions == [
        ("", "pending", "agency"),
        ("", "pending", "agency"),  # the qualification's submission
        ("pending", "approved", "official"),
        ("pending", "approved", "official"),  # the qualification's approval
        ("approved", "suspended", "official"),
    ]
    assert OutboxMessage.objects.filter(
        template="marketplace.agency_reviewed", user=enterprise.legal_representative
    ).exists()


def test_a_rejected_agency_applies_again(kind):
    agency = f.agency(kind=kind, status=AgencyStatus.PENDING)
    services.agency_review(official=f.reviewer(), agency=agency, approve=False, note="材料不全")
    again = _register(agency.enterprise)
    assert again.status == AgencyStatus.PENDING


def test_the_expiry_task_records_expiry_hides_the_agency_and_tells_it_in_advance_once_each(kind, settings):
    settings.MARKETPLACE_QUALIFICATION_REMINDER_DAYS = [30, 7]
    today = timezone.localdate()
    agency = f.agency(kind=kind, valid_until=today + datetime.timedelta(days=40))
    qualification = Qualification.objects.get(agency=agency)
    representative = agency.enterprise.legal_representative

    def reminders():
        return OutboxMessage.objects.filter(
            template="marketplace.qualification_expiring", user=representative, channel="inbox"
        ).count()

    assert services.qualifications_expire(today=today) == {"expired": 0, "reminded": 0}
    day_30 = today + datetime.timedelta(days=10)
    assert services.qualifications_expire(today=day_30)["reminded"] == 1
    assert services.qualifications_expire(today=day_30 + datetime.timedelta(days=1))["reminded"] == 0
    assert reminders() == 1
    day_7 = today + datetime.timedelta(days=33)
    assert services.qualifications_expire(today=day_7)["reminded"] == 1
    assert services.qualifications_expire(today=day_7 + datetime.timedelta(days=5))["reminded"] == 0
    assert reminders() == 2
    assert sorted(QualificationReminder.objects.values_list("days_before", flat=True)) == [7, 30]
    assert list(selectors.selectable_agencies(service_type=kind, today=day_7)) == [agency]

    # The day after valid_until: the selectors drop it before the task has run …
    after = today + datetime.timedelta(days=41)
    assert list(selectors.selectable_agencies(service_type=kind, today=after)) == []
    # … and the task records it, once.
    assert services.qualifications_expire(today=after) == {"expired": 1, "reminded": 0}
    assert services.qualifications_expire(today=after) == {"expired": 0, "reminded": 0}
    qualification.refresh_from_db()
    assert qualification.status == QualificationStatus.EXPIRED
    assert AgencyTransition.objects.filter(qualification=qualification, to_status="expired", role="system").count() == 1
    assert OutboxMessage.objects.filter(template="marketplace.qualification_expired", channel="inbox").count() == 1
    assert list(selectors.selectable_agencies(service_type=kind)) == []


def test_a_qualification_approved_late_gets_only_the_nearest_reminder(kind, settings):
    settings.MARKETPLACE_QUALIFICATION_REMINDER_DAYS = [30, 7]
    today = timezone.localdate()
    f.agency(kind=kind, valid_until=today + datetime.timedelta(days=5))
    assert services.qualifications_expire(today=today)["reminded"] == 1
    assert list(QualificationReminder.objects.values_list("days_before", flat=True)) == [7]
    assert services.qualifications_expire(today=today)["reminded"] == 0


def test_service_types_for_an_approval_item(kind):
    from applications.tests.factories import published_item

    item = published_item(department_code="hbj", code="HBJ-001")
    kind.service_items.add(item)
    f.service_type()  # another type, not needed by the item
    assert list(selectors.service_types_for_item(item)) == [kind]
