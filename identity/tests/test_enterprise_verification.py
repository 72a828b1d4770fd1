"""Enterprise registration is verified (企业登记核验): nobody claims an enterprise
the authoritative registry does not confirm them for, an unverified enterprise
can do nothing, a squatter cannot block the real legal representative, and a
dispute path lets officials settle the rest, every step recorded."""

import json
from http import HTTPStatus

import httpx
import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.models import Application
from applications.services import application_start
from applications.tests.factories import published_item
from common.exceptions import ApplicationError
from identity import demo_enterprises
from identity.admin_enterprises import EnterpriseEventAdmin
from identity.models import (
    ActingRecord,
    DisputeStatus,
    Enterprise,
    EnterpriseDispute,
    EnterpriseEvent,
    EnterpriseStatus,
    Mandate,
)
from identity.services.acting import act_on_behalf, acting_check
from identity.services.enterprises import (
    enterprise_dispute_decide,
    enterprise_dispute_file,
    enterprise_register,
    mandate_grant,
)
from identity.verification import get_enterprise_verifier
from identity.verification.base import EnterpriseOutcome
from identity.verification.contrib.http import HttpGatewayEnterpriseVerifier, signature_is_valid
from notifications.models import OutboxMessage

from .factories import EnterpriseFactory, MandateFactory, UserFactory, in_days, login_with_totp, on_record

pytestmark = pytest.mark.django_db

# A well-known company, as the squatter typed it: a checksum-valid USCC and the real name.
COMPANY_NAME = "广州示例控股集团有限公司"
COMPANY_USCC = "91350100M000100Y43"
GATEWAY = {"BASE_URL": "https://gateway.example.gov.cn", "APP_ID": "tongban", "SECRET": "s3cret", "TIMEOUT": 2}


@pytest.fixture
def real_representative():
    representative = UserFactory(verified=True)
    on_record(representative, name=COMPANY_NAME, uscc=COMPANY_USCC)
    return representative


@pytest.fixture
def squatter():
    return UserFactory(verified=True)


def refused(call) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value


# ------------------------------------------------------------------------------
# Registration asks the verifier
# ------------------------------------------------------------------------------
def test_a_squatter_with_the_real_name_and_a_valid_uscc_is_refused_and_nothing_is_stored(real_representative, squatter):
    error = refused(lambda: enterprise_register(representative=squatter, name=COMPANY_NAME, uscc=COMPANY_USCC))

    assert error.code == "not_legal_representative_of_record"
    assert error.status == HTTPStatus.FORBIDDEN
    assert "您不是该企业的法定代表人" in str(error.message)
    assert not Enterprise.objects.exists()
    assert not ActingRecord.objects.exists()
    attempt = EnterpriseEvent.objects.get()
    assert (attempt.actor, attempt.action, attempt.outcome, attempt.provider) == (
        squatter,
        "verify_refused",
        EnterpriseOutcome.NOT_REPRESENTATIVE,
        "sandbox",
    )
    assert attempt.uscc_masked == "9135**********0Y43"
    # The real representative is not told the code is taken: they register at once.
    enterprise = enterprise_register(representative=real_representative, name=COMPANY_NAME, uscc=COMPANY_USCC)
    assert (enterprise.legal_representative, enterprise.status) == (real_representative, EnterpriseStatus.VERIFIED)


@pytest.mark.parametrize(
    ("name", "uscc", "code", "field"),
    [
        (COMPANY_NAME, "91440101MA9W7TB02C", "enterprise_no_record", "uscc"),
        ("广州示例控股有限公司", COMPANY_USCC, "enterprise_name_mismatch", "name"),
    ],
    ids=["unknown-uscc", "other-name"],
)
def test_a_registration_the_registry_does_not_confirm_is_refused_with_a_clear_reason(
    real_representative, name, uscc, code, field
):
    error = refused(lambda: enterprise_register(representative=real_representative, name=name, uscc=uscc))
    assert (error.code, error.extra) == (code, {"field": field})
    assert not Enterprise.objects.exists()


