"""Enterprises (法人), agents' mandates (经办人) and family proxies (代办):
who may act for whom, and the record every such action leaves."""

import datetime
from http import HTTPStatus

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from common.crypto import decrypt_text
from common.exceptions import ApplicationError
from identity import demo_enterprises
from identity.admin_enterprises import ActingRecordAdmin, EnterpriseAdmin
from identity.models import ActingRecord, Enterprise, Mandate, ProxyAuthorisation
from identity.personal_data import uscc_digest
from identity.selectors_enterprises import active_mandate, enterprises_for_user, principals_of, proxies_for
from identity.services.acting import act_on_behalf, acting_check
from identity.services.enterprises import (
    enterprise_register,
    mandate_grant,
    mandate_revoke,
    normalize_service_codes,
    proxy_grant,
    proxy_revoke,
)

from .factories import (
    EnterpriseFactory,
    MandateFactory,
    ProxyAuthorisationFactory,
    UserFactory,
    in_days,
    on_record,
    valid_uscc,
)

pytestmark = [pytest.mark.django_db, pytest.mark.urls("identity.tests.urls_enterprises_test")]

DEMO_USCC = "91350100M000100Y43"


@pytest.fixture
def representative():
    return UserFactory(verified=True)


@pytest.fixture
def enterprise(representative):
    return EnterpriseFactory(legal_representative=representative)


@pytest.fixture
def agent():
    return UserFactory()


def refused_code(call) -> str:
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value.code


# ------------------------------------------------------------------------------
# Registration
# ------------------------------------------------------------------------------
def test_registration_refuses_a_wrong_check_character_with_a_message(representative):
    with pytest.raises(ApplicationError) as caught:
        enterprise_register(representative=representative, name="甲公司", uscc="91350100M000100Y44")
    assert caught.value.code == "uscc_invalid"
    assert caught.value.extra == {"field": "uscc"}
    assert "校验位不正确" in str(caught.value.message)
    assert not Enterprise.objects.exists()


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_registration_refuses_the_letters_i_o_z_s_v(representative, letter):
    with pytest.raises(ApplicationError) as caught:
        enterprise_register(representative=representative, name="甲公司", uscc="91350100M000100Y4" + letter)
    assert caught.value.code == "uscc_invalid"
    assert "不含I、O、Z、S、V" in str(caught.value.message)


def test_registration_needs_a_real_name_verified_representative():
    unverified = UserFactory()
    with pytest.raises(ApplicationError) as error:
        enterprise_register(representative=unverified, name="甲", uscc=DEMO_USCC)
    assert error.value.code == "verification_required"
    assert error.value.status == HTTPStatus.FORBIDDEN
    assert not Enterprise.objects.exists()


def test_a_second_factor_session_is_not_mistaken_for_real_name_verification():
    # django-otp's middleware gives request.user an ``is_verified()`` method for the session's
    # second factor; only the assurance level says the person was verified.
    unverified = UserFactory()
    unverified.is_verified = lambda: True
    with pytest.raises(ApplicationError) as caught:
        enterprise_register(representative=unverified, name="甲", uscc=DEMO_USCC)
    assert caught.value.code == "verification_required"


def test_a_registered_uscc_cannot_be_taken_by_someone_not_on_record_however_it_is_typed(representative):
    on_record(representative, name="甲公司", uscc=DEMO_USCC)
    enterprise_register(representative=representative, name="甲公司", uscc=DEMO_USCC)
    other = UserFactory(verified=True)
    with pytest.raises(ApplicationError) as caught:
        enterprise_register(representative=other, name="甲公司", uscc=" 91350100m000100y43 ")
    assert caught.value.code == "not_legal_representative_of_record"
    assert caught.value.status == HTTPStatus.FORBIDDEN
    assert Enterprise.objects.get().legal_representative == representative


