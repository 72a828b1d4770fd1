"""The payments API: orders with payments:read; starting a payment with an Idempotency-Key."""

import pytest

from common.idempotency import idempotency_begin, request_fingerprint
from common.models import IdempotencyKey
from identity.tests.factories import UserFactory
from identity.tests.oauth_helpers import authorization_code_tokens, make_web_application
from payments.constants import OrderStatus
from payments.models import PaymentOrder

from .helpers import passport_fee_order

# Committed like production: a key row in flight is visible to the next request.
pytestmark = pytest.mark.django_db(transaction=True)


def _token(client, user, scope: str) -> dict:
    from oauth2_provider.models import Application as PartnerApplication

    partner = PartnerApplication.objects.filter(client_id="web-partner").first() or make_web_application()
    partner.partner_scope_grant.allowed_scopes = "openid payments:read payments:write applications:write"
    partner.partner_scope_grant.save()
    client.force_login(user)
    tokens = authorization_code_tokens(client, partner, scope=scope)
    client.logout()
    return {"HTTP_AUTHORIZATION": f"Bearer {tokens['access_token']}"}


def _create(client, headers, body, key="key-1"):
    return client.post("/api/v1/payments/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **headers)


def test_orders_are_read_with_payments_read(client):
    user = UserFactory()
    order = passport_fee_order(user)
    passport_fee_order(UserFactory())  # someone else's
    headers = _token(client, user, "openid payments:read")

    response = client.get("/api/v1/payments/orders/", **headers)

    assert response.status_code == 200
    assert [row["out_trade_no"] for row in response.json()] == [order.out_trade_no]


def test_same_key_and_body_gives_the_same_order_and_answer(client):
    user = UserFactory()
    order = passport_fee_order(user)
    headers = _token(client, user, "openid payments:read payments:write")

    first = _create(client, headers, {"order": order.out_trade_no})
    second = _create(client, headers, {"order": order.out_trade_no})

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "/sandbox/payments/alipay/gateway.do?" in first.json()["pay_url"]
    assert PaymentOrder.objects.get(pk=order.pk).status == OrderStatus.PENDING
    assert IdempotencyKey.objects.count() == 1


def test_same_key_with_another_body_is_422(client):
    user = UserFactory()
    first_order, second_order = passport_fee_order(user), passport_fee_order(user)
    headers = _token(client, user, "openid payments:read payments:write")

    _create(client, headers, {"order": first_order.out_trade_no})
    response = _create(client, headers, {"order": second_order.out_trade_no})

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert PaymentOrder.objects.get(pk=second_order.pk).status == OrderStatus.CREATED


def test_a_request_still_in_flight_is_409(client):
    user = UserFactory()
    order = passport_fee_order(user)
    headers = _token(client, user, "openid payments:read payments:write")
    # The first request with this key has started and not finished.
    idempotency_begin(
        client="web-partner",
        user=user,
        key="key-1",
        fingerprint=request_fingerprint(method="POST", path="/api/v1/payments/", data={"order": order.out_trade_no}),
    )

    response = _create(client, headers, {"order": order.out_trade_no})

    assert response.status_code == 409
    assert response.json()["code"] == "request_in_flight"
    assert PaymentOrder.objects.get(pk=order.pk).status == OrderStatus.CREATED


def test_a_failed_request_frees_its_key(client):
    user = UserFactory()
    headers = _token(client, user, "openid payments:read payments:write")

    missing = _create(client, headers, {"order": "TB-NOT-MINE"})

    assert missing.status_code == 404
    assert not IdempotencyKey.objects.exists()


def test_creating_a_payment_needs_the_write_scope_and_a_key(client):
    user = UserFactory()
    order = passport_fee_order(user)
    read_only = _token(client, user, "openid payments:read")
    writer = _token(client, user, "openid payments:read payments:write")

    assert _create(client, read_only, {"order": order.out_trade_no}).status_code == 403
    no_key = client.post("/api/v1/payments/", {"order": order.out_trade_no}, content_type="application/json", **writer)
    assert no_key.status_code == 400


def test_an_unreachable_gateway_is_a_502_problem_not_a_500(client):
    import httpx

    from payments.contrib.wechatpay.plugin import WechatPayGateway
    from payments.registry import gateways

    def down(request):
        raise httpx.ConnectError("refused")

    user = UserFactory()
    order = passport_fee_order(user)
    headers = _token(client, user, "openid payments:read payments:write")
    with gateways.fresh(empty=True) as registry:
        registry.register("wechatpay", WechatPayGateway("wechatpay", transport=httpx.MockTransport(down)))
        response = _create(client, headers, {"order": order.out_trade_no, "gateway": "wechatpay"})

    assert response.status_code == 502
    assert response["Content-Type"].startswith("application/problem+json")
    assert "refused" not in response.content.decode()


def test_unionpay_start_answers_the_signed_form_to_post(client):
    user = UserFactory()
    order = passport_fee_order(user)
    headers = _token(client, user, "openid payments:read payments:write")

    response = _create(client, headers, {"order": order.out_trade_no, "gateway": "unionpay"})

    assert response.status_code == 201
    body = response.json()
    assert body["pay_url"].endswith("/frontTransReq.do")
    assert body["pay_form"]["orderId"] == order.out_trade_no
    assert body["pay_form"]["signature"]


def test_applications_write_alone_no_longer_starts_a_payment(client):
    user = UserFactory()
    order = passport_fee_order(user)
    applications_writer = _token(client, user, "openid payments:read applications:write")

    response = _create(client, applications_writer, {"order": order.out_trade_no})

    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["required_scopes"] == ["payments:write"]
    assert 'scope="payments:write"' in response["WWW-Authenticate"]
    assert not IdempotencyKey.objects.exists()


def test_orders_cannot_be_read_with_payments_write_alone(client):
    user = UserFactory()
    passport_fee_order(user)
    response = client.get("/api/v1/payments/orders/", **_token(client, user, "openid payments:write"))
    assert response.status_code == 403
    assert response.json()["required_scopes"] == ["payments:read"]


def test_the_schema_declares_the_payment_scopes_and_each_problem_with_an_example(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    flows = schema["components"]["securitySchemes"]["oauth2"]["flows"]
    # Paying acts for a resident: offered with the authorization-code flow, not to a partner's own token.
    assert "payments:write" in flows["authorizationCode"]["scopes"]
    assert "payments:write" not in flows["clientCredentials"]["scopes"]
    create = schema["paths"]["/api/v1/payments/"]["post"]
    assert {"oauth2": ["payments:write"]} in create["security"]
    assert {"oauth2": ["payments:read"]} in schema["paths"]["/api/v1/payments/orders/"]["get"]["security"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in create["parameters"])

    def codes(operation, status):
        content = operation["responses"][status]["content"]["application/problem+json"]
        assert content["schema"] == {"$ref": "#/components/schemas/Problem"}
        examples = content["examples"]
        assert all(example["value"]["status"] == int(status) for example in examples.values())
        return {example["value"]["code"] for example in examples.values()}

    assert codes(create, "422") == {"idempotency_key_reused", "unknown_gateway"}
    assert codes(create, "409") == {"request_in_flight", "not_payable", "order_expired"}
    assert codes(create, "502") == {"gateway_unavailable"}
    assert {"idempotency_key_missing", "invalid"} <= codes(create, "400")
    submit = schema["paths"]["/api/v1/applications/drafts/{id}/submit/"]["post"]
    assert codes(submit, "409") == {"already_submitted", "request_in_flight"}  # every POST takes a key
    shared = schema["paths"]["/api/v1/certificates/shared/"]["post"]
    assert codes(shared, "410") == {"share_closed"}
    # The generic problems are still there.
    assert "401" in create["responses"]
    assert "403" in create["responses"]
