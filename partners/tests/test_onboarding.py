"""Onboarding: an enterprise applies, an official decides in the admin, scopes follow."""

import json

import pytest
from django.urls import reverse

from identity.models import PartnerScopeGrant
from identity.tests.factories import EnterpriseFactory, MandateFactory, UserFactory, login_with_totp
from partners.models import Partner, PartnerEvent, PartnerEventAction, PartnerStatus
from partners.services import partner_apply, partner_decide

pytestmark = pytest.mark.django_db

APPLY_FORM = {
    "purpose": "为本行客户在网点办理社保业务",
    "scopes": ["openid", "applications:read", "applications:write", "payments:read"],
    "contact_name": "王经理",
    "contact_mobile": "13900000001",
    "contact_email": "api@bank.example",
}


@pytest.fixture
def enterprise():
    return EnterpriseFactory(name="示例银行股份有限公司")


@pytest.fixture
def official(django_user_model):
    return UserFactory(official=True, is_superuser=True, with_totp=True)


def test_representative_applies_in_the_partner_space(client, enterprise):
    client.force_login(enterprise.legal_representative)
    page = client.get(reverse("partners:apply"))
    assert page.status_code == 200
    assert enterprise.name in page.content.decode()

    response = client.post(reverse("partners:apply"), {**APPLY_FORM, "enterprise": enterprise.pk})

    partner = Partner.objects.get(enterprise=enterprise)
    assert response.status_code == 302
    assert response["Location"] == reverse("partners:detail", args=[partner.pk])
    assert partner.status == PartnerStatus.APPLIED
    assert partner.requested_scope_list == ["openid", "applications:read", "applications:write", "payments:read"]
    assert partner.applied_by == enterprise.legal_representative
    assert list(partner.events.values_list("action", flat=True)) == [PartnerEventAction.APPLIED]
    detail = client.get(response["Location"]).content.decode()
    assert "待审核" in detail


def test_application_errors_are_shown_on_the_form_and_nothing_is_saved(client, enterprise):
    client.force_login(enterprise.legal_representative)
    response = client.post(
        reverse("partners:apply"), {**APPLY_FORM, "enterprise": enterprise.pk, "scopes": ["no:such:scope"]}
    )
    assert response.status_code == 400
    assert "no:such:scope" in response.content.decode()
    assert not Partner.objects.exists()


def test_only_the_legal_representative_of_a_verified_enterprise_may_apply(client, enterprise):
    agent = MandateFactory(enterprise=enterprise).agent
    client.force_login(agent)
    response = client.post(reverse("partners:apply"), {**APPLY_FORM, "enterprise": enterprise.pk})
    assert response.status_code == 400  # not one of the agent's choices
    assert not Partner.objects.exists()

    unverified = EnterpriseFactory(unverified=True)
    client.force_login(unverified.legal_representative)
    assert "没有可以申请的企业" in client.get(reverse("partners:apply")).content.decode()


def test_another_user_cannot_see_a_partner(client, enterprise):
    partner = partner_apply(
        enterprise=enterprise,
        applicant=enterprise.legal_representative,
        purpose="x",
        scopes=["openid"],
        contact_name="a",
        contact_mobile="1",
        contact_email="a@example.com",
    )
    client.force_login(UserFactory())
    assert client.get(reverse("partners:detail", args=[partner.pk])).status_code == 404
    # An agent mandated for a few services does not hold the partner's keys and secrets.
    client.force_login(MandateFactory(enterprise=enterprise).agent)
    assert client.get(reverse("partners:detail", args=[partner.pk])).status_code == 404
    # An agent mandated for all of the enterprise's business manages it.
    client.force_login(MandateFactory(enterprise=enterprise, all_services=True).agent)
    assert client.get(reverse("partners:detail", args=[partner.pk])).status_code == 200


def _applied(enterprise) -> Partner:
    return partner_apply(
        enterprise=enterprise,
        applicant=enterprise.legal_representative,
        purpose=APPLY_FORM["purpose"],
        scopes=APPLY_FORM["scopes"],
        contact_name="王经理",
        contact_mobile="13900000001",
        contact_email="api@bank.example",
    )