def test_registration_records_the_representative_as_acting_for_the_enterprise(representative):
    on_record(representative, name="甲 公司", uscc=DEMO_USCC)
    enterprise = enterprise_register(representative=representative, name="  甲  公司 ", uscc=DEMO_USCC)
    assert enterprise.name == "甲 公司"
    assert enterprise.legal_representative == representative
    record = ActingRecord.objects.get()
    assert (record.actor, record.principal_enterprise, record.action) == (
        representative,
        enterprise,
        "enterprise.register",
    )


def test_the_stored_row_holds_the_uscc_only_encrypted_indexed_and_masked(representative):
    on_record(representative, name="甲公司", uscc=DEMO_USCC)
    enterprise = enterprise_register(representative=representative, name="甲公司", uscc=DEMO_USCC)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM identity_enterprise WHERE id = %s", [enterprise.pk])
        row = cursor.fetchone()
        columns = [column.name for column in cursor.description]
    stored = dict(zip(columns, row, strict=True))
    assert all(DEMO_USCC not in str(value) for value in row)
    assert stored["uscc"] != DEMO_USCC
    assert decrypt_text(stored["uscc"]) == DEMO_USCC
    assert stored["uscc_digest"] == uscc_digest(DEMO_USCC)
    assert stored["uscc_masked"] == "9135**********0Y43"
    assert Enterprise.objects.get(pk=enterprise.pk).uscc == DEMO_USCC


# ------------------------------------------------------------------------------
# Mandates: who may grant, and what
# ------------------------------------------------------------------------------
def test_only_the_legal_representative_can_grant_a_mandate(enterprise, agent):
    all_powerful_agent = MandateFactory(enterprise=enterprise, all_services=True, service_codes=[]).agent
    for grantor in (all_powerful_agent, UserFactory(verified=True)):
        with pytest.raises(ApplicationError) as caught:
            mandate_grant(
                enterprise=enterprise, granted_by=grantor, agent=agent, service_codes="SCJG-001", valid_until=in_days(9)
            )
        assert caught.value.code == "not_legal_representative"
        assert caught.value.status == HTTPStatus.FORBIDDEN
    assert not Mandate.objects.filter(agent=agent).exists()


def test_a_mandate_is_granted_by_mobile_for_normalised_codes_and_recorded(enterprise, representative, agent):
    mandate = mandate_grant(
        enterprise=enterprise,
        granted_by=representative,
        agent_mobile=f"+86 {agent.mobile[:3]}-{agent.mobile[3:]}",
        service_codes="scjg-001，SCJG-002, scjg-001",
        valid_until=in_days(30),
    )
    assert (mandate.agent, mandate.granted_by) == (agent, representative)
    assert mandate.service_codes == ["SCJG-001", "SCJG-002"]
    assert ActingRecord.objects.filter(
        actor=representative,
        principal_enterprise=enterprise,
        action="mandate.grant",
        object_reference=f"mandate:{mandate.pk}",
    ).exists()


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"agent_mobile": "13000000000"}, "agent_not_found"),
        ({"valid_until": "past"}, "valid_until_past"),
        ({"service_codes": ""}, "service_codes_required"),
        ({"service_codes": "SCJG 001<script>"}, "service_code_invalid"),
        ({"agent_mobile": "representative"}, "agent_is_representative"),
        ({"agent_mobile": "inactive"}, "agent_not_found"),
    ],
)
def test_a_mandate_grant_is_refused_with_a_reason(enterprise, representative, agent, overrides, code):
    arguments = {"agent_mobile": agent.mobile, "service_codes": "SCJG-001", "valid_until": in_days(1)}
    arguments.update(overrides)
    if arguments["valid_until"] == "past":
        arguments["valid_until"] = in_days(-0.01)
    if arguments["agent_mobile"] == "representative":
        arguments["agent_mobile"] = representative.mobile
    if arguments["agent_mobile"] == "inactive":
        arguments["agent_mobile"] = UserFactory(is_active=False).mobile
    assert refused_code(lambda: mandate_grant(enterprise=enterprise, granted_by=representative, **arguments)) == code
    assert not Mandate.objects.exists()


