"""Who an application is for: a family proxy (代办) applies for a parent on the pages, an agent
starts an enterprise bundle (一件事) through the API, both through one check
(``applications.principals.application_principal_resolve``)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications import services
from applications.bundles import bundle_items, merged_schema
from applications.constants import Status
from applications.models import AccessAttempt, Application
from applications.principals import application_principal_resolve, covered_codes
from applications.tests.factories import (
    form_answers,
    official,
    pdf_upload,
    private_media_root,
    published_item,
    resident,
)
from common.exceptions import ApplicationError
from identity.models import ActingRecord
from identity.tests.factories import (
    EnterpriseFactory,
    MandateFactory,
    ProxyAuthorisationFactory,
    UserFactory,
    login_with_totp,
    valid_uscc,
)
from notifications.models import OutboxMessage
from services.models import Bundle

from .test_api import _token

pytestmark = pytest.mark.django_db

RESTAURANT = "restaurant"  # 开办餐饮店一件事, for enterprises, four items


@pytest.fixture
def private_root(settings, tmp_path):
    with private_media_root(settings, tmp_path / "private") as root:
        yield root


@pytest.fixture
def item():
    return published_item(code="TEST-RES-PROXY")


@pytest.fixture
def family():
    parent = resident(real_name="王老伯")
    child = resident(real_name="王小明")
    return parent, child


def _draft_url(application) -> str:
    return reverse("applications:draft", kwargs={"draft_id": application.pk})


# --- A family proxy, on the pages ---------------------------------------------------------------


def test_a_family_proxy_applies_for_their_parent_and_both_see_the_case(client, item, family, private_root):
    parent, child = family
    ProxyAuthorisationFactory(principal=parent, proxy=child, service_codes=[item.code])
    client.force_login(child)

    start = client.get(f"/applications/new/{item.code}/").content.decode()
    assert "为谁办理" in start
    assert "王老伯" in start
    assert parent.id_number_masked in start
    assert not Application.objects.exists()  # the GET wrote nothing

    started = client.post(f"/applications/new/{item.code}/", {"principal": f"person:{parent.pk}"})
    assert started.status_code == 302
    draft = Application.objects.get()
    assert started["Location"] == _draft_url(draft)
    assert (draft.applicant, draft.principal_user, draft.enterprise) == (child, parent, None)
    # Prefilled with the parent's identity, never the proxy's.
    assert draft.form_data["applicant_name"] == "王老伯"
    assert draft.form_data["id_number"] == parent.id_number_masked

    requirement = item.published_version.materials.get()
    client.post(
        reverse("applications:material_upload", kwargs={"draft_id": draft.pk}),
        {"requirement": requirement.pk, "file": pdf_upload()},
    )
    submitted = client.post(
        _draft_url(draft), {"mobile": "13912345678", "address": "广州市越秀区府前路1号", "action": "submit"}
    )
    assert submitted.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED

    record = ActingRecord.objects.get()
    assert (record.actor, record.principal_user, record.principal_enterprise) == (child, parent, None)
    assert (record.action, record.service_code, record.object_reference) == (
        "application_submit",
        item.code,
        str(draft.pk),
    )

    proxy_list = client.get("/my/applications/").content.decode()
    assert draft.case_number in proxy_list
    assert "为王老伯代办" in proxy_list

    client.force_login(parent)
    parent_list = client.get("/my/applications/").content.decode()
    assert draft.case_number in parent_list
    assert "由王小明代办" in parent_list
    case_page = client.get(reverse("applications:case", kwargs={"case_number": draft.case_number}))
    assert case_page.status_code == 200
    assert "代办人" in case_page.content.decode()
    assert not AccessAttempt.objects.exists()  # seeing the case made for them is no intrusion

    headers = _token(client, parent, "openid applications:read")
    listing = client.get("/api/v1/applications/", **headers).json()["results"]
    assert [(row["case_number"], row["acted_by_proxy"], row["applicant_name"]) for row in listing] == [
        (draft.case_number, True, "王小明")
    ]
    assert client.get(f"/api/v1/applications/{draft.case_number}/", **headers).status_code == 200


@pytest.mark.parametrize(
    "grant",
    [
        None,
        {"service_codes": ["OTHER-SERVICE"]},
        {"expired": True},
        {"revoked": True},
    ],
    ids=["no-authorisation", "outside-its-scope", "expired", "revoked"],
)
def test_a_proxy_without_a_covering_authorisation_is_refused(client, item, family, grant):
    parent, child = family
    if grant is not None:
        ProxyAuthorisationFactory(principal=parent, proxy=child, **{"service_codes": [item.code], **grant})
    client.force_login(child)

    start = client.get(f"/applications/new/{item.code}/").content.decode()
    assert "王老伯" not in start
    refused = client.post(f"/applications/new/{item.code}/", {"principal": f"person:{parent.pk}"})
    # The only option left is “myself”: a posted principal that was not offered is never used.
    assert Application.objects.filter(principal_user=parent).count() == 0
    assert refused.status_code == 302
    with pytest.raises(ApplicationError) as refused_by_service:
        services.application_start(applicant=child, item_code=item.code, principal_user=parent)
    assert (refused_by_service.value.code, refused_by_service.value.status) == ("not_mandated", 403)


def test_an_authorisation_revoked_after_the_draft_began_refuses_the_submission(client, item, family, private_root):
    parent, child = family
    grant = ProxyAuthorisationFactory(principal=parent, proxy=child, service_codes=[item.code])
    draft = services.application_start(applicant=child, item_code=item.code, principal_user=parent)
    services.material_add_upload(
        application=draft, requirement=item.published_version.materials.get(), uploaded=pdf_upload(), actor=child
    )
    grant.revoked_at = timezone.now()
    grant.save(update_fields=["revoked_at"])
    client.force_login(child)

    response = client.post(
        _draft_url(draft), {"mobile": "13912345678", "address": "广州市越秀区府前路1号", "action": "submit"}
    )

    assert response.status_code == 403
    assert "授权" in response.content.decode()
    draft.refresh_from_db()
    assert (draft.status, draft.case_number) == (Status.DRAFT, None)
    assert not ActingRecord.objects.exists()


def test_the_person_applied_for_reads_the_case_but_does_not_act_on_it(client, item, family, private_root):
    parent, child = family
    ProxyAuthorisationFactory(principal=parent, proxy=child, service_codes=[item.code])
    draft = services.application_start(applicant=child, item_code=item.code, principal_user=parent)
    client.force_login(parent)
    # A proxy's unsubmitted draft is the proxy's own.
    assert client.get(_draft_url(draft)).status_code == 404
    assert "王小明" not in client.get("/my/applications/").content.decode()

    services.material_add_upload(
        application=draft, requirement=item.published_version.materials.get(), uploaded=pdf_upload(), actor=child
    )
    services.application_save_draft(
        application=draft, data={**draft.form_data, "mobile": "13912345678", "address": "广州"}, actor=child
    )
    case = services.application_submit(application=draft, actor=child)
    withdraw_url = reverse("applications:withdraw", kwargs={"case_number": case.case_number})
    page = client.get(reverse("applications:case", kwargs={"case_number": case.case_number})).content.decode()
    assert withdraw_url not in page
    assert client.post(withdraw_url, {"reason": "不想办了"}).status_code == 404
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED


def test_the_person_applied_for_is_told_of_each_step_and_officials_see_for_whom(client, item, family, private_root):
    parent, child = family
    ProxyAuthorisationFactory(principal=parent, proxy=child, service_codes=[item.code])
    draft = services.application_start(applicant=child, item_code=item.code, principal_user=parent)
    services.material_add_upload(
        application=draft, requirement=item.published_version.materials.get(), uploaded=pdf_upload(), actor=child
    )
    services.application_save_draft(
        application=draft, data={**draft.form_data, "mobile": "13912345678", "address": "广州"}, actor=child
    )
    case = services.application_submit(application=draft, actor=child)

    told = OutboxMessage.objects.filter(template="applications.status_changed", channel="inbox")
    assert sorted(told.values_list("user_id", flat=True)) == sorted([parent.pk, child.pk])

    officer = official(department=item.department)
    login_with_totp(client, officer)
    page = client.get(reverse("admin:applications_application_change", args=[case.pk])).content.decode()
    # The form repeats the principal's prefilled name; the case's own 代办对象 row names them.
    assert "代办对象" in page
    assert f"{parent.real_name}（身份证号码：{parent.id_number_masked}）" in page
    assert parent.id_number not in page


def test_my_cases_list_with_cases_made_for_me_runs_the_same_queries(client, item, family, private_root):
    parent, child = family
    ProxyAuthorisationFactory(principal=parent, proxy=child, all_services=True)
    client.force_login(parent)

    def make_cases(count):
        for index in range(count):
            other = published_item(code=f"TEST-RES-Q{make_cases.serial}")
            make_cases.serial += 1
            draft = services.application_start(applicant=child, item_code=other.code, principal_user=parent)
            services.material_add_upload(
                application=draft,
                requirement=other.published_version.materials.get(),
                uploaded=pdf_upload(),
                actor=child,
            )
            services.application_save_draft(
                application=draft,
                data={**draft.form_data, "mobile": "13912345678", "address": f"广州{index}"},
                actor=child,
            )
            services.application_submit(application=draft, actor=child)

    make_cases.serial = 0
    make_cases(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/my/applications/").status_code == 200
    make_cases(4)
    with CaptureQueriesContext(connection) as more:
        html = client.get("/my/applications/").content.decode()
    assert html.count("由王小明代办") == 6
    assert len(more) == len(few)


# --- An enterprise agent, through the API --------------------------------------------------------


@pytest.fixture
def restaurant(demo_catalogue):
    return Bundle.objects.get(code=RESTAURANT)


def _agent_and_enterprise(serial: int, **enterprise):
    agent = UserFactory(verified=True)
    uscc = valid_uscc(7000 + serial)
    return agent, EnterpriseFactory(uscc=uscc, **enterprise), uscc


def _start_bundle(client, headers, **body):
    return client.post(
        "/api/v1/applications/drafts/", {"bundle_code": RESTAURANT, **body}, content_type="application/json", **headers
    )


def test_an_agent_starts_an_enterprise_bundle_through_the_api_and_it_fans_out(client, restaurant, private_root):
    agent, enterprise, uscc = _agent_and_enterprise(1)
    MandateFactory(agent=agent, enterprise=enterprise, service_codes=covered_codes(restaurant))
    headers = _token(client, agent, "openid applications:read applications:write")

    answers = form_answers(merged_schema(bundle_items(restaurant)), agent)
    created = _start_bundle(client, headers, enterprise=uscc, data=answers)

    assert created.status_code == 201, created.content
    draft = created.json()
    assert draft["for_enterprise"] == enterprise.uscc_masked
    assert draft["form_data"]["enterprise_name"] == enterprise.name
    for requirement in draft["requirements"]:
        if requirement["mandatory"]:
            uploaded = client.post(
                f"/api/v1/applications/drafts/{draft['id']}/materials/",
                {"requirement": requirement["id"], "file": pdf_upload()},
                **headers,
            )
            assert uploaded.status_code == 201, uploaded.content
    submitted = client.post(f"/api/v1/applications/drafts/{draft['id']}/submit/", **headers)

    assert submitted.status_code == 200, submitted.content
    parent = Application.objects.get(pk=draft["id"])
    assert (parent.status, parent.applicant, parent.enterprise) == (Status.SUBMITTED, agent, enterprise)
    children = list(parent.sub_cases.all())
    assert len(children) == 4
    assert {(child.enterprise_id, child.status) for child in children} == {(enterprise.pk, Status.SUBMITTED)}
    record = ActingRecord.objects.get()
    assert (record.actor, record.principal_enterprise, record.service_code) == (agent, enterprise, RESTAURANT)


def test_a_mandate_missing_one_bundle_item_is_refused(client, restaurant):
    agent, enterprise, uscc = _agent_and_enterprise(2)
    MandateFactory(agent=agent, enterprise=enterprise, service_codes=covered_codes(restaurant)[:-1])
    headers = _token(client, agent, "openid applications:read applications:write")

    refused = _start_bundle(client, headers, enterprise=uscc)

    assert refused.status_code == 403
    assert refused["Content-Type"].startswith("application/problem+json")
    assert refused.json()["code"] == "not_mandated"
    assert not Application.objects.exists()


def test_an_unverified_enterprise_is_refused_even_to_its_representative(client, restaurant):
    agent, enterprise, uscc = _agent_and_enterprise(3, unverified=True)
    enterprise.legal_representative = agent
    enterprise.save(update_fields=["legal_representative"])
    headers = _token(client, agent, "openid applications:read applications:write")

    refused = _start_bundle(client, headers, enterprise=uscc)

    assert refused.status_code == 403
    assert refused.json()["code"] == "enterprise_unverified"
    assert not Application.objects.exists()


def test_the_api_asks_for_an_enterprise_and_hides_who_is_registered(client, restaurant):
    agent, _enterprise, uscc = _agent_and_enterprise(4)
    headers = _token(client, agent, "openid applications:read applications:write")

    missing = _start_bundle(client, headers)
    unknown = _start_bundle(client, headers, enterprise=valid_uscc(7999))  # valid, registered by nobody
    not_mine = _start_bundle(client, headers, enterprise=uscc)
    malformed = _start_bundle(client, headers, enterprise="91110000600037341X")

    assert (missing.status_code, missing.json()["code"]) == (400, "enterprise_required")
    assert (unknown.status_code, unknown.json()["code"]) == (403, "not_mandated")
    assert (not_mine.status_code, not_mine.json()["code"]) == (403, "not_mandated")
    assert (malformed.status_code, malformed.json()["code"]) == (400, "invalid")
    assert not Application.objects.exists()


def test_a_family_proxy_applies_through_the_api_by_the_principals_id_number(client, demo_catalogue):
    parent = UserFactory(verified=True)
    child = UserFactory(verified=True)
    code = "440100-GA-007"
    ProxyAuthorisationFactory(principal=parent, proxy=child, service_codes=[code])
    headers = _token(client, child, "openid applications:read applications:write")

    created = client.post(
        "/api/v1/applications/drafts/",
        {"service_code": code, "principal": parent.id_number},
        content_type="application/json",
        **headers,
    )
    outsider = UserFactory(verified=True)
    refused = client.post(
        "/api/v1/applications/drafts/",
        {"service_code": code, "principal": outsider.id_number},
        content_type="application/json",
        **headers,
    )

    assert created.status_code == 201, created.content
    assert created.json()["acted_for"] == parent.id_number_masked
    assert created.json()["form_data"]["applicant_name"] == parent.real_name
    assert (refused.status_code, refused.json()["code"]) == (403, "not_mandated")


# --- The one rule, for pages and the API alike ---------------------------------------------------


def test_the_bundle_page_offers_only_enterprises_whose_mandate_covers_every_item(client, restaurant):
    agent = UserFactory(verified=True)
    covering = MandateFactory(agent=agent, service_codes=covered_codes(restaurant)).enterprise
    partial = MandateFactory(agent=agent, service_codes=covered_codes(restaurant)[:2]).enterprise
    everything = MandateFactory(agent=agent, all_services=True).enterprise
    client.force_login(agent)

    page = client.get(f"/applications/bundles/{RESTAURANT}/")
    html = page.content.decode()

    assert page.status_code == 200
    assert covering.name in html and everything.name in html
    assert partial.name not in html
    refused = client.post(f"/applications/bundles/{RESTAURANT}/", {"principal": f"enterprise:{partial.pk}"})
    assert refused.status_code == 400
    started = client.post(f"/applications/bundles/{RESTAURANT}/", {"principal": f"enterprise:{covering.pk}"})
    assert started.status_code == 302
    assert Application.objects.get().enterprise == covering


def test_a_personal_service_for_oneself_needs_nothing_and_refuses_an_enterprise(item):
    user = resident()
    assert application_principal_resolve(actor=user, service_or_bundle=item).user == user
    enterprise = EnterpriseFactory(legal_representative=user)
    with pytest.raises(ApplicationError) as refused:
        application_principal_resolve(actor=user, service_or_bundle=item, enterprise=enterprise)
    assert refused.value.code == "principal_not_allowed"


def test_the_legal_representative_sees_the_case_an_agent_made_for_the_enterprise(client, restaurant, private_root):
    agent, enterprise, _uscc = _agent_and_enterprise(5)
    MandateFactory(agent=agent, enterprise=enterprise, all_services=True)
    representative = enterprise.legal_representative
    item = published_item(code="TEST-ENT-AGENT", audience="enterprise", form_schema={"type": "object"})
    draft = services.application_start(applicant=agent, item_code=item.code, enterprise=enterprise)
    services.material_add_upload(
        application=draft, requirement=item.published_version.materials.get(), uploaded=pdf_upload(), actor=agent
    )
    unsubmitted = services.application_start_bundle(applicant=agent, bundle_code=RESTAURANT, enterprise=enterprise)
    case = services.application_submit(application=draft, actor=agent)
    client.force_login(representative)

    listing = client.get("/my/applications/").content.decode()
    page = client.get(reverse("applications:case", kwargs={"case_number": case.case_number}))

    assert case.case_number in listing
    assert f"由{agent.real_name}代办" in listing
    assert reverse("applications:draft", kwargs={"draft_id": unsubmitted.pk}) not in listing
    assert page.status_code == 200
    assert "由经办人代为申请" in page.content.decode()
    assert not AccessAttempt.objects.exists()
