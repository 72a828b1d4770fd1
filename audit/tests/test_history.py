"""A change to a tracked model made through a request leaves a history row (written by a
database trigger) with who, when, what and the request: user, path, client IP, request id."""

from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from applications.constants import Status
from applications.models import ApplicationEvent
from applications.tests import factories as case_factories
from certificates.constants import CertificateStatus
from certificates.models import CertificateEvent
from certificates.tests import factories as certificate_factories
from identity.models import UserEvent
from identity.tests.factories import PASSWORD, UserFactory, login_with_totp, sandbox_identity
from payments.models import PaymentOrderEvent
from payments.tests.helpers import passport_fee_order
from services.constants import VersionStatus
from services.models import ServiceItemEvent, ServiceItemVersionEvent

pytestmark = pytest.mark.django_db

IP = "203.0.113.7"


@pytest.fixture
def client(client):
    client.defaults["REMOTE_ADDR"] = IP
    return client


def assert_request_context(event, *, user, path):
    context = event.pgh_context
    assert (context["user"], context["url"], context["ip"]) == (user.pk, path, IP)
    assert len(context["request_id"]) == 32  # the request's id, as in the logs and X-Request-ID


def test_an_officials_decision_on_a_case_is_kept_with_the_official_and_the_request(client):
    item = case_factories.published_item(department_code="ga", code="GA-001")
    case = case_factories.submitted_application(applicant=case_factories.resident(), item=item)
    official = case_factories.official(department=item.department)
    login_with_totp(client, official)
    path = reverse("admin:applications_application_decide", args=[case.pk, Status.ACCEPTED])

    assert client.post(path).status_code == 302

    event = ApplicationEvent.objects.get(pgh_obj=case, pgh_label="update", status=Status.ACCEPTED)
    assert event.case_number == case.case_number and event.applicant_id == case.applicant_id
    assert_request_context(event, user=official, path=path)
    # Submitted earlier, outside any request: kept too, without a request.
    assert ApplicationEvent.objects.get(pgh_obj=case, status=Status.SUBMITTED).pgh_context is None


def test_a_certificate_revocation_is_kept_with_the_official_and_the_request(client):
    certificate = certificate_factories.certificate()
    official = case_factories.official(department=certificate.type.department)
    official.user_permissions.add(Permission.objects.get(codename="view_certificate"))
    login_with_totp(client, official)
    path = reverse("admin:certificates_certificate_status", args=[certificate.pk, "revoke"])

    client.post(path, {"reason": "以欺骗手段取得"})

    event = CertificateEvent.objects.get(pgh_obj=certificate, pgh_label="update")
    assert (event.status, event.status_reason) == (CertificateStatus.REVOKED, "以欺骗手段取得")
    assert_request_context(event, user=official, path=path)


def test_a_residents_payment_start_is_kept_on_the_order_with_the_resident_and_the_request(client):
    resident = UserFactory()
    order = passport_fee_order(resident, reference="test:audit")
    client.force_login(resident)
    path = reverse("payments:pay", args=[order.out_trade_no])

    client.post(path)

    event = PaymentOrderEvent.objects.get(pgh_obj=order, pgh_label="update")
    assert event.gateway and event.amount_fen == 12000
    assert_request_context(event, user=resident, path=path)


def test_creating_and_publishing_a_catalogue_version_is_kept_for_the_item_and_the_version(client):
    item = case_factories.published_item(department_code="ga", code="GA-002")
    manager = UserFactory(official=True, is_superuser=True)
    login_with_totp(client, manager)

    client.post("/admin/services/serviceitem/", {"action": "create_draft", "_selected_action": [item.pk]})
    draft = item.versions.get(status=VersionStatus.DRAFT)
    client.post("/admin/services/serviceitemversion/", {"action": "publish", "_selected_action": [draft.pk]})

    created = ServiceItemVersionEvent.objects.get(pgh_obj=draft, pgh_label="insert")
    assert created.status == VersionStatus.DRAFT
    assert_request_context(created, user=manager, path="/admin/services/serviceitem/")
    published = ServiceItemVersionEvent.objects.get(pgh_obj=draft, status=VersionStatus.PUBLISHED)
    assert_request_context(published, user=manager, path="/admin/services/serviceitemversion/")
    item_event = ServiceItemEvent.objects.filter(pgh_obj=item, published_version=draft).get()
    assert_request_context(item_event, user=manager, path="/admin/services/serviceitemversion/")


def test_a_residents_real_name_verification_is_kept_without_the_id_number_or_password(client):
    name, id_number = "王小明", "11010519800808777X"
    sandbox_identity(name, id_number)
    resident = UserFactory()
    client.force_login(resident)

    client.post("/account/verify/", {"name": name, "id_number": id_number})

    event = UserEvent.objects.get(pgh_obj=resident, pgh_label="update")
    assert (event.real_name, event.id_number_masked) == (name, "1101**********777X")
    assert_request_context(event, user=resident, path="/account/verify/")
    # Secrets are no part of the history: no column for them, and no value anywhere in the row.
    columns = {field.attname for field in UserEvent._meta.concrete_fields}
    assert not columns & {"password", "id_number", "id_number_digest", "last_login"}
    resident.refresh_from_db()
    assert id_number not in str(UserEvent.objects.filter(pgh_obj=resident).values())
    assert resident.password not in str(UserEvent.objects.filter(pgh_obj=resident).values())


def test_a_password_change_or_a_sign_in_alone_records_no_history(client):
    resident = UserFactory(preferred_language="zh-hans")  # signing in records the page language
    before = UserEvent.objects.filter(pgh_obj=resident).count()

    response = client.post(reverse("identity:login"), {"username": resident.username, "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in client.session
    resident.set_password("another-Passw0rd!")
    resident.save(update_fields=["password"])

    assert UserEvent.objects.filter(pgh_obj=resident).count() == before


def test_a_catalogue_popularity_refresh_records_no_history():
    item = case_factories.published_item(department_code="ga", code="GA-003")
    before = ServiceItemEvent.objects.filter(pgh_obj=item).count()
    type(item).objects.filter(pk=item.pk).update(popularity=99)
    assert ServiceItemEvent.objects.filter(pgh_obj=item).count() == before


def test_the_query_string_is_no_part_of_the_recorded_path(client):
    resident = UserFactory()
    order = passport_fee_order(resident, reference="test:audit-qs")
    client.force_login(resident)
    path = reverse("payments:pay", args=[order.out_trade_no])

    client.post(f"{path}?{urlencode({'token': 'secret-value'})}")

    event = PaymentOrderEvent.objects.get(pgh_obj=order, pgh_label="update")
    assert event.pgh_context["url"] == path
