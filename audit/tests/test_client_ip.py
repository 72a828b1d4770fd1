"""Transitions, reveals of personal data and access attempts carry the client IP of the
request they were made in; the address comes from identity.security.client_ip."""

import pytest
from django.contrib.auth.models import Permission
from django.test import override_settings
from django.urls import reverse

from applications.constants import Status
from applications.models import AccessAttempt, Transition
from applications.services import application_transition
from applications.tests import factories as case_factories
from identity.models import PersonalDataAccess
from identity.tests.factories import UserFactory, login_with_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    item = case_factories.published_item(department_code="ga", code="GA-001")
    return case_factories.submitted_application(applicant=case_factories.resident(), item=item)


def test_an_officials_decision_records_the_officials_ip(client, case):
    official = case_factories.official(department=case.department)
    login_with_totp(client, official)

    client.post(
        reverse("admin:applications_application_decide", args=[case.pk, Status.ACCEPTED]),
        REMOTE_ADDR="198.51.100.23",
    )

    transition = Transition.objects.get(application=case, to_status=Status.ACCEPTED)
    assert (transition.actor, transition.client_ip) == (official, "198.51.100.23")


def test_a_move_outside_any_request_records_no_ip(case):
    official = case_factories.official(department=case.department)
    application_transition(application_id=case.pk, to_status=Status.ACCEPTED, actor=official)
    assert Transition.objects.get(application=case, to_status=Status.ACCEPTED).client_ip is None


def test_a_reveal_records_the_officials_ip(client):
    staff = UserFactory(official=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user", "reveal_personal_data"])
    )
    login_with_totp(client, staff)
    resident = UserFactory(verified=True)

    response = client.post(
        f"/admin/identity/user/{resident.pk}/reveal/", {"reason": "核对办件申请人身份"}, REMOTE_ADDR="2001:db8::7"
    )

    assert resident.id_number in response.content.decode()
    assert PersonalDataAccess.objects.get(official=staff).client_ip == "2001:db8::7"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_an_access_attempt_records_the_address_our_proxy_saw_not_one_the_client_wrote(client, case):
    intruder = UserFactory(verified=True)
    client.force_login(intruder)

    response = client.get(
        reverse("applications:case", args=[case.case_number]),
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.44",
    )

    assert response.status_code == 404
    attempt = AccessAttempt.objects.get(user=intruder)
    assert (attempt.case_number, attempt.client_ip) == (case.case_number, "192.0.2.44")