def test_an_unreachable_verifier_refuses_the_registration_and_stores_nothing(settings, real_representative):
    settings.ENTERPRISE_VERIFIER = "http"
    # Nothing listens on the discard port: a real transport failure.
    settings.ENTERPRISE_VERIFIER_HTTP = {**GATEWAY, "BASE_URL": "http://127.0.0.1:9", "TIMEOUT": 1}
    error = refused(
        lambda: enterprise_register(representative=real_representative, name=COMPANY_NAME, uscc=COMPANY_USCC)
    )
    assert (error.code, error.status) == ("enterprise_verifier_unavailable", HTTPStatus.SERVICE_UNAVAILABLE)
    assert not Enterprise.objects.exists()
    assert EnterpriseEvent.objects.get().action == "verify_error"


def test_registration_attempts_are_limited_per_day(settings, squatter):
    settings.ENTERPRISE_VERIFICATION_DAILY_LIMIT = 2
    for _attempt in range(2):
        refused(lambda: enterprise_register(representative=squatter, name=COMPANY_NAME, uscc=COMPANY_USCC))
    error = refused(lambda: enterprise_register(representative=squatter, name=COMPANY_NAME, uscc=COMPANY_USCC))
    assert error.code == "enterprise_verification_rate_limited"
    assert EnterpriseEvent.objects.count() == 2


def test_the_register_page_refuses_the_squatter_with_the_reason_and_says_sandbox(client, real_representative, squatter):
    client.force_login(squatter)
    url = reverse("identity:enterprise_register")
    assert "沙箱环境" in client.get(url).content.decode()
    response = client.post(url, {"name": COMPANY_NAME, "uscc": COMPANY_USCC})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "登记机关的记录显示您不是该企业的法定代表人" in response.content.decode()
    assert not Enterprise.objects.exists()


def test_pages_do_not_say_sandbox_with_the_http_verifier(client, settings, squatter):
    settings.ENTERPRISE_VERIFIER = "http"
    client.force_login(squatter)
    for name in ("enterprise_register", "enterprise_list"):
        assert "沙箱环境" not in client.get(reverse(f"identity:{name}")).content.decode()


# ------------------------------------------------------------------------------
# A squatter cannot block the real representative
# ------------------------------------------------------------------------------
@pytest.mark.parametrize("squatted_status", [EnterpriseStatus.UNVERIFIED, EnterpriseStatus.VERIFIED])
def test_the_confirmed_representative_takes_over_a_squatted_registration(
    real_representative, squatter, squatted_status
):
    squatted = EnterpriseFactory(
        uscc=COMPANY_USCC, name="冒名公司", legal_representative=squatter, status=squatted_status
    )
    mandate = MandateFactory(enterprise=squatted, all_services=True)

    enterprise = enterprise_register(representative=real_representative, name=COMPANY_NAME, uscc=COMPANY_USCC)

    assert enterprise.pk == squatted.pk
    squatted.refresh_from_db()
    assert (squatted.legal_representative, squatted.status, squatted.name) == (
        real_representative,
        EnterpriseStatus.VERIFIED,
        COMPANY_NAME,
    )
    assert Mandate.objects.get(pk=mandate.pk).revoked_at is not None
    transfer = EnterpriseEvent.objects.get(action="transferred")
    assert (transfer.from_holder, transfer.to_holder, transfer.actor) == (
        squatter,
        real_representative,
        real_representative,
    )
    assert OutboxMessage.objects.filter(user=squatter, template="identity.enterprise_transferred").exists()
    assert (
        refused(lambda: acting_check(actor=mandate.agent, service_code="SCJG-001", enterprise=squatted)).code
        == "not_mandated"
    )
    acting_check(actor=real_representative, service_code="SCJG-001", enterprise=squatted)