def test_granting_the_same_mandate_twice_changes_nothing(enterprise, representative, agent):
    until = in_days(30)
    first = mandate_grant(
        enterprise=enterprise, granted_by=representative, agent=agent, service_codes=["SCJG-001"], valid_until=until
    )
    second = mandate_grant(
        enterprise=enterprise, granted_by=representative, agent=agent, service_codes="scjg-001", valid_until=until
    )
    assert first.pk == second.pk
    assert Mandate.objects.count() == 1
    assert ActingRecord.objects.filter(action="mandate.grant").count() == 1


def test_a_new_scope_replaces_the_active_mandate_and_keeps_the_old_one(enterprise, representative, agent):
    old = mandate_grant(
        enterprise=enterprise, granted_by=representative, agent=agent, service_codes="SCJG-001", valid_until=in_days(3)
    )
    new = mandate_grant(
        enterprise=enterprise, granted_by=representative, agent=agent, all_services=True, valid_until=in_days(30)
    )
    old.refresh_from_db()
    assert old.revoked_at is not None
    assert new.revoked_at is None
    assert new.all_services
    assert new.service_codes == []
    assert list(Mandate.objects.filter(revoked_at__isnull=True)) == [new]


def test_revoking_a_mandate_twice_revokes_and_records_once(enterprise, representative):
    mandate = MandateFactory(enterprise=enterprise)
    mandate_revoke(mandate=mandate, revoked_by=representative)
    revoked_at = Mandate.objects.get(pk=mandate.pk).revoked_at
    again = mandate_revoke(mandate=mandate, revoked_by=representative)
    assert revoked_at is not None
    assert again.revoked_at == revoked_at
    assert ActingRecord.objects.filter(action="mandate.revoke").count() == 1


def test_an_agent_may_give_up_a_mandate_but_a_stranger_may_not_revoke_it(enterprise):
    mandate = MandateFactory(enterprise=enterprise)
    assert refused_code(lambda: mandate_revoke(mandate=mandate, revoked_by=UserFactory())) == "not_allowed"
    assert Mandate.objects.get(pk=mandate.pk).revoked_at is None
    mandate_revoke(mandate=mandate, revoked_by=mandate.agent)
    assert Mandate.objects.get(pk=mandate.pk).revoked_at is not None


def test_service_codes_are_split_on_any_comma_and_deduplicated():
    assert normalize_service_codes("scjg-001、SCJG-002；scjg-001  SHBZ_3.1") == ["SCJG-001", "SCJG-002", "SHBZ_3.1"]


# ------------------------------------------------------------------------------
# Acting for an enterprise: an agent only within the mandate
# ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "situation",
    ["other_service_code", "expired", "revoked", "other_enterprise", "no_mandate", "inactive_agent"],
)
def test_an_agent_cannot_act_outside_the_mandate(enterprise, agent, situation):
    mandate_enterprise = EnterpriseFactory() if situation == "other_enterprise" else enterprise
    if situation != "no_mandate":
        MandateFactory(
            enterprise=mandate_enterprise,
            agent=agent,
            service_codes=["SCJG-001"],
            expired=situation == "expired",
            revoked=situation == "revoked",
        )
    if situation == "inactive_agent":
        agent.is_active = False
        agent.save(update_fields=["is_active"])
    service_code = "SCJG-002" if situation == "other_service_code" else "SCJG-001"

    with pytest.raises(ApplicationError) as checked:
        acting_check(actor=agent, service_code=service_code, enterprise=enterprise)
    with pytest.raises(ApplicationError) as acted:
        act_on_behalf(actor=agent, action="application.submit", service_code=service_code, enterprise=enterprise)

    for error in (checked.value, acted.value):
        assert error.code == "not_mandated"
        assert error.status == HTTPStatus.FORBIDDEN
    assert not ActingRecord.objects.exists()
    assert active_mandate(agent=agent, enterprise=enterprise, service_code=service_code) is None


