"""Officials of the issuing department revoke (with a reason) and supersede; holders are told."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from applications.tests import factories as case_factories
from certificates.constants import CertificateStatus, Outcome
from certificates.models import Certificate
from certificates.verification import verify_token
from identity.tests.factories import login_with_totp
from notifications.models import OutboxMessage

from . import factories

pytestmark = pytest.mark.django_db


def _official(department):
    """An official of ``department`` with the certificate view permission officials' groups hold."""
    user = case_factories.official(department=department)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="certificates", codename="view_certificate")
    )
    return user


def _status_url(certificate, action):
    return reverse("admin:certificates_certificate_status", args=[certificate.pk, action])


def test_an_official_of_the_issuing_department_revokes_with_a_reason_and_the_holder_is_told(client):
    certificate = factories.certificate()
    official = _official(certificate.type.department)
    login_with_totp(client, official)
    page = client.get(reverse("admin:certificates_certificate_change", args=[certificate.pk]))
    assert page.status_code == 200 and "吊销原因" in page.content.decode()
    response = client.post(_status_url(certificate, "revoke"), {"reason": "以欺骗手段取得"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED and certificate.status_reason == "以欺骗手段取得"
    assert certificate.transitions.filter(to_status=CertificateStatus.REVOKED, actor=official).exists()
    message = OutboxMessage.objects.get(user=certificate.holder_user, template="certificates.revoked", channel="inbox")
    assert message.context["reason"] == "以欺骗手段取得"
    assert verify_token(certificate.token).outcome == Outcome.REVOKED


def test_a_revocation_needs_a_reason(client):
    certificate = factories.certificate()
    login_with_totp(client, _official(certificate.type.department))
    client.post(_status_url(certificate, "revoke"), {"reason": ""})
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID


def test_an_official_of_another_department_can_neither_see_nor_revoke(client):
    certificate = factories.certificate()
    login_with_totp(client, _official(case_factories.department(code="mz")))
    assert (
        client.get(reverse("admin:certificates_certificate_changelist")).content.decode().count(certificate.number) == 0
    )
    response = client.post(_status_url(certificate, "revoke"), {"reason": "越权"})
    assert response.status_code == 403
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID


def test_superseding_issues_a_new_certificate_and_the_old_one_verifies_as_superseded(client):
    certificate = factories.certificate()
    login_with_totp(client, _official(certificate.type.department))
    response = client.post(_status_url(certificate, "supersede"), {"reason": "居住地址变更"})
    assert response.status_code == 302
    new = Certificate.objects.get(supersedes=certificate)
    assert new.holder_user == certificate.holder_user and new.fields == certificate.fields
    assert verify_token(certificate.token).outcome == Outcome.SUPERSEDED
    assert verify_token(new.token).outcome == Outcome.VALID
    assert OutboxMessage.objects.filter(user=certificate.holder_user, template="certificates.superseded").exists()
    # A second supersede of the same certificate changes nothing more.
    client.post(_status_url(certificate, "supersede"), {"reason": "重复提交"})
    assert Certificate.objects.filter(supersedes=certificate).count() == 1