def test_registering_ones_own_verified_enterprise_again_changes_nothing(real_representative):
    first = enterprise_register(representative=real_representative, name=COMPANY_NAME, uscc=COMPANY_USCC)
    again = enterprise_register(representative=real_representative, name=COMPANY_NAME, uscc=COMPANY_USCC)
    assert first.pk == again.pk
    assert EnterpriseEvent.objects.filter(action="registered").count() == 1
    assert EnterpriseEvent.objects.count() == 1


# ------------------------------------------------------------------------------
# Until verified, an enterprise can do nothing
# ------------------------------------------------------------------------------
def test_nobody_acts_for_an_unverified_enterprise_not_even_its_holder(squatter):
    enterprise = EnterpriseFactory(legal_representative=squatter, unverified=True)
    mandate = MandateFactory(enterprise=enterprise, all_services=True)
    for actor in (squatter, mandate.agent):
        assert (
            refused(lambda actor=actor: acting_check(actor=actor, service_code="SCJG-001", enterprise=enterprise)).code
            == "enterprise_unverified"
        )
        error = refused(
            lambda actor=actor: act_on_behalf(
                actor=actor, action="application.submit", service_code="SCJG-001", enterprise=enterprise
            )
        )
        assert (error.code, error.status) == ("enterprise_unverified", HTTPStatus.FORBIDDEN)
    assert not ActingRecord.objects.exists()


def test_acting_reads_the_registration_afresh_so_a_stale_verified_copy_does_not_help(squatter):
    enterprise = EnterpriseFactory(legal_representative=squatter)
    Enterprise.objects.filter(pk=enterprise.pk).update(status=EnterpriseStatus.UNVERIFIED)
    error = refused(
        lambda: act_on_behalf(actor=squatter, action="application.submit", service_code="X-1", enterprise=enterprise)
    )
    assert error.code == "enterprise_unverified"


def test_an_unverified_enterprise_grants_no_mandate(squatter):
    enterprise = EnterpriseFactory(legal_representative=squatter, unverified=True)
    agent = UserFactory()
    error = refused(
        lambda: mandate_grant(
            enterprise=enterprise, granted_by=squatter, agent=agent, all_services=True, valid_until=in_days(30)
        )
    )
    assert (error.code, error.status) == ("enterprise_unverified", HTTPStatus.FORBIDDEN)
    assert not Mandate.objects.exists()


def test_no_application_is_started_for_an_unverified_enterprise(client, squatter):
    item = published_item(code="TEST-ENT-VERIFY", audience="enterprise")
    enterprise = EnterpriseFactory(legal_representative=squatter, unverified=True)
    client.force_login(squatter)
    # The apply page does not offer it, and a POST naming it anyway is refused.
    page = client.get(f"/applications/new/{item.code}/")
    assert page.status_code == HTTPStatus.OK
    assert enterprise.name not in page.content.decode()
    posted = client.post(f"/applications/new/{item.code}/", {"principal": f"enterprise:{enterprise.pk}"})
    assert posted.status_code == HTTPStatus.BAD_REQUEST
    # The service itself refuses it, for the pages and the API alike.
    with pytest.raises(ApplicationError) as refused_by_service:
        application_start(applicant=squatter, item_code=item.code, enterprise=enterprise)
    assert refused_by_service.value.code == "enterprise_unverified"
    assert "该企业尚未通过登记核验" in str(refused_by_service.value.message)
    assert not Application.objects.exists()


def test_the_agents_page_of_an_unverified_enterprise_is_not_found(client, squatter):
    enterprise = EnterpriseFactory(legal_representative=squatter, unverified=True)
    client.force_login(squatter)
    assert client.get(reverse("identity:enterprise_agents", args=[enterprise.pk])).status_code == HTTPStatus.NOT_FOUND


