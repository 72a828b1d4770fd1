"""Every API operation states its scopes and the problem+json errors it can answer."""

import re

import pytest
import yaml
from django.urls import resolve

from common.problems import problem_body

pytestmark = pytest.mark.django_db

# Operations anyone may call without a token, each with the reason it is public.
PUBLIC_OPERATIONS = {
    ("get", "/api/v1/certificates/jwks.json"): "the public keys anyone needs to check a certificate's signature",
    ("get", "/api/v1/eid/jwks.json"): "the public keys anyone needs to check an e-ID token's signature",
    (
        "get",
        "/api/v1/services/",
    ): "the published catalogue is public; throttled per address (a token raises the rate)",
    ("get", "/api/v1/services/{code}/"): "a published service guide is public; throttled like the list",
    ("get", "/api/v1/departments/"): "the public catalogue's departments; throttled like the list",
    ("get", "/api/v1/topics/"): "the public catalogue's topics; throttled like the list",
    ("get", "/api/v1/evaluations/summary/"): "the public evaluation figures (好差评); throttled like the catalogue",
    ("get", "/api/v1/marketplace/agencies/"): "the public agency directory (中介超市); throttled like the catalogue",
    ("get", "/api/v1/marketplace/postings/"): "published postings and results (中介超市); throttled like the catalogue",
}


def _operations(client):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    return schema, [
        (method, path, operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def test_every_operation_states_its_problem_responses(client):
    schema, operations = _operations(client)
    assert "Problem" in schema["components"]["schemas"]
    assert len(operations) >= 19
    for method, path, operation in operations:
        responses = operation["responses"]
        assert "401" in responses, (method, path)
        assert "application/problem+json" in responses["401"]["content"], (method, path)
        if method in {"post", "put", "patch"}:
            assert "400" in responses, (method, path)
        if "{" in path:
            assert "404" in responses, (method, path)


def test_every_operation_that_needs_a_token_names_its_scope_and_its_403(client):
    _schema, operations = _operations(client)
    protected = [
        (method, path, operation) for method, path, operation in operations if (method, path) not in PUBLIC_OPERATIONS
    ]
    assert protected
    for method, path, operation in protected:
        scopes = [scope for requirement in operation["security"] for scope in requirement.get("oauth2", [])]
        assert scopes, (method, path)
        assert "403" in operation["responses"], (method, path)


def test_every_api_operation_names_its_scope_or_why_it_is_public_and_answers_4xx_as_problem_json(client):
    _schema, operations = _operations(client)
    api_operations = [(method, path, operation) for method, path, operation in operations if path.startswith("/api/")]
    assert len(api_operations) == len(operations) >= 19
    assert set(PUBLIC_OPERATIONS) <= {(method, path) for method, path, _operation in api_operations}
    for method, path, operation in api_operations:
        security = operation.get("security") or []
        scopes = [scope for requirement in security for scope in requirement.get("oauth2", [])]
        if (method, path) in PUBLIC_OPERATIONS:
            assert {} in security, (method, path, "public, so callable without credentials")
        else:
            assert scopes, (method, path, "neither an OAuth2 scope nor listed as public")
            assert {} not in security, (method, path, "needs a scope, yet allows anonymous calls")
        for status, response in operation["responses"].items():
            if str(status).startswith("4"):
                assert "application/problem+json" in (response.get("content") or {}), (method, path, status)


def test_every_throttled_operation_declares_its_429_as_problem_json(client):
    _schema, operations = _operations(client)
    throttled = set()
    for method, path, operation in operations:
        view = resolve(re.sub(r"\{[^}]+\}", "1", path)).func.cls
        if view().get_throttles():
            throttled.add((method, path))
            assert "application/problem+json" in operation["responses"]["429"]["content"], (method, path)
        else:
            assert "429" not in operation["responses"], (method, path)
    assert throttled == {
        ("get", "/api/v1/services/"),
        ("get", "/api/v1/services/{code}/"),
        ("get", "/api/v1/departments/"),
        ("get", "/api/v1/topics/"),
        ("get", "/api/v1/evaluations/summary/"),
        ("get", "/api/v1/marketplace/agencies/"),
        ("get", "/api/v1/marketplace/postings/"),
    }


def test_every_problem_response_shows_an_example_body_for_each_code(client):
    _schema, operations = _operations(client)
    for method, path, operation in operations:
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            media = response["content"]["application/problem+json"]
            examples = media.get("examples") or {}
            assert examples, (method, path, status)
            for name, example in examples.items():
                body, where = example["value"], (method, path, status, name)
                assert body["status"] == int(status), where
                assert body["code"].replace("_", "") == name.lower(), where
                assert body["type"] == problem_body(status=int(status), code=body["code"], detail="")["type"], where
                assert body["title"] and body["detail"], where


def test_the_oauth2_scheme_offers_only_scopes_an_operation_asks_for_or_openid_connect_uses(client, settings):
    schema, operations = _operations(client)
    asked = {
        scope
        for _method, _path, operation in operations
        for requirement in operation.get("security") or []
        for scope in requirement.get("oauth2", [])
    }
    oidc = {"openid", "profile", "phone"}
    flows = schema["components"]["securitySchemes"]["oauth2"]["flows"]
    assert set(flows) == {"authorizationCode", "clientCredentials"}
    for flow in flows.values():
        offered = set(flow["scopes"])
        assert offered <= asked | oidc
        assert offered <= set(settings.OAUTH2_PROVIDER["SCOPES"])
    # Every scope an operation asks for is offered, with its description, to a resident's token; the
    # client-credentials flow offers the subset a partner's own token can use (the next test).
    assert asked <= set(flows["authorizationCode"]["scopes"])
    # The optional scopes are documented where they change the answer.
    assert {"catalogue:read", "eid:verify:detail"} <= asked


def test_the_schema_lists_no_tag_without_operations(client):
    schema, operations = _operations(client)
    used = {tag for _method, _path, operation in operations for tag in operation.get("tags", [])}
    assert used
    declared = {tag["name"] for tag in schema.get("tags", [])}
    assert declared <= used


def test_the_client_credentials_flow_offers_only_scopes_a_partners_own_token_can_use(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    flows = schema["components"]["securitySchemes"]["oauth2"]["flows"]
    for_clients = set(flows["clientCredentials"]["scopes"])
    resident_only = {
        scope
        for operations in schema["paths"].values()
        for operation in operations.values()
        if isinstance(operation, dict) and operation.get("x-token") == "resident"
        for requirement in operation.get("security", [])
        for scope in requirement.get("oauth2", [])
    }
    assert "applications:write" in resident_only and "payments:write" in resident_only
    assert not for_clients & {"openid", "profile", "phone", "applications:read", "applications:write", "payments:write"}
    assert {"catalogue:read", "eid:verify", "certificates:verify", "webhooks:manage"} <= for_clients
    assert for_clients <= set(flows["authorizationCode"]["scopes"])