def test_an_agent_acting_within_the_mandate_leaves_a_record_of_who_acted_for_whom(enterprise, agent):
    mandate = MandateFactory(enterprise=enterprise, agent=agent, service_codes=["SCJG-001", "SCJG-002"])
    acting_check(actor=agent, service_code="SCJG-002", enterprise=enterprise)
    record = act_on_behalf(
        actor=agent,
        action="application.submit",
        service_code="SCJG-002",
        enterprise=enterprise,
        object_reference="application:TB2026000001",
    )
    stored = ActingRecord.objects.get()
    assert stored == record
    assert (stored.actor, stored.principal_enterprise, stored.principal_user) == (agent, enterprise, None)
    assert (stored.action, stored.service_code, stored.object_reference) == (
        "application.submit",
        "SCJG-002",
        "application:TB2026000001",
    )
    assert active_mandate(agent=agent, enterprise=enterprise, service_code="SCJG-002") == mandate


def test_acting_and_revoking_lock_the_mandate_row_so_a_revocation_cannot_slip_between(enterprise, agent):
    mandate = MandateFactory(enterprise=enterprise, agent=agent)
    with CaptureQueriesContext(connection) as acting:
        act_on_behalf(actor=agent, action="application.submit", service_code="SCJG-001", enterprise=enterprise)
    with CaptureQueriesContext(connection) as revoking:
        mandate_revoke(mandate=mandate, revoked_by=enterprise.legal_representative)
    for captured in (acting, revoking):
        assert any(
            'FROM "identity_mandate"' in query["sql"]
            and query["sql"].rstrip().endswith(("FOR UPDATE", 'FOR UPDATE OF "identity_mandate"'))
            for query in captured.captured_queries
        )


def test_an_all_services_mandate_covers_any_service_code(enterprise, agent):
    MandateFactory(enterprise=enterprise, agent=agent, all_services=True, service_codes=[])
    act_on_behalf(actor=agent, action="application.submit", service_code="GSDJ-042", enterprise=enterprise)
    assert ActingRecord.objects.filter(actor=agent, principal_enterprise=enterprise, service_code="GSDJ-042").exists()


def test_the_legal_representative_acts_for_the_enterprise_on_anything(enterprise, representative):
    act_on_behalf(actor=representative, action="application.submit", service_code="ANY-1", enterprise=enterprise)
    assert ActingRecord.objects.filter(actor=representative, principal_enterprise=enterprise).count() == 1


def test_acting_needs_exactly_one_principal(enterprise, agent):
    with pytest.raises(TypeError):
        acting_check(actor=agent, service_code="SCJG-001")
    with pytest.raises(TypeError):
        acting_check(actor=agent, service_code="SCJG-001", enterprise=enterprise, principal_user=agent)


def test_enterprises_for_a_user_are_the_represented_and_the_actively_mandated(representative, agent):
    represented = EnterpriseFactory(legal_representative=agent)
    mandated = MandateFactory(agent=agent).enterprise
    MandateFactory(agent=agent, expired=True)
    MandateFactory(agent=agent, revoked=True)
    EnterpriseFactory()
    found = {enterprise.pk: enterprise.is_representative for enterprise in enterprises_for_user(user=agent)}
    assert found == {represented.pk: True, mandated.pk: False}


# ------------------------------------------------------------------------------
# Family proxies (代办)
# ------------------------------------------------------------------------------
@pytest.mark.parametrize("situation", ["other_service_code", "expired", "revoked", "other_principal", "reversed"])
def test_a_proxy_cannot_act_outside_the_authorisation(situation):
    principal, proxy = UserFactory(), UserFactory()
    authorisation = ProxyAuthorisationFactory(
        principal=UserFactory() if situation == "other_principal" else principal,
        proxy=proxy,
        service_codes=["SHBZ-001"],
        expired=situation == "expired",
        revoked=situation == "revoked",
    )
    actor, for_whom = (principal, proxy) if situation == "reversed" else (proxy, principal)
    service_code = "SHBZ-002" if situation == "other_service_code" else "SHBZ-001"
    assert authorisation.pk
    code = refused_code(
        lambda: act_on_behalf(
            actor=actor, action="application.submit", service_code=service_code, principal_user=for_whom
        )
    )
    assert code == "not_mandated"
    assert not ActingRecord.objects.exists()