def test_the_holder_of_an_old_unverified_registration_verifies_it_from_my_enterprises(client, real_representative):
    enterprise = EnterpriseFactory(
        uscc=COMPANY_USCC, name=COMPANY_NAME, legal_representative=real_representative, unverified=True
    )
    client.force_login(real_representative)
    listing = client.get(reverse("identity:enterprise_list")).content.decode()
    assert "待核验" in listing
    verify_url = reverse("identity:enterprise_verify", args=[enterprise.pk])
    assert f'action="{verify_url}"' in listing
    assert client.post(verify_url).status_code == HTTPStatus.FOUND
    enterprise.refresh_from_db()
    assert enterprise.status == EnterpriseStatus.VERIFIED
    assert EnterpriseEvent.objects.get().action == "verified"


def test_someone_elses_unverified_registration_cannot_be_verified_through_my_account(client, squatter):
    enterprise = EnterpriseFactory(legal_representative=squatter, unverified=True)
    client.force_login(UserFactory(verified=True))
    response = client.post(reverse("identity:enterprise_verify", args=[enterprise.pk]))
    assert response.status_code == HTTPStatus.NOT_FOUND


# ------------------------------------------------------------------------------
# Disputes
# ------------------------------------------------------------------------------
def test_a_dispute_upheld_in_the_admin_transfers_the_registration_and_ends_its_mandates(client, squatter):
    # The registry wrongly confirmed the squatter (say, a stale record): the real representative disputes.
    enterprise = EnterpriseFactory(uscc=COMPANY_USCC, name=COMPANY_NAME, legal_representative=squatter)
    mandate = MandateFactory(enterprise=enterprise, all_services=True)
    disputant = UserFactory(verified=True)

    client.force_login(disputant)
    page = reverse("identity:enterprise_disputes")
    reason = "我是该公司的法定代表人，可提供营业执照和任职文件。"
    response = client.post(page, {"uscc": COMPANY_USCC.lower(), "reason": reason})
    assert response.status_code == HTTPStatus.FOUND
    dispute = EnterpriseDispute.objects.get()
    assert (dispute.enterprise, dispute.disputant, dispute.holder, dispute.status) == (
        enterprise,
        disputant,
        squatter,
        DisputeStatus.OPEN,
    )
    assert OutboxMessage.objects.filter(user=squatter, template="identity.enterprise_dispute_filed").exists()
    # Filing twice files nothing new.
    client.post(page, {"uscc": COMPANY_USCC, "reason": reason})
    assert EnterpriseDispute.objects.count() == 1
    assert COMPANY_NAME in client.get(page).content.decode()

    official = UserFactory(is_staff=True, is_superuser=True)
    login_with_totp(client, official)
    change_url = reverse("admin:identity_enterprisedispute_change", args=[dispute.pk])
    assert client.get(change_url).status_code == HTTPStatus.OK
    decided = client.post(change_url, {"decision": "upheld", "decision_note": "营业执照与任职文件核实无误。"})
    assert decided.status_code == HTTPStatus.FOUND

    dispute.refresh_from_db()
    enterprise.refresh_from_db()
    assert (dispute.status, dispute.decided_by) == (DisputeStatus.UPHELD, official)
    assert (enterprise.legal_representative, enterprise.status) == (disputant, EnterpriseStatus.VERIFIED)
    assert Mandate.objects.get(pk=mandate.pk).revoked_at is not None
    steps = list(EnterpriseEvent.objects.order_by("pk").values_list("action", "actor", "reason"))
    assert steps == [
        ("dispute_filed", disputant.pk, reason),
        ("dispute_upheld", official.pk, "营业执照与任职文件核实无误。"),
    ]
    upheld = EnterpriseEvent.objects.get(action="dispute_upheld")
    assert (upheld.from_holder, upheld.to_holder) == (squatter, disputant)
    assert OutboxMessage.objects.filter(user=disputant, template="identity.enterprise_dispute_decided").exists()
    assert OutboxMessage.objects.filter(user=squatter, template="identity.enterprise_transferred").exists()
    acting_check(actor=disputant, service_code="SCJG-001", enterprise=enterprise)
    assert refused(lambda: acting_check(actor=squatter, service_code="SCJG-001", enterprise=enterprise)).code == (
        "not_mandated"
    )
    # A decided dispute keeps its decision: upholding again changes nothing, rejecting is refused.
    enterprise_dispute_decide(dispute=dispute, official=official, uphold=True, note="重复提交")
    assert (
        refused(lambda: enterprise_dispute_decide(dispute=dispute, official=official, uphold=False, note="改判")).code
        == "dispute_decided"
    )
    assert EnterpriseEvent.objects.count() == 2


