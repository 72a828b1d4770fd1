"""Schemathesis fuzzes every operation of the published schema (/api/v1/schema/), all checks on.

Twice: with a partner back-end's client-credentials token (catalogue, certificate and e-ID
verification scopes) and with a resident's authorization-code token (applications and payments).
Each run sends positive and negative (schema-breaking) requests into the real WSGI application
over the ``seed_demo`` data and checks, among others, that

* no request gets a 5xx (``not_a_server_error``);
* every answer has a status, content type, headers and body the schema declares for it;
* schema-breaking input is refused with a 4xx (``negative_data_rejection``);
* an operation that answered 2xx with the token refuses the same request without a token and
  with a wrong one (``ignored_auth``);
* and the rest of Schemathesis's checks (``response_headers_conformance``, ``missing_required_header``,
  ``unsupported_method``, ``allow_header_conformance``, ``positive_data_acceptance`` …): all are on;
  ``positive_data_acceptance`` only where the schema can state every rule (``SEMANTIC_REFUSALS``).

``ignored_auth`` can only probe an operation the token got a 2xx from, so
``test_every_protected_operation_refuses_a_missing_or_wrong_token`` asks every other one too.

The run is bounded and deterministic (``derandomize``), so CI sees the same requests every time.
"""

import json
from collections import defaultdict

import pytest
import schemathesis
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from drf_spectacular.views import SpectacularAPIView
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import positive_data_acceptance

from applications.selectors import applications_for_resident
from applications.services import application_start
from config.wsgi import application
from identity.demo import RESIDENT_MOBILE
from identity.models import User
from identity.tests.oauth_helpers import (
    authorization_code_tokens,
    client_credentials_token,
    make_backend_application,
    make_web_application,
)
from payments.constants import PAYABLE_STATUSES
from payments.selectors import orders_for_user
from services.api.throttles import CatalogueThrottle

PARTNER_SCOPES = "catalogue:read certificates:verify eid:verify eid:verify:detail"
RESIDENT_ITEM = "440100-GA-007"
RESIDENT_SCOPES = "openid profile applications:read applications:write payments:read payments:write"


def _published_schema() -> dict:
    """What /api/v1/schema/ serves (``test_the_fuzzed_schema_is_the_published_one`` holds them equal).

    Built at import, by the view's own generator: collection runs before the test database exists,
    and schemathesis's lazy ``from_fixture`` loader does not run under pytest 9 (it sets the
    ``_nodeid`` pytest 9 removed)."""
    generator = SpectacularAPIView.generator_class(api_version="v1", urlconf=None)
    return generator.get_schema(request=None, public=True)


schema = schemathesis.openapi.from_dict(_published_schema())
schema.app = application
# The API refuses a NUL character anywhere with 400 ``nul_character`` (PostgreSQL cannot store it; see
# common/request_guard.py and common/parsers.py), a rule the schema does not repeat on every string.
schema.config.generation.allow_x00 = False

# Operations where a request the schema allows can still be refused with 400/422 for a reason JSON Schema
# cannot state: ``positive_data_acceptance`` is off for them, every other check stays on.
SEMANTIC_REFUSALS = {
    ("GET", "/api/v1/services/"): "the cursor is opaque: only the `next`/`previous` links' values are valid",
    ("GET", "/api/v1/applications/"): "the cursor is opaque: only the `next`/`previous` links' values are valid",
    ("GET", "/api/v1/evaluations/summary/"): "the cursor is opaque: only the `next`/`previous` links' values are valid",
    ("GET", "/api/v1/marketplace/agencies/"): "the cursor is opaque; service_type must name an existing type",
    ("GET", "/api/v1/marketplace/postings/"): "the cursor is opaque; service_type must name an existing type",
    ("POST", "/api/v1/applications/drafts/"): (
        "exactly one of service_code and bundle_code; USCC and ID numbers carry check characters"
    ),
    ("PATCH", "/api/v1/applications/drafts/{id}/"): "the answers are checked against the service's own form",
    ("POST", "/api/v1/certificates/verify/"): "a token or a PDF, not neither",
    ("POST", "/api/v1/eid/verify/"): "the token is a signed e-ID JWS, a random string is refused",
    ("POST", "/api/v1/applications/drafts/{id}/materials/"): "the file is checked by content: a PDF, PNG or JPEG",
    ("POST", "/api/v1/applications/drafts/{id}/submit/"): "only a complete draft (form and materials) submits",
    ("POST", "/api/v1/payments/"): "the gateway must be one that is configured; the Idempotency-Key is trimmed",
}