def test_a_proxy_acting_within_the_authorisation_is_recorded_for_the_principal():
    authorisation = ProxyAuthorisationFactory(service_codes=["SHBZ-001"])
    record = act_on_behalf(
        actor=authorisation.proxy,
        action="application.submit",
        service_code="SHBZ-001",
        principal_user=authorisation.principal,
    )
    assert (record.actor, record.principal_user, record.principal_enterprise) == (
        authorisation.proxy,
        authorisation.principal,
        None,
    )


def test_a_resident_acts_for_themself_without_an_authorisation():
    resident = UserFactory()
    assert acting_check(actor=resident, service_code="SHBZ-001", principal_user=resident) is None


def test_a_proxy_is_granted_by_mobile_and_listed_on_both_sides():
    principal, proxy = UserFactory(), UserFactory()
    authorisation = proxy_grant(
        principal=principal, proxy_mobile=proxy.mobile, relationship="子女", all_services=True, valid_until=in_days(90)
    )
    assert list(proxies_for(user=principal)) == [authorisation]
    assert list(principals_of(user=proxy)) == [authorisation]
    acting_check(actor=proxy, service_code="ANY-1", principal_user=principal)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"proxy_mobile": "self"}, "proxy_is_self"),
        ({"proxy_mobile": "13000000000"}, "proxy_not_found"),
        ({"relationship": " "}, "relationship_required"),
        ({"service_codes": ""}, "service_codes_required"),
        ({"valid_until": "past"}, "valid_until_past"),
    ],
)
def test_a_proxy_grant_is_refused_with_a_reason(overrides, code):
    principal, proxy = UserFactory(), UserFactory()
    arguments = {"proxy_mobile": proxy.mobile, "relationship": "子女", "service_codes": "SHBZ-001"}
    arguments.update(overrides)
    if arguments["proxy_mobile"] == "self":
        arguments["proxy_mobile"] = principal.mobile
    valid_until = in_days(-1) if arguments.pop("valid_until", None) == "past" else in_days(1)
    assert refused_code(lambda: proxy_grant(principal=principal, valid_until=valid_until, **arguments)) == code
    assert not ProxyAuthorisation.objects.exists()


def test_granting_the_same_proxy_twice_changes_nothing():
    principal, proxy = UserFactory(), UserFactory()
    until = in_days(10)
    first = proxy_grant(principal=principal, proxy=proxy, relationship="配偶", service_codes="A-1", valid_until=until)
    second = proxy_grant(principal=principal, proxy=proxy, relationship="配偶", service_codes="a-1", valid_until=until)
    assert first.pk == second.pk
    assert ProxyAuthorisation.objects.count() == 1


def test_revoking_a_proxy_twice_revokes_once_and_strangers_cannot():
    authorisation = ProxyAuthorisationFactory()
    assert refused_code(lambda: proxy_revoke(authorisation=authorisation, revoked_by=UserFactory())) == "not_allowed"
    proxy_revoke(authorisation=authorisation, revoked_by=authorisation.principal)
    revoked_at = ProxyAuthorisation.objects.get(pk=authorisation.pk).revoked_at
    proxy_revoke(authorisation=authorisation, revoked_by=authorisation.proxy)
    assert revoked_at is not None
    assert ProxyAuthorisation.objects.get(pk=authorisation.pk).revoked_at == revoked_at
    assert ActingRecord.objects.filter(action="proxy.revoke").count() == 1
    assert (
        refused_code(
            lambda: acting_check(
                actor=authorisation.proxy, service_code="SHBZ-001", principal_user=authorisation.principal
            )
        )
        == "not_mandated"
    )