def test_a_rejected_dispute_leaves_the_registration_and_is_recorded(squatter):
    enterprise = EnterpriseFactory(uscc=COMPANY_USCC, legal_representative=squatter)
    disputant = UserFactory(verified=True)
    official = UserFactory(is_staff=True)
    dispute = enterprise_dispute_file(disputant=disputant, uscc=COMPANY_USCC, reason="我才是法定代表人，请核实。")
    enterprise_dispute_decide(dispute=dispute, official=official, uphold=False, note="登记机关记录与现登记一致。")
    dispute.refresh_from_db()
    enterprise.refresh_from_db()
    assert dispute.status == DisputeStatus.REJECTED
    assert enterprise.legal_representative == squatter
    rejected = EnterpriseEvent.objects.get(action="dispute_rejected")
    assert (rejected.actor, rejected.reason) == (official, "登记机关记录与现登记一致。")


@pytest.mark.parametrize(
    ("who", "uscc", "reason", "code"),
    [
        ("unverified", COMPANY_USCC, "我才是法定代表人，请核实。", "verification_required"),
        ("holder", COMPANY_USCC, "我才是法定代表人，请核实。", "dispute_own_enterprise"),
        ("other", "91440101MA9W7TB02C", "我才是法定代表人，请核实。", "enterprise_not_registered"),
        ("other", COMPANY_USCC, "太短", "reason_required"),
        ("other", "91350100M000100Y44", "我才是法定代表人，请核实。", "uscc_invalid"),
    ],
)
def test_a_dispute_is_refused_with_a_reason(squatter, who, uscc, reason, code):
    EnterpriseFactory(uscc=COMPANY_USCC, legal_representative=squatter)
    disputant = {"unverified": UserFactory(), "holder": squatter, "other": UserFactory(verified=True)}[who]
    error = refused(lambda: enterprise_dispute_file(disputant=disputant, uscc=uscc, reason=reason))
    assert error.code == code
    assert not EnterpriseDispute.objects.exists()


def test_only_officials_decide_disputes(squatter):
    EnterpriseFactory(uscc=COMPANY_USCC, legal_representative=squatter)
    dispute = enterprise_dispute_file(
        disputant=UserFactory(verified=True), uscc=COMPANY_USCC, reason="我才是法定代表人，请核实。"
    )
    error = refused(lambda: enterprise_dispute_decide(dispute=dispute, official=squatter, uphold=False, note="不成立"))
    assert error.code == "not_allowed"
    assert EnterpriseDispute.objects.get().status == DisputeStatus.OPEN


def test_upholding_a_dispute_of_someone_who_already_took_over_keeps_their_mandates(real_representative, squatter):
    EnterpriseFactory(uscc=COMPANY_USCC, legal_representative=squatter)
    dispute = enterprise_dispute_file(
        disputant=real_representative, uscc=COMPANY_USCC, reason="我才是法定代表人，请核实。"
    )
    enterprise = enterprise_register(representative=real_representative, name=COMPANY_NAME, uscc=COMPANY_USCC)
    mandate = MandateFactory(enterprise=enterprise)
    enterprise_dispute_decide(dispute=dispute, official=UserFactory(is_staff=True), uphold=True, note="已由本人核验。")
    assert Mandate.objects.get(pk=mandate.pk).revoked_at is None
    assert EnterpriseEvent.objects.get(action="dispute_upheld").to_holder is None


