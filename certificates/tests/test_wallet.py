"""The wallet page lists the user's and their enterprises' certificates in a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certificates.services import certificate_issue
from identity.tests.factories import EnterpriseFactory

from . import factories

pytestmark = pytest.mark.django_db


def _queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("certificates:wallet"))
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_the_wallet_lists_own_and_enterprise_certificates_in_constant_queries(client):
    holder = factories.resident()
    enterprise = EnterpriseFactory(legal_representative=holder)
    licence = factories.certificate_type(code="business_licence", name="营业执照", holder_kind="enterprise")
    factories.certificate(holder=holder)
    client.force_login(holder)
    few, _html = _queries(client)
    for _ in range(4):
        factories.certificate(holder=holder)
        certificate_issue(ctype=licence, holder_enterprise=enterprise, form_data={})
    many, html = _queries(client)
    assert many == few
    assert html.count("营业执照") == 4 and html.count("居住证") == 5
    stranger = factories.resident()
    client.force_login(stranger)
    _count, empty = _queries(client)
    assert "您还没有电子证照" in empty