# ------------------------------------------------------------------------------
# Pages
# ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("enterprise_list", []),
        ("enterprise_register", []),
        ("enterprise_agents", [1]),
        ("enterprise_acting_log", [1]),
        ("proxy_list", []),
    ],
)
def test_pages_send_anonymous_visitors_to_the_login_page(client, settings, name, arguments):
    # The account work decides the real LOGIN_URL; whatever it is, these pages send visitors there.
    settings.LOGIN_URL = "/login-for-test/"
    response = client.get(reverse(f"identity:{name}", args=arguments))
    assert response.status_code == HTTPStatus.FOUND
    assert response.url.startswith("/login-for-test/?next=")


def test_a_verified_resident_registers_an_enterprise_through_the_page(client, representative):
    on_record(representative, name="甲公司", uscc=DEMO_USCC)
    client.force_login(representative)
    form = client.get(reverse("identity:enterprise_register"))
    assert form.status_code == HTTPStatus.OK
    assert 'for="id_uscc"' in form.content.decode()

    response = client.post(reverse("identity:enterprise_register"), {"name": "甲公司", "uscc": DEMO_USCC.lower()})
    enterprise = Enterprise.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == reverse("identity:enterprise_agents", args=[enterprise.pk])
    assert enterprise.uscc == DEMO_USCC
    listing = client.get(reverse("identity:enterprise_list")).content.decode()
    assert "甲公司" in listing
    assert "9135**********0Y43" in listing
    assert DEMO_USCC not in listing


def test_a_bad_uscc_on_the_page_is_explained_next_to_the_field(client, representative):
    client.force_login(representative)
    response = client.post(reverse("identity:enterprise_register"), {"name": "甲公司", "uscc": "91350100M000100Y4I"})
    html = response.content.decode()
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_uscc_helptext id_uscc_error"' in html
    assert 'id="id_uscc_error"' in html
    assert "不含I、O、Z、S、V" in html
    assert not Enterprise.objects.exists()


def test_someone_elses_enterprise_on_the_page_is_refused_with_the_registrys_reason(client, representative):
    holder = EnterpriseFactory(uscc=DEMO_USCC).legal_representative
    on_record(holder, name="甲公司", uscc=DEMO_USCC)
    client.force_login(representative)
    response = client.post(reverse("identity:enterprise_register"), {"name": "甲公司", "uscc": DEMO_USCC})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "登记机关的记录显示您不是该企业的法定代表人" in response.content.decode()
    assert Enterprise.objects.get().legal_representative == holder


def test_an_unverified_resident_is_told_to_verify_first(client):
    client.force_login(UserFactory())
    page = client.get(reverse("identity:enterprise_register")).content.decode()
    assert "您需要先完成实名认证" in page
    response = client.post(reverse("identity:enterprise_register"), {"name": "甲公司", "uscc": DEMO_USCC})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "请先完成实名认证" in response.content.decode()
    assert not Enterprise.objects.exists()


def test_the_representative_grants_and_revokes_a_mandate_through_the_pages(client, enterprise, representative, agent):
    client.force_login(representative)
    agents_url = reverse("identity:enterprise_agents", args=[enterprise.pk])
    until = timezone.localdate() + datetime.timedelta(days=30)
    response = client.post(
        agents_url,
        {"agent_mobile": agent.mobile, "service_codes": "SCJG-001, SCJG-002", "valid_until": until.isoformat()},
    )
    assert response.status_code == HTTPStatus.FOUND
    mandate = Mandate.objects.get()
    assert (mandate.agent, mandate.service_codes) == (agent, ["SCJG-001", "SCJG-002"])
    assert timezone.localtime(mandate.valid_until).date() == until
    page = client.get(agents_url).content.decode()
    assert "SCJG-001, SCJG-002" in page
    revoke_url = reverse("identity:mandate_revoke", args=[enterprise.pk, mandate.pk])
    assert f'action="{revoke_url}"' in page

    assert client.get(revoke_url).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert client.post(revoke_url).status_code == HTTPStatus.FOUND
    assert Mandate.objects.get().revoked_at is not None
    assert client.post(revoke_url).status_code == HTTPStatus.FOUND

    log = client.get(reverse("identity:enterprise_acting_log", args=[enterprise.pk])).content.decode()
    assert "授权经办人" in log
    assert "撤销经办人授权" in log


