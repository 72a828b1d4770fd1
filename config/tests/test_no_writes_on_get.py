"""No view changes data on GET.

Every URL pattern of the project is requested by GET, as a signed-in resident
(with a draft, cases in several states, an enterprise, a proxy, messages and an
OAuth2 token for the API) and as signed-in officials with TOTP (one of a
department, one superuser). Path converters are filled with the values of real
objects from that dataset, or plausible values where none exist. Before and
after, every table's row count and a checksum of all its rows are taken; only
the tables in ``MAY_CHANGE_ON_GET`` may differ.

Sign-in happens before the first snapshot, so ``last_login`` and the sign-in
records are not counted. Nothing is skipped silently: patterns the test does not
request are in ``NOT_REQUESTED`` with the reason.
"""

import re

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import LocalePrefixPattern, RegexPattern, RoutePattern
from joserfc.jwk import RSAKey

from applications import services as application_services
from applications.calendar import calendar_seed_from_package
from applications.constants import Status
from applications.models import Application, CalendarYear, DepartmentOfficial, ResultDocument
from applications.services_decisions import application_decide
from applications.tests.factories import official, pdf_upload, resident, submitted_application
from complaints.services_inquiries import inquiry_submit
from identity.models import UserSession
from identity.oauth.services import partner_authorization_record
from identity.tests.factories import (
    EnterpriseFactory,
    MandateFactory,
    ProxyAuthorisationFactory,
    UserFactory,
    login_with_totp,
)
from identity.tests.oauth_helpers import authorization_code_tokens, make_web_application
from marketplace.constants import SelectionMethod
from marketplace.tests import factories as market
from notifications.models import InboxMessage, OutboxMessage
from notifications.services import outbox_message_deliver
from partners.events import event_publish
from partners.services import partner_apply, partner_client_create, partner_client_key_add
from partners.webhooks.services import webhook_subscribe
from services import demo as services_demo
from services.models import Bundle, Department, LifeEvent, ServiceItem, Topic

pytestmark = pytest.mark.django_db

# The only tables a GET may change, and why.
MAY_CHANGE_ON_GET = {
    "django_session": "the session itself (last activity, messages shown, CSRF)",
    "identity_usersession": "the signed-in session's record: last seen time",
    "applications_accessattempt": "access record: someone else's case number asked for (logged, answered 404)",
    "identity_personaldataaccess": "access record: an official revealing personal data",
    "axes_accesslog": "django-axes sign-in log",
    "axes_accessattempt": "django-axes failed sign-in counter",
    "axes_accessfailurelog": "django-axes failed sign-in log",
}

# URL patterns not requested, with the reason (none today: every pattern is requested).
NOT_REQUESTED = {}

RESIDENT_ITEM = "440100-GA-007"
BUNDLE = "newborn"
UNKNOWN_ID = 999999
UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000"


# --- The dataset ---------------------------------------------------------------------------------


def _deliver_outbox() -> None:
    for message_id in OutboxMessage.objects.values_list("id", flat=True):
        outbox_message_deliver(message_id=message_id)