def test_my_disputes_page_costs_the_same_queries_for_1_or_5_disputes(client, django_assert_num_queries):
    disputant = UserFactory(verified=True)
    client.force_login(disputant)
    page = reverse("identity:enterprise_disputes")

    def dispute():
        enterprise = EnterpriseFactory()
        enterprise_dispute_file(disputant=disputant, uscc=enterprise.uscc, reason="我才是法定代表人，请核实。")

    dispute()
    client.get(page)  # warm the session cache
    with CaptureQueriesContext(connection) as one:
        client.get(page)
    for _n in range(4):
        dispute()
    with django_assert_num_queries(len(one)):
        response = client.get(page)
    assert response.content.decode().count("<tr>") == 6  # the header and five disputes


def test_enterprise_registration_records_are_read_only_in_the_admin():
    from django.contrib import admin
    from django.test import RequestFactory

    model_admin = EnterpriseEventAdmin(EnterpriseEvent, admin.site)
    request = RequestFactory().get("/admin/identity/enterpriseevent/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


# ------------------------------------------------------------------------------
# The HTTP gateway adapter and the SANDBOX gateway
# ------------------------------------------------------------------------------
def _verifier(handler) -> HttpGatewayEnterpriseVerifier:
    return HttpGatewayEnterpriseVerifier(
        "http", client=httpx.Client(transport=httpx.MockTransport(handler)), config=GATEWAY
    )


def _ask(verifier, *, name=COMPANY_NAME, representative_name="张三", id_number="440106199001011235"):
    return verifier.verify(
        uscc=COMPANY_USCC, name=name, representative_name=representative_name, representative_id_number=id_number
    )


@pytest.mark.parametrize("result", sorted(EnterpriseOutcome.ALL))
def test_http_adapter_sends_a_signed_request_and_reads_each_answer(result):
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/enterprise/verify"
        assert request.headers["X-App-Id"] == "tongban"
        assert signature_is_valid("s3cret", headers=request.headers, body=request.content)
        body = json.loads(request.content)
        assert (body["uscc"], body["name"]) == (COMPANY_USCC, COMPANY_NAME)
        assert body["legalRepresentative"] == {"name": "张三", "idNumber": "440106199001011235"}
        return httpx.Response(200, json={"requestId": body["requestId"], "result": result, "reference": "T-9"})

    answer = _ask(_verifier(handler))
    assert (answer.outcome, answer.reference, answer.error) == (result, "T-9", False)
    assert answer.matched == (result == "MATCH")


@pytest.mark.parametrize(
    "answer",
    [
        lambda body: httpx.Response(500),
        lambda body: httpx.Response(200, content=b"<html>gateway error</html>"),
        lambda body: httpx.Response(200, json=["MATCH"]),
        lambda body: httpx.Response(200, json={"requestId": "someone-else", "result": "MATCH"}),
        lambda body: httpx.Response(200, json={"requestId": body["requestId"], "result": "PROBABLY"}),
    ],
    ids=["server-error", "not-json", "not-an-object", "other-request-id", "unknown-result"],
)
def test_http_adapter_treats_anything_odd_as_an_error_never_a_match(answer):
    result = _ask(_verifier(lambda request: answer(json.loads(request.content))))
    assert result.error
    assert not result.matched


def test_http_adapter_round_trips_with_the_sandbox_gateway(settings):
    """The SANDBOX gateway view speaks the protocol; drive it over WSGI."""
    from config.wsgi import application

    representative = UserFactory(verified=True)
    on_record(representative, name=COMPANY_NAME, uscc=COMPANY_USCC)
    config = {**GATEWAY, "BASE_URL": "http://testserver/sandbox/enterprise-gateway"}
    client = httpx.Client(transport=httpx.WSGITransport(app=application))
    # As Django's test client does: keep the test's transaction open across requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with override_settings(ENTERPRISE_VERIFIER_HTTP=config, ALLOWED_HOSTS=["testserver"]):
            verifier = HttpGatewayEnterpriseVerifier("http", client=client, config=config)
            person = {"representative_name": representative.real_name, "id_number": representative.id_number}
            assert _ask(verifier, **person).outcome == "MATCH"
            assert _ask(verifier, **{**person, "name": "别的公司"}).outcome == "NAME_MISMATCH"
            assert _ask(verifier, **{**person, "id_number": "11010519800808777X"}).outcome == "NOT_REPRESENTATIVE"
            wrong_secret = HttpGatewayEnterpriseVerifier("http", client=client, config={**config, "SECRET": "guess"})
            assert _ask(wrong_secret, **person).error
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_the_sandbox_gateway_refuses_an_unsigned_or_malformed_request(client, settings):
    settings.ENTERPRISE_VERIFIER_HTTP = GATEWAY
    url = "/sandbox/enterprise-gateway/v1/enterprise/verify"
    unsigned = client.post(url, data=b"{}", content_type="application/json", headers={"X-App-Id": "tongban"})
    assert unsigned.status_code == HTTPStatus.UNAUTHORIZED
    from identity.verification.contrib.http import signed_headers

    body = b'{"requestId": "1", "uscc": 5}'
    headers = signed_headers(app_id="tongban", secret="s3cret", body=body)
    malformed = client.post(url, data=body, content_type="application/json", headers=headers)
    assert malformed.status_code == HTTPStatus.BAD_REQUEST


# ------------------------------------------------------------------------------
# The demo
# ------------------------------------------------------------------------------
def test_the_demo_enterprises_are_in_the_sandbox_table_and_the_demo_one_is_verified():
    from identity import demo

    demo.seed()
    demo_enterprises.seed()
    enterprise = Enterprise.objects.get()
    assert enterprise.is_verified
    # A new account verified as the sandbox identity 王小明 can register the second demo enterprise.
    newcomer = UserFactory(verified=True, real_name="王小明", id_number="11010519800808777X")
    name, uscc = demo_enterprises.SANDBOX_ENTERPRISES[1][:2]
    registered = enterprise_register(representative=newcomer, name=name, uscc=uscc)
    assert registered.is_verified
    # And the sandbox verifier confirms the demo resident as the demo enterprise's representative.
    resident = enterprise.legal_representative
    answer = get_enterprise_verifier().verify(
        uscc=enterprise.uscc,
        name=enterprise.name,
        representative_name=resident.real_name,
        representative_id_number=resident.id_number,
    )
    assert answer.matched


def test_officials_keep_the_sandbox_enterprises_in_the_admin_and_see_the_records(client):
    from identity.models import SandboxEnterprise

    official = UserFactory(is_staff=True, is_superuser=True)
    login_with_totp(client, official)
    refused_form = client.post(
        "/admin/identity/sandboxenterprise/add/",
        {
            "name": COMPANY_NAME,
            "representative_name": "张三",
            "uscc_input": "91350100M000100Y44",
            "representative_id_number_input": "440106199001011235",
        },
    )
    assert refused_form.status_code == HTTPStatus.OK
    assert "校验位不正确" in refused_form.content.decode()
    added = client.post(
        "/admin/identity/sandboxenterprise/add/",
        {
            "name": COMPANY_NAME,
            "representative_name": "张三",
            "uscc_input": COMPANY_USCC.lower(),
            "representative_id_number_input": "440106199001011235",
        },
    )
    assert added.status_code == HTTPStatus.FOUND
    entry = SandboxEnterprise.objects.get()
    assert (entry.uscc, entry.uscc_masked, entry.representative_id_number_masked) == (
        COMPANY_USCC,
        "9135**********0Y43",
        "4401**********1235",
    )
    EnterpriseFactory(uscc=COMPANY_USCC)
    for model in ("enterprise", "enterpriseevent", "enterprisedispute", "sandboxenterprise"):
        listing = client.get(f"/admin/identity/{model}/")
        assert listing.status_code == HTTPStatus.OK
        assert COMPANY_USCC not in listing.content.decode()