def test_a_mandate_form_error_is_tied_to_its_field(client, enterprise, representative):
    client.force_login(representative)
    response = client.post(
        reverse("identity:enterprise_agents", args=[enterprise.pk]),
        {"agent_mobile": "13000000000", "service_codes": "SCJG-001", "valid_until": timezone.localdate().isoformat()},
    )
    html = response.content.decode()
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert 'id="id_agent_mobile_error"' in html
    assert "请经办人先注册" in html
    assert not Mandate.objects.exists()


def test_another_user_can_neither_see_nor_revoke_an_enterprises_mandates(client, enterprise):
    mandate = MandateFactory(enterprise=enterprise)
    client.force_login(mandate.agent)
    for url in (
        reverse("identity:enterprise_agents", args=[enterprise.pk]),
        reverse("identity:enterprise_acting_log", args=[enterprise.pk]),
    ):
        assert client.get(url).status_code == HTTPStatus.NOT_FOUND
    client.force_login(UserFactory(verified=True))
    revoke = client.post(reverse("identity:mandate_revoke", args=[enterprise.pk, mandate.pk]))
    assert revoke.status_code == HTTPStatus.NOT_FOUND
    grant = client.post(
        reverse("identity:enterprise_agents", args=[enterprise.pk]),
        {"agent_mobile": mandate.agent.mobile, "all_services": "on", "valid_until": "2099-01-01"},
    )
    assert grant.status_code == HTTPStatus.NOT_FOUND
    assert Mandate.objects.get().revoked_at is None
    assert Mandate.objects.count() == 1


def test_a_mandate_of_another_enterprise_cannot_be_revoked_through_mine(client, representative):
    mine = EnterpriseFactory(legal_representative=representative)
    theirs = MandateFactory()
    client.force_login(representative)
    response = client.post(reverse("identity:mandate_revoke", args=[mine.pk, theirs.pk]))
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert Mandate.objects.get().revoked_at is None


def test_an_agent_sees_the_enterprise_and_the_mandate_in_my_enterprises(client, enterprise, agent):
    MandateFactory(enterprise=enterprise, agent=agent, service_codes=["SCJG-007"])
    client.force_login(agent)
    page = client.get(reverse("identity:enterprise_list")).content.decode()
    assert enterprise.name in page
    assert "经办人" in page
    assert "SCJG-007" in page
    assert reverse("identity:enterprise_agents", args=[enterprise.pk]) not in page


def test_the_mandates_page_costs_the_same_queries_for_2_or_20_mandates(
    client, enterprise, representative, django_assert_num_queries
):
    MandateFactory.create_batch(2, enterprise=enterprise)
    client.force_login(representative)
    url = reverse("identity:enterprise_agents", args=[enterprise.pk])
    client.get(url)  # warm the session cache
    with CaptureQueriesContext(connection) as two:
        client.get(url)
    # The session's user, the enterprise, the mandates with agents and grantors (plus
    # whatever the middleware stack adds per request, the same for any page).
    assert len(two) <= 6

    MandateFactory.create_batch(18, enterprise=enterprise)
    with django_assert_num_queries(len(two)):
        response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    assert response.content.decode().count('class="button button--secondary"') == 20