@pytest.fixture
def dataset(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    services_demo.seed()
    if not CalendarYear.objects.filter(year=2026).exists():
        calendar_seed_from_package()

    item = ServiceItem.objects.get(code=RESIDENT_ITEM)
    department = item.department
    officer = official(department=department)
    applicant = resident()
    other = resident()

    submitted = submitted_application(applicant=applicant, item=item)
    supplement = submitted_application(applicant=applicant, item=item)
    for status in (Status.ACCEPTED, Status.SUPPLEMENT_REQUESTED):
        application_services.application_transition(
            application_id=supplement.pk, to_status=status, actor=officer, comment="请补充材料"
        )
    supplement.refresh_from_db()
    supplement_material = application_services.material_add_upload(
        application=supplement,
        requirement=None,
        uploaded=pdf_upload("补正.pdf"),
        actor=applicant,
        supplement=supplement.supplement_requests.get(),
    )
    concluded = submitted_application(applicant=applicant, item=item)
    application_decide(application_id=concluded.pk, to_status=Status.ACCEPTED, actor=officer)
    application_decide(application_id=concluded.pk, to_status=Status.IN_REVIEW, actor=officer)
    decision = application_decide(
        application_id=concluded.pk,
        to_status=Status.APPROVED,
        actor=officer,
        result_file=pdf_upload("许可证.pdf"),
        result_name="许可证",
    )
    application_decide(application_id=concluded.pk, to_status=Status.CONCLUDED, actor=officer)
    someone_elses = submitted_application(applicant=other, item=item)
    # A family proxy's case for the resident: theirs to read (代办).
    ProxyAuthorisationFactory(principal=applicant, proxy=other, service_codes=[item.code])
    made_for_them = submitted_application(applicant=other, item=item, principal_user=applicant)
    # Drafts last: starting one for an item continues an open draft, which the cases above submitted.
    draft = application_services.application_start(applicant=applicant, item_code=item.code)
    requirement = draft.service_version.materials.filter(mandatory=True).first()
    draft_material = application_services.material_add_upload(
        application=draft, requirement=requirement, uploaded=pdf_upload(), actor=applicant
    )
    bundle_draft = application_services.application_start_bundle(applicant=applicant, bundle_code=BUNDLE)

    # Inquiries (咨询投诉): the applicant's complaint about a case, and someone else's.
    inquiry, _code = inquiry_submit(
        kind="complaint", subject="办件超期", content="已超过承诺时限。", submitter=applicant, application=submitted
    )
    others_inquiry, _code = inquiry_submit(kind="inquiry", subject="咨询", content="如何办理？", submitter=other)

    enterprise = EnterpriseFactory(legal_representative=applicant)
    mandate = MandateFactory(enterprise=enterprise, agent=other)
    proxy = ProxyAuthorisationFactory(principal=applicant, proxy=other)

    # The marketplace (中介超市): a random draw of the applicant's enterprise with its result
    # published (an open posting is past its deadline: a GET must not close it), an agency of theirs.
    kind = market.service_type(item=item)
    market_posting, market_bidders = market.selected_posting(
        kind=kind, method=SelectionMethod.RANDOM_DRAW, enterprise=enterprise
    )
    market_agency = market.agency(kind=kind, enterprise=EnterpriseFactory(legal_representative=applicant))
    market_open = market.posting(kind=kind)
    market.quote(market_open, market_agency, 10_000_00)
    market.past_deadline(market_open)
    _deliver_outbox()

    # The resident's OAuth2 token for the API, through the real authorization-code flow.
    partner = make_web_application(scopes=("openid", "profile", "applications:read", "catalogue:read"))
    token_client = Client()
    token_client.force_login(applicant)
    tokens = authorization_code_tokens(token_client, partner, scope="openid profile applications:read catalogue:read")

    # The applicant's enterprise is a partner with a client, a public key, a subscription and a delivery.
    partner_record = partner_apply(
        enterprise=enterprise,
        applicant=applicant,
        purpose="在网点查询办件进度",
        scopes=["openid", "applications:read"],
        contact_name="联系人",
        contact_mobile="13900000000",
        contact_email="dev@partner.example.cn",
    )
    partner_client, _secret = partner_client_create(
        partner=partner_record,
        actor=applicant,
        environment="sandbox",
        name="网点系统",
        grant_type="authorization-code",
        auth_method="private_key_jwt",
        redirect_uris=["https://partner.example.cn/callback"],
    )
    private_key = RSAKey.generate_key(2048)
    partner_key = partner_client_key_add(
        client=partner_client, actor=applicant, public_jwk=private_key.as_dict(private=False)
    )
    subscription = webhook_subscribe(
        partner=partner_record,
        url="https://partner.example.cn/hooks",
        event_types=["application.status_changed"],
        actor=applicant,
    )
    partner_authorization_record(user=applicant, application=partner_client.application, scopes=["applications:read"])
    event = event_publish(
        event_type="application.status_changed",
        resource_type="application",
        resource_id=submitted.case_number,
        data={"case_number": submitted.case_number},
        user=applicant,
    )

    return {
        "partner_record": partner_record,
        "partner_client": partner_client,
        "partner_key": partner_key,
        "subscription": subscription,
        "delivery": event.deliveries.get(),
        "item": item,
        "department": department,
        "officer": officer,
        "applicant": applicant,
        "draft": draft,
        "draft_material": draft_material,
        "bundle_draft": bundle_draft,
        "submitted": submitted,
        "supplement": supplement,
        "supplement_material": supplement_material,
        "concluded": concluded,
        "result": decision.result,
        "someone_elses": someone_elses,
        "made_for_them": made_for_them,
        "enterprise": enterprise,
        "mandate": mandate,
        "proxy": proxy,
        "bearer": tokens["access_token"],
        "partner": partner,
        "inquiry": inquiry,
        "others_inquiry": others_inquiry,
        "market_posting": market_posting,
        "market_open": market_open,
        "market_agency": market_agency,
        "market_bidder": market_bidders[0],
    }


# --- Walking the URL patterns --------------------------------------------------------------------

_ROUTE_PARAMETER = re.compile(r"(?<!\?P)<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^()]*(?:\([^()]*\)[^()]*)*)\)")


def _patterns(resolvers=None, prefix=(), namespace=""):
    """``(pieces, name)`` for every URL pattern: pieces are the patterns from the root down."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if entry.namespace and namespace else entry.namespace or namespace
            yield from _patterns(entry.url_patterns, (*prefix, entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield (*prefix, entry.pattern), name


def _template(pieces) -> str:
    """One readable template per pattern: routes as written, regexes without anchors."""
    out = ""
    for piece in pieces:
        if isinstance(piece, LocalePrefixPattern):
            out += piece.language_prefix
        elif isinstance(piece, RoutePattern):
            out += str(piece)
        elif isinstance(piece, RegexPattern):
            out += str(piece).lstrip("^").removesuffix("$").replace("/?", "/").replace(r"\.", ".")
    return out


def _parameters(template: str) -> list[str]:
    return [m["name"] for m in _ROUTE_PARAMETER.finditer(template)] + [
        m["name"] for m in _REGEX_GROUP.finditer(template)
    ]


def _fill(template: str, values: dict) -> str:
    template = _ROUTE_PARAMETER.sub(lambda m: str(values[m["name"]]), template)
    return _REGEX_GROUP.sub(lambda m: str(values[m["name"]]), template)


def _admin_model(template: str):
    parts = template.split("/")
    if len(parts) > 3 and parts[0] == "admin":
        try:
            return apps.get_model(parts[1], parts[2])
        except (LookupError, ValueError):
            return None
    return None


def _published_codes(audience: str):
    return ServiceItem.objects.filter(audience=audience, published_version__isnull=False).values_list("code", flat=True)


def _candidates(name: str | None, template: str, data: dict) -> list[dict]:
    """The kwargs to request ``template`` with: real objects first, plausible values otherwise."""
    parameters = _parameters(template)
    if not parameters:
        return [{}]
    department = data["department"]
    by_name = {
        # With an open draft, without one, for an enterprise, and unknown.
        "applications:apply": [{"code": data["item"].code}, {"code": "NO-SUCH-ITEM"}]
        + [{"code": code} for code in _published_codes("resident").exclude(code=data["item"].code)[:1]]
        + [{"code": code} for code in _published_codes("enterprise")[:1]],
        "applications:apply_bundle": [{"code": BUNDLE}, {"code": "no-such-bundle"}]
        + [{"code": code} for code in Bundle.objects.exclude(code=BUNDLE).values_list("code", flat=True)[:1]],
        "portal:guide": [{"code": data["item"].code}, {"code": "NO-SUCH-ITEM"}],
        "portal:department": [{"code": department.code}],
        "portal:life_event": [{"code": code} for code in LifeEvent.objects.values_list("code", flat=True)[:1]],
        "portal:topic": [{"code": code} for code in Topic.objects.values_list("code", flat=True)[:1]],
        "portal:bundle": [{"code": code} for code in Bundle.objects.values_list("code", flat=True)[:1]],
        "v1:service-detail": [{"code": data["item"].code}],
        "identity:enterprise_agents": [{"pk": data["enterprise"].pk}],
        "identity:enterprise_acting_log": [{"pk": data["enterprise"].pk}],
        "identity:enterprise_verify": [{"pk": data["enterprise"].pk}, {"pk": UNKNOWN_ID}],
        "identity:mandate_revoke": [{"pk": data["enterprise"].pk, "mandate_id": data["mandate"].pk}],
        "identity:proxy_revoke": [{"pk": data["proxy"].pk}],
        "identity:authorization_withdraw": [{"application_id": data["partner"].pk}, {"application_id": UNKNOWN_ID}],
        # The partner space (issue 17): the applicant's own partner, and one that is not theirs.
        "partners:detail": [{"pk": data["partner_record"].pk}, {"pk": UNKNOWN_ID}],
        "partners:client_create": [{"pk": data["partner_record"].pk}],
        # The pension certification (养老资格认证): the dataset has no campaign; benefits/tests covers real tasks.
        **{f"benefits:{name}": [{"task_id": UNKNOWN_ID}] for name in ("task", "certify", "result", "home_visit")},
        **{
            f"partners:{view}": [{"pk": data["partner_record"].pk, "client_pk": data["partner_client"].pk}]
            for view in (
                "client",
                "client_redirect_uris",
                "client_secret_rotate",
                "client_key_add",
                "client_use_private_key_jwt",
            )
        },
        "partners:client_key_revoke": [
            {
                "pk": data["partner_record"].pk,
                "client_pk": data["partner_client"].pk,
                "key_pk": data["partner_key"].pk,
            }
        ],
        **{
            f"partner_webhooks:{view}": [{"partner_id": data["partner_record"].pk}, {"partner_id": UNKNOWN_ID}]
            for view in ("subscription_list", "subscription_create", "delivery_list")
        },
        **{
            f"partner_webhooks:{view}": [
                {"partner_id": data["partner_record"].pk, "subscription_id": data["subscription"].pk}
            ]
            for view in ("subscription_edit", "subscription_rotate", "subscription_deactivate")
        },
        **{
            f"partner_webhooks:{view}": [
                {"partner_id": data["partner_record"].pk, "delivery_id": data["delivery"].pk},
                {"partner_id": data["partner_record"].pk, "delivery_id": "not-a-delivery"},
            ]
            for view in ("delivery_detail", "delivery_replay")
        },
        **{
            f"v1:{view}": [{"delivery_id": data["delivery"].pk}, {"delivery_id": "not-a-delivery"}]
            for view in ("webhook-delivery-detail", "webhook-delivery-replay")
        },
        **{
            f"complaints:{view}": [
                {"reference": data["inquiry"].reference},
                {"reference": data["others_inquiry"].reference},
                {"reference": "TS20260101000000"},
            ]
            for view in ("inquiry", "inquiry_close", "inquiry_reopen")
        },
        "portal:developers_page": [{"slug": "tokens"}, {"slug": "no-such-page"}],
        # The marketplace: the applicant's posting, someone else's, one unknown; their agency and another's.
        "marketplace:agency": [{"pk": data["market_bidder"].pk}, {"pk": UNKNOWN_ID}],
        "marketplace:posting": [
            {"reference": data["market_posting"].reference},
            {"reference": data["market_open"].reference},
            {"reference": "ZJ20260101000000"},
        ],
        **{
            f"marketplace:{view}": [
                {"reference": data["market_posting"].reference},
                {"reference": data["market_open"].reference},
                {"reference": "ZJ20260101000000"},
            ]
            for view in (
                "my_posting",
                "posting_edit",
                "posting_publish",
                "posting_cancel",
                "posting_select",
                "posting_contract",
                "posting_delivery",
                "posting_rating",
            )
        },
        **{
            f"marketplace:{view}": [{"pk": data["market_agency"].pk}, {"pk": data["market_bidder"].pk}]
            for view in ("my_agency", "agency_service", "agency_qualification")
        },
        **{
            f"marketplace:{view}": [
                {"pk": data["market_agency"].pk, "reference": data["market_open"].reference},
                {"pk": data["market_agency"].pk, "reference": data["market_posting"].reference},
                {"pk": data["market_bidder"].pk, "reference": data["market_posting"].reference},
            ]
            for view in ("agency_posting", "agency_quote", "agency_objection")
        },
        # E-certificates: the dataset holds none, so unknown ones (the pages answer 404 or "unknown").
        "certificates:detail": [{"uuid": UNKNOWN_UUID}],
        "certificates:pdf": [{"uuid": UNKNOWN_UUID}],
        "certificates:share": [{"uuid": UNKNOWN_UUID}],
        "certificates:public_fields": [{"uuid": UNKNOWN_UUID}],
        "certificates:withdraw": [{"uuid": UNKNOWN_UUID, "share_id": UNKNOWN_ID}],
        "certificates:shared": [{"token": "no-such-share"}],
        "certificates:verify": [{"token": "NO-SUCH.kid.signature"}],
        "identity:end_session": [
            {"session_id": pk} for pk in UserSession.objects.filter(user=data["applicant"]).values_list("pk", flat=True)
        ]
        or [{"session_id": UNKNOWN_ID}],
        # Payments (issue 13): notifications are POST only; unknown orders and trades are 404.
        "payments-notify:notify": [{"gateway": "alipay"}, {"gateway": "no-such-gateway"}],
        **{
            f"payments:{view}": [{"out_trade_no": "TB2026010100000000000000"}]
            for view in ("order_detail", "pay", "order_return", "receipt", "receipt_pdf")
        },
        "payments-receipts:check": [{"number": "PJ2026010100000000000000"}],
        # Face checks (identity/facecheck): callbacks are POST only; a return page only shows a form.
        "facecheck:callback": [{"provider": "sandbox"}, {"provider": "no-such-provider"}],
        "facecheck:return": [{"provider": "tencent"}, {"provider": "sandbox"}],
        "facecheck:sandbox": [{"session_id": "sbx-no-such-session"}],
        "facecheck:result": [{"check_id": UNKNOWN_UUID}],
        "payments-sandbox:alipay-decide": [{"trade_no": "2026010122001000000000000000"}],
        "payments-sandbox:alipay-bill": [{"day": "2026-01-01"}, {"day": "not-a-day"}],
        # WeChat Pay and UnionPay sandboxes: unsigned requests are refused, unknown trades are 404.
        "payments-sandbox:wechatpay-query": [{"out_trade_no": "TB2026010100000000000000"}],
        "payments-sandbox:wechatpay-cashier": [{"trade_no": "4200202601010000000000000000"}],
        "payments-sandbox:unionpay-decide": [{"trade_no": "0101000000000000000000"}],
        "payments-sandbox:unionpay-back": [{"endpoint": "queryTrans"}, {"endpoint": "no-such-endpoint"}],
    }
    if name in by_name:
        return by_name[name]
    if "content_type_id" in parameters:  # the admin's "view on site" redirect
        content_type = ContentType.objects.get_for_model(Application)
        return [{"content_type_id": content_type.pk, "object_id": data["submitted"].pk}]

    draft, submitted, supplement, concluded = data["draft"], data["submitted"], data["supplement"], data["concluded"]
    cases = [submitted, supplement, concluded, data["someone_elses"], data["made_for_them"]]
    if "draft_id" in parameters or (name or "").split(":")[-1].startswith("draft-"):
        key = "draft_id" if "draft_id" in parameters else "pk"
        rows = [{key: draft.pk}, {key: data["bundle_draft"].pk}]
        if "material_id" in parameters:
            rows = [{key: draft.pk, "material_id": data["draft_material"].pk}]
        return rows
    if "case_number" in parameters:
        rows = [{"case_number": case.case_number} for case in cases] + [{"case_number": "NOPE-20260101-000001"}]
        if "material_id" in parameters:
            rows = [
                {"case_number": supplement.case_number, "material_id": data["supplement_material"].pk},
                {"case_number": submitted.case_number, "material_id": submitted.materials.first().pk},
            ]
        if "result_id" in parameters:
            rows = [{"case_number": concluded.case_number, "result_id": data["result"].pk}]
        return rows
    if "message_id" in parameters:
        return [{"message_id": pk} for pk in InboxMessage.objects.values_list("pk", flat=True)[:3]]
    if "app_label" in parameters:
        labels = re.search(r"\(\?P<app_label>([^)]*)\)", template)[1].split("|")
        return [{"app_label": label} for label in labels]
    if parameters == ["url"]:
        return [{"url": "no-such-page/"}]
    if template.startswith("admin/") and len(parameters) == 1 and parameters[0] != "object_id":
        # An admin view of its own on one object (TOTP device QR code, revealing an ID number…).
        (key,) = parameters
        model = _admin_model(template)
        return [{key: pk} for pk in model.objects.order_by("pk").values_list("pk", flat=True)[:2]] or [
            {key: UNKNOWN_ID}
        ]
    if "object_id" in parameters:
        model = _admin_model(template)
        if model is Application:
            objects = [submitted.pk, supplement.pk, concluded.pk]
        else:
            objects = list(model.objects.order_by("pk").values_list("pk", flat=True)[:2]) if model else []
        rows = [{"object_id": pk} for pk in objects] or [{"object_id": UNKNOWN_ID}]
        if "action" in parameters:  # a certificate's revoke/supersede (POST only)
            rows = [{**row, "action": action} for row in rows for action in ("revoke", "supersede")]
        if "to_status" in parameters:
            rows = [{**row, "to_status": status} for row in rows for status in Status.values]
        if "material_id" in parameters:
            rows = [{"object_id": supplement.pk, "material_id": data["supplement_material"].pk}]
        if "result_id" in parameters:
            rows = [{"object_id": concluded.pk, "result_id": data["result"].pk}]
        if "attachment_id" in parameters:  # an inquiry's attachment download (the dataset's has none)
            rows = [{"object_id": data["inquiry"].pk, "attachment_id": UNKNOWN_ID}]
        return rows
    raise AssertionError(f"No values for {template} ({name}): add them, or list the pattern in NOT_REQUESTED")


def _urls(data: dict) -> list[str]:
    urls = []
    for pieces, name in _patterns():
        template = _template(pieces)
        if template in NOT_REQUESTED:
            continue
        for values in _candidates(name, template, data):
            urls.append("/" + _fill(template, values))
    return urls


# --- Snapshots -----------------------------------------------------------------------------------


def _snapshot() -> dict[str, tuple[int, str]]:
    """``{table: (rows, checksum of every row)}`` for every table of the database."""
    tables = connection.introspection.table_names()
    result = {}
    with connection.cursor() as cursor:
        for table in tables:
            quoted = connection.ops.quote_name(table)
            cursor.execute(
                f"SELECT count(*), coalesce(md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))), '') "  # noqa: S608
                f"FROM {quoted} AS t"
            )
            result[table] = cursor.fetchone()
    return result


def _changed(before: dict, after: dict) -> list[str]:
    return sorted(
        table
        for table in set(before) | set(after)
        if before.get(table) != after.get(table) and table not in MAY_CHANGE_ON_GET
    )


def _get_every_url(client: Client, urls: list[str], headers=None) -> dict[str, int]:
    statuses = {}
    for url in urls:
        extra = headers if headers and url.startswith("/api/") else {}
        response = client.get(url, **extra)
        statuses[url] = response.status_code
        if response.streaming:
            b"".join(response.streaming_content)  # read to the end: the test client then closes the file
        assert response.status_code < 500, url
    return statuses


def test_every_url_pattern_has_values_or_a_reason(dataset):
    urls = _urls(dataset)
    assert len(urls) > 250
    assert "/account/eid/" in urls
    assert f"/applications/new/{RESIDENT_ITEM}/" in urls


def test_no_get_writes_as_a_signed_in_resident(dataset):
    client = Client()
    client.force_login(dataset["applicant"])
    client.get("/")  # the session is settled before the snapshot
    urls = _urls(dataset)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {dataset['bearer']}"}

    before = _snapshot()
    statuses = _get_every_url(client, urls, headers)
    after = _snapshot()

    assert _changed(before, after) == []
    # The pages were really reached, not refused at the door.
    assert statuses[f"/applications/drafts/{dataset['draft'].pk}/"] == 200
    assert statuses[f"/my/applications/{dataset['concluded'].case_number}/"] == 200
    assert statuses[f"/api/v1/applications/{dataset['submitted'].case_number}/"] == 200
    assert statuses["/account/eid/"] == 200
    assert statuses["/account/security/totp/"] == 200
    assert statuses[f"/my/marketplace/postings/{dataset['market_posting'].reference}/"] == 200
    assert (
        statuses[f"/my/marketplace/agencies/{dataset['market_agency'].pk}/postings/{dataset['market_open'].reference}/"]
        == 200
    )
    assert statuses["/my/marketplace/"] == 200


def test_no_get_writes_as_an_anonymous_visitor(dataset):
    """What a crawler or a link prefetcher without a session sees."""
    client = Client()
    urls = _urls(dataset)

    before = _snapshot()
    statuses = _get_every_url(client, urls)
    after = _snapshot()

    assert _changed(before, after) == []
    assert statuses[f"/services/{RESIDENT_ITEM}/"] == 200
    assert statuses[f"/applications/new/{RESIDENT_ITEM}/"] == 302  # to the sign-in page


@pytest.mark.parametrize("superuser", [False, True], ids=["department-official", "superuser"])
def test_no_get_writes_as_a_signed_in_official_with_totp(dataset, superuser):
    if superuser:
        user = UserFactory(official=True, is_superuser=True)
        DepartmentOfficial.objects.create(user=user, department=dataset["department"])
    else:
        user = dataset["officer"]
    client = Client()
    login_with_totp(client, user)
    client.get("/admin/")
    urls = _urls(dataset)

    before = _snapshot()
    statuses = _get_every_url(client, urls)
    after = _snapshot()

    assert _changed(before, after) == []
    assert statuses["/admin/applications/application/"] == 200
    assert statuses[f"/admin/applications/application/{dataset['submitted'].pk}/change/"] == 200


def test_the_check_sees_a_write(dataset):
    """The snapshot notices a changed row in a table that may not change (so the tests above can fail)."""
    before = _snapshot()
    Department.objects.filter(pk=dataset["department"].pk).update(name="改名")
    assert _changed(before, _snapshot()) == ["services_department"]
    ResultDocument.objects.filter(pk=dataset["result"].pk).update(name="改名")
    assert "applications_resultdocument" in _changed(before, _snapshot())
