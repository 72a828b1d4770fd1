"""The OpenAPI schema states the Idempotency-Key header and its problems on every partner API POST."""

import pytest

pytestmark = pytest.mark.django_db


def test_every_post_declares_the_idempotency_key_and_its_problems(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    posts = {path: ops["post"] for path, ops in schema["paths"].items() if "post" in ops}
    assert set(posts) >= {
        "/api/v1/applications/drafts/",
        "/api/v1/applications/drafts/{id}/materials/",
        "/api/v1/applications/drafts/{id}/submit/",
        "/api/v1/certificates/verify/",
        "/api/v1/certificates/shared/",
        "/api/v1/eid/verify/",
        "/api/v1/payments/",
        "/api/v1/webhooks/deliveries/{delivery_id}/replay/",
    }

    def codes(operation, status):
        examples = operation["responses"][status]["content"]["application/problem+json"]["examples"]
        return {example["value"]["code"] for example in examples.values()}

    for path, operation in posts.items():
        (header,) = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
        assert header["in"] == "header", path
        assert header.get("required", False) is (path == "/api/v1/payments/"), path
        assert "request_in_flight" in codes(operation, "409"), path
        assert "idempotency_key_reused" in codes(operation, "422"), path
        assert {"invalid", "idempotency_key_missing" if header.get("required") else "idempotency_key_invalid"} <= codes(
            operation, "400"
        ), path
