"""Every API operation states its scopes and the problem+json errors it can answer."""

import pytest
import yaml

pytestmark = pytest.mark.django_db


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
        (method, path, operation)
        for method, path, operation in operations
        if not path.endswith("jwks.json")
        and path not in {"/api/v1/services/", "/api/v1/services/{code}/"}
        and path not in {"/api/v1/departments/", "/api/v1/topics/"}
    ]
    assert protected
    for method, path, operation in protected:
        scopes = [scope for requirement in operation["security"] for scope in requirement.get("oauth2", [])]
        assert scopes, (method, path)
        assert "403" in operation["responses"], (method, path)