# Small and repeatable: a few examples per operation and mode, the same every run.
FUZZ_SETTINGS = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(autouse=True)
def _catalogue_unthrottled(monkeypatch):
    """Room for every fuzzed catalogue request: at the anonymous rate most would meet 429 and test nothing
    else (the throttle itself is tested in services/tests/test_api.py)."""
    monkeypatch.setattr(
        CatalogueThrottle, "THROTTLE_RATES", {"catalogue_anon": "100000/minute", "catalogue_token": "100000/minute"}
    )


def _call_and_validate(case, token: str, objects: dict | None = None) -> None:
    """Send ``case`` with the bearer ``token``; a schema-valid path (or payment) names one of ``objects``
    instead of a made-up id, so the operation answers with a real object and not only 404."""
    if objects and case.path_parameters and not (case.meta and case.meta.is_negative_at(ParameterLocation.PATH)):
        case.path_parameters.update({name: objects[name] for name in case.path_parameters if name in objects})
    body_valid = isinstance(case.body, dict) and not (case.meta and case.meta.is_negative_at(ParameterLocation.BODY))
    if objects and body_valid and (case.method, case.path) == ("POST", "/api/v1/payments/"):
        case.body["order"] = objects["order"]  # the resident's own payable order
    excluded = [positive_data_acceptance] if (case.method, case.path) in SEMANTIC_REFUSALS else []
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, excluded_checks=excluded)


@pytest.fixture
def partner_token() -> str:
    backend = make_backend_application(client_id="fuzz-backend", scopes=PARTNER_SCOPES.split())
    response = client_credentials_token(Client(), backend, scope=PARTNER_SCOPES)
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


@pytest.fixture
def resident_token() -> str:
    web = make_web_application(client_id="fuzz-web", scopes=RESIDENT_SCOPES.split())
    browser = Client()
    browser.force_login(User.objects.get(username=RESIDENT_MOBILE))
    return authorization_code_tokens(browser, web, scope=RESIDENT_SCOPES)["access_token"]


@pytest.fixture
def residents_objects(resident_token) -> dict:
    """The resident's own draft and submitted case, and a published service, for the path parameters."""
    resident = User.objects.get(username=RESIDENT_MOBILE)
    draft = application_start(applicant=resident, item_code=RESIDENT_ITEM)
    case = applications_for_resident(user=resident).exclude(status="draft").order_by("pk").first()
    assert case is not None, "seed_demo gives the demo resident submitted cases"
    order = orders_for_user(user=resident).filter(status__in=PAYABLE_STATUSES).first()
    assert order is not None, "seed_demo gives the demo resident an order to pay"
    return {"id": draft.pk, "case_number": case.case_number, "code": RESIDENT_ITEM, "order": order.out_trade_no}


@schema.parametrize()
@FUZZ_SETTINGS
@pytest.mark.usefixtures("demo_data")
def test_the_api_holds_to_its_schema_for_a_partner_backend(case, partner_token):
    _call_and_validate(case, partner_token)


@schema.parametrize()
@FUZZ_SETTINGS
@pytest.mark.usefixtures("demo_data")
def test_the_api_holds_to_its_schema_for_a_signed_in_resident(case, resident_token, residents_objects):
    _call_and_validate(case, resident_token, residents_objects)


def test_the_fuzzed_schema_is_the_published_one(client, db):
    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    assert json.loads(response.content) == json.loads(json.dumps(_published_schema()))


@pytest.mark.usefixtures("demo_data")
def test_every_protected_operation_refuses_a_missing_or_wrong_token(residents_objects):
    browser = Client()
    protected = [
        (method.upper(), path, next(iter(operation.get("requestBody", {}).get("content", {})), "application/json"))
        for path, operations in _published_schema()["paths"].items()
        for method, operation in operations.items()
        if {} not in operation.get("security", [])
    ]
    assert len(protected) >= 12
    for method, path, media_type in protected:
        # The resident's objects, or any id: without a valid token nothing is looked up.
        url = path.format_map(defaultdict(lambda: "1", residents_objects))
        # An empty body in the media type the operation takes: only the token is wrong.
        if media_type == "multipart/form-data":
            body, content_type = encode_multipart(BOUNDARY, {}), MULTIPART_CONTENT
        else:
            body, content_type = "{}", "application/json"
        for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer not-a-token"}):
            response = browser.generic(method, url, body, content_type=content_type, **headers)
            assert response.status_code == 401, (method, path, headers, response.content)
            assert response["Content-Type"] == "application/problem+json", (method, path)
            assert response["WWW-Authenticate"].startswith("Bearer"), (method, path)
