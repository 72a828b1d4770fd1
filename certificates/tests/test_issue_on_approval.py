"""An approval issues the certificate its item produces: exactly one, even when two officials
approve at once or two issuers race for the same case.

Real PostgreSQL and row locks: each thread has its own connection and transaction
(``transaction=True``). The cases are made through applications' own test helpers
(tests may cross the layers; certificates' code never imports applications).
"""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from applications.constants import Status
from applications.services import application_transition
from applications.tests import factories as case_factories
from certificates.constants import Outcome
from certificates.models import Certificate, UseLog
from certificates.services import certificates_issue_for_decision
from certificates.verification import verify_token
from common.decisions import CaseDecision
from common.testing.files import pdf_bytes
from identity.tests.factories import ProxyAuthorisationFactory, login_with_totp
from notifications.models import OutboxMessage

from . import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def accepted_case():
    item = case_factories.published_item(department_code="ga", code="GA-RP-001")
    ctype = factories.certificate_type(items=[item.code], department=item.department)
    first = case_factories.official(department=item.department, username="official-ga-1")
    second = case_factories.official(department=item.department, username="official-ga-2")
    case = case_factories.submitted_application(applicant=case_factories.resident(), item=item)
    application_transition(application_id=case.pk, to_status=Status.ACCEPTED, actor=first)
    return case, ctype, first, second


def _run_in_threads(*targets) -> list:
    outcomes: list = [None] * len(targets)

    def run(index, target):
        try:
            outcomes[index] = target()
        except BaseException as exc:  # reported below
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return outcomes


def test_approval_issues_one_valid_certificate_to_the_applicant(accepted_case):
    case, ctype, first, _second = accepted_case
    application_transition(application_id=case.pk, to_status=Status.APPROVED, actor=first, comment="准予")
    certificate = Certificate.objects.get(issuing_case_number=case.case_number)
    assert certificate.type == ctype
    assert certificate.holder_user == case.applicant
    assert certificate.fields["address"] == case.form_data["address"]
    assert verify_token(certificate.token).outcome == Outcome.VALID
    assert OutboxMessage.objects.filter(user=case.applicant, template="certificates.issued").exists()


def test_a_case_a_family_proxy_made_issues_the_certificate_to_the_person_it_is_for():
    item = case_factories.published_item(department_code="ga", code="GA-RP-002")
    factories.certificate_type(items=[item.code], department=item.department)
    officer = case_factories.official(department=item.department, username="official-ga-3")
    parent, child = case_factories.resident(), case_factories.resident()
    ProxyAuthorisationFactory(principal=parent, proxy=child, service_codes=[item.code])
    case = case_factories.submitted_application(applicant=child, item=item, principal_user=parent)
    application_transition(application_id=case.pk, to_status=Status.ACCEPTED, actor=officer)

    application_transition(application_id=case.pk, to_status=Status.APPROVED, actor=officer, comment="准予")

    certificate = Certificate.objects.get(issuing_case_number=case.case_number)
    assert certificate.holder_user == parent


def test_announcing_the_same_approval_again_issues_nothing_new(accepted_case):
    case, _ctype, first, _second = accepted_case
    application_transition(application_id=case.pk, to_status=Status.APPROVED, actor=first, comment="准予")
    case.refresh_from_db()
    decision = CaseDecision(
        case_number=case.case_number,
        service_code=case.service_item.code,
        status="approved",
        applicant_id=case.applicant_id,
        enterprise_id=None,
        department_code="ga",
        decided_at=case.decided_at,
        form_data=case.form_data,
    )
    again = certificates_issue_for_decision(decision)
    assert [c.pk for c in again] == list(Certificate.objects.values_list("pk", flat=True))
    assert Certificate.objects.count() == 1


def _approve_through_the_admin(user, case, barrier):
    client = Client()
    login_with_totp(client, user)
    url = reverse("admin:applications_application_decide", args=[case.pk, Status.APPROVED])
    data = {
        f"{Status.APPROVED}-comment": f"{user.username} 准予许可",
        f"{Status.APPROVED}-result_file": SimpleUploadedFile("许可证.pdf", pdf_bytes()),
    }

    def approve():
        barrier.wait(timeout=30)
        return client.post(url, data).status_code

    return approve


def test_two_officials_approving_at_once_issue_exactly_one_certificate(accepted_case):
    case, _ctype, first, second = accepted_case
    barrier = threading.Barrier(2)
    statuses = _run_in_threads(
        _approve_through_the_admin(first, case, barrier), _approve_through_the_admin(second, case, barrier)
    )
    assert statuses == [302, 302]
    assert Certificate.objects.filter(issuing_case_number=case.case_number).count() == 1


def test_two_issuers_racing_for_one_case_issue_one_certificate(accepted_case):
    """Without the application's row lock (a retried task, a repair run): the unique
    constraint makes the second issuer find the first one's certificate."""
    case, ctype, _first, _second = accepted_case
    case.refresh_from_db()
    decision = CaseDecision(
        case_number=case.case_number,
        service_code=case.service_item.code,
        status="approved",
        applicant_id=case.applicant_id,
        enterprise_id=None,
        department_code="ga",
        decided_at=case.submitted_at,
        form_data=case.form_data,
    )
    inserted = threading.Event()

    def first_issuer_holds_its_transaction_open():
        with transaction.atomic():
            issued = certificates_issue_for_decision(decision)
            inserted.set()
            threading.Event().wait(1.0)
        return [c.pk for c in issued]

    def second_issuer_arrives_meanwhile():
        assert inserted.wait(timeout=30)
        with transaction.atomic():
            return [c.pk for c in certificates_issue_for_decision(decision)]

    first_ids, second_ids = _run_in_threads(first_issuer_holds_its_transaction_open, second_issuer_arrives_meanwhile)
    assert Certificate.objects.filter(issuing_case_number=case.case_number, type=ctype).count() == 1
    assert first_ids == second_ids
    assert not UseLog.objects.exists()