def test_official_approves_two_of_the_requested_scopes_in_the_admin(client, enterprise, official):
    partner = _applied(enterprise)
    login_with_totp(client, official)
    change = client.get(reverse("admin:partners_partner_change", args=[partner.pk]))
    assert reverse("admin:partners_partner_decide", args=[partner.pk]) in change.content.decode()

    response = client.post(
        reverse("admin:partners_partner_decide", args=[partner.pk]),
        {"decision": "approved", "approved_scopes": ["openid", "applications:read"], "decision_note": ""},
    )

    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.status == PartnerStatus.APPROVED
    assert partner.approved_scope_list == ["openid", "applications:read"]
    assert partner.decided_by == official
    assert PartnerEvent.objects.filter(partner=partner, action=PartnerEventAction.APPROVED, actor=official).exists()


def test_official_cannot_approve_a_scope_that_was_not_asked_for(client, enterprise, official):
    partner = _applied(enterprise)
    login_with_totp(client, official)
    response = client.post(
        reverse("admin:partners_partner_decide", args=[partner.pk]),
        {"decision": "approved", "approved_scopes": ["eid:verify"]},
    )
    assert response.status_code == 400
    partner.refresh_from_db()
    assert partner.status == PartnerStatus.APPLIED


def test_rejecting_needs_a_reason_and_a_rejected_partner_may_apply_again(enterprise, official):
    partner = _applied(enterprise)
    with pytest.raises(Exception, match="理由"):
        partner_decide(partner_id=partner.pk, official=official, decision="rejected")
    partner_decide(partner_id=partner.pk, official=official, decision="rejected", note="用途不清")
    partner.refresh_from_db()
    assert partner.status == PartnerStatus.REJECTED

    again = _applied(enterprise)
    assert again.pk == partner.pk
    assert again.status == PartnerStatus.APPLIED


def test_decisions_are_idempotent_and_follow_the_transition_table(enterprise, official):
    partner = _applied(enterprise)
    partner_decide(partner_id=partner.pk, official=official, decision="approved", scopes=["openid"])
    partner_decide(partner_id=partner.pk, official=official, decision="approved", scopes=["openid"])
    assert partner.events.filter(action=PartnerEventAction.APPROVED).count() == 1
    with pytest.raises(Exception) as refused:
        partner_decide(partner_id=partner.pk, official=official, decision="rejected", note="晚了")
    assert refused.value.code == "transition_not_allowed"
    partner_decide(partner_id=partner.pk, official=official, decision="suspended", note="安全事件")
    partner.refresh_from_db()
    assert partner.status == PartnerStatus.SUSPENDED
    assert not PartnerScopeGrant.objects.filter(allowed_scopes__contains="openid").exists()


def test_a_secret_client_moves_to_private_key_jwt_once_it_has_a_key(client, enterprise, official):
    from joserfc.jwk import RSAKey

    from identity.tests.oauth_helpers import basic_auth
    from partners.services import partner_client_create

    partner = _applied(enterprise)
    backend, secret = partner_client_create(
        partner=partner,
        actor=enterprise.legal_representative,
        environment="sandbox",
        name="后台",
        grant_type="client-credentials",
        auth_method="client_secret_basic",
        redirect_uris=[],
    )
    switch = reverse("partners:client_use_private_key_jwt", args=[partner.pk, backend.pk])
    client.force_login(enterprise.legal_representative)

    refused = client.post(switch, follow=True)
    assert "请先登记至少一个公钥" in refused.content.decode()

    def token_status() -> int:
        answer = client.post(
            "/o/token/",
            {"grant_type": "client_credentials", "scope": "applications:read"},
            **basic_auth(backend.application.client_id, secret),
        )
        return answer.status_code

    assert token_status() == 200
    key = RSAKey.generate_key(2048).as_dict(private=False)
    client.post(reverse("partners:client_key_add", args=[partner.pk, backend.pk]), {"public_jwk": json.dumps(key)})
    assert client.post(switch).status_code == 302
    assert token_status() == 401  # every secret stopped at once
    assert partner.events.filter(action=PartnerEventAction.AUTH_METHOD_CHANGED).count() == 1
    client.post(switch)  # again: nothing more happens, nothing more is recorded
    assert partner.events.filter(action=PartnerEventAction.AUTH_METHOD_CHANGED).count() == 1