def test_the_proxy_page_grants_lists_and_revokes(client):
    principal, proxy = UserFactory(), UserFactory()
    client.force_login(principal)
    response = client.post(
        reverse("identity:proxy_list"),
        {
            "proxy_mobile": proxy.mobile,
            "relationship": "子女",
            "all_services": "on",
            "valid_until": (timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    authorisation = ProxyAuthorisation.objects.get()
    assert str(proxy) in client.get(reverse("identity:proxy_list")).content.decode()

    client.force_login(proxy)
    held = client.get(reverse("identity:proxy_list")).content.decode()
    assert "我可以为谁代办" in held
    assert str(principal) in held

    client.force_login(UserFactory())
    assert client.post(reverse("identity:proxy_revoke", args=[authorisation.pk])).status_code == HTTPStatus.NOT_FOUND
    client.force_login(principal)
    assert client.post(reverse("identity:proxy_revoke", args=[authorisation.pk])).status_code == HTTPStatus.FOUND
    assert ProxyAuthorisation.objects.get().revoked_at is not None


def test_the_proxy_page_shows_what_a_proxy_did_for_me(client):
    authorisation = ProxyAuthorisationFactory(service_codes=["SHBZ-001"])
    act_on_behalf(
        actor=authorisation.proxy,
        action="application.submit",
        service_code="SHBZ-001",
        principal_user=authorisation.principal,
    )
    client.force_login(authorisation.principal)
    page = client.get(reverse("identity:proxy_list")).content.decode()
    section = page.split("他人为我代办的记录", 1)[1]
    assert str(authorisation.proxy) in section
    assert "SHBZ-001" in section


def test_the_proxy_form_requires_a_relationship(client):
    client.force_login(UserFactory())
    response = client.post(
        reverse("identity:proxy_list"),
        {"proxy_mobile": UserFactory().mobile, "all_services": "on", "valid_until": "2099-01-01"},
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert 'id="id_relationship_error"' in response.content.decode()


def test_the_agents_page_is_translated_to_english_under_en(client, enterprise, representative):
    client.force_login(representative)
    with translation.override("en"):
        url = reverse("identity:enterprise_agents", args=[enterprise.pk])
    assert url.startswith("/en/")
    html = client.get(url).content.decode()
    assert "Agents and mandates" in html
    assert "Authorise a new agent" in html
    assert "经办人与授权" not in html


# ------------------------------------------------------------------------------
# Admin and demo
# ------------------------------------------------------------------------------
def test_the_enterprise_admin_shows_the_masked_uscc_and_finds_by_exact_uscc():
    target = EnterpriseFactory(uscc=DEMO_USCC)
    EnterpriseFactory(uscc=valid_uscc(7))
    model_admin = EnterpriseAdmin(Enterprise, admin.site)
    request = RequestFactory().get("/admin/identity/enterprise/")
    request.user = UserFactory(is_staff=True, is_superuser=True)

    assert "uscc" not in model_admin.get_fields(request, target)
    assert "uscc" not in model_admin.get_list_display(request)
    found, may_have_duplicates = model_admin.get_search_results(request, Enterprise.objects.all(), DEMO_USCC.lower())
    assert list(found) == [target]
    assert not may_have_duplicates
    assert model_admin.has_add_permission(request) is False


def test_acting_records_are_read_only_in_the_admin():
    model_admin = ActingRecordAdmin(ActingRecord, admin.site)
    request = RequestFactory().get("/admin/identity/actingrecord/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_the_demo_seed_is_idempotent_and_the_agent_may_act():
    first = demo_enterprises.seed()
    second = demo_enterprises.seed()
    assert first == second
    enterprise = Enterprise.objects.get(uscc_digest=uscc_digest(DEMO_USCC))
    assert enterprise.name == "通办演示餐饮管理有限公司"
    assert enterprise.legal_representative.username == "13800138000"
    mandate = Mandate.objects.get()
    assert mandate.agent.username == "13800138001"
    assert mandate.agent.display_name == "李四"
    assert mandate.all_services
    assert timezone.now() + datetime.timedelta(days=364) < mandate.valid_until
    acting_check(actor=mandate.agent, service_code="SCJG-001", enterprise=enterprise)
    # Sandbox data: printed in full so a newcomer can type it (issue 10, "the demo teaches itself").
    assert DEMO_USCC in first[0]
