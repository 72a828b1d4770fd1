import secrets

import pytest
from django.db import transaction
from rest_framework.test import APIRequestFactory, force_authenticate

from services.api.throttles import CatalogueThrottle, has_catalogue_scope
from services.api.views import DepartmentViewSet

pytestmark = pytest.mark.django_db


def test_service_list_is_cursor_paginated_and_filterable(api, catalogue):
    first = api.get("/api/v1/services/", {"page_size": 10}).json()
    assert len(first["results"]) == 10
    assert first["next"] and "cursor=" in first["next"]
    second = api.get(first["next"]).json()
    codes = [item["code"] for item in first["results"] + second["results"]]
    assert codes == sorted(codes) and len(set(codes)) == 20

    enterprise = api.get("/api/v1/services/", {"audience": "enterprise", "page_size": 100}).json()["results"]
    assert enterprise and all(item["audience"] in ("enterprise", "both") for item in enterprise)
    police = api.get("/api/v1/services/", {"department": "ga", "page_size": 100}).json()["results"]
    assert {item["department"]["code"] for item in police} == {"ga"}
    real_estate = api.get("/api/v1/services/", {"topic": "real-estate", "page_size": 100}).json()["results"]
    assert "440100-BDC-001" in {item["code"] for item in real_estate}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": "abc"}, "page_size"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": 101}, "page_size"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"audience": "aliens"}, "audience"),
    ],
)
def test_a_list_parameter_it_cannot_use_is_a_400_problem_not_ignored(api, catalogue, params, field):
    # Found by Schemathesis: page_size=null served the default page (negative_data_rejection).
    response = api.get("/api/v1/services/", params)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]


def test_service_search_ranks_and_pages_by_score(api, catalogue):
    page = api.get("/api/v1/services/", {"q": "yyzz"}).json()
    assert page["results"][0]["code"] == "440100-SCJG-001"
    results = []
    url, params = "/api/v1/services/", {"q": "登记", "page_size": 5}
    while url:
        body = api.get(url, params).json()
        results += [item["code"] for item in body["results"]]
        url, params = body["next"], None
    assert len(results) == len(set(results)) > 5


def test_service_detail_is_the_full_guide(api, catalogue):
    body = api.get("/api/v1/services/440100-BDC-001/").json()
    guide = body["guide"]
    assert body["department"]["code"] == "bdc"
    assert (guide["statutory_limit_days"], guide["promised_limit_days"], guide["on_site_visits"]) == (30, 5, 1)
    assert guide["fees"][0]["amount_fen"] == 8000 and guide["is_free"] is False
    assert {m["certificate_type_code"] for m in guide["materials"]} >= {"property_certificate"}
    assert guide["steps"] and guide["faqs"]
    assert "housing" in body["life_events"] and "real-estate" in body["topics"]


def test_unknown_service_is_a_problem_json_404(api, catalogue):
    response = api.get("/api/v1/services/NO-SUCH/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")


def test_departments_and_topics(api, catalogue):
    departments = api.get("/api/v1/departments/").json()
    assert len(departments) == 13 and departments[0]["code"] == "scjg"
    assert {topic["code"] for topic in api.get("/api/v1/topics/").json()} >= {"enterprise-start", "real-estate"}


def test_endpoints_appear_in_the_openapi_schema(api):
    paths = api.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for path in ("/api/v1/services/", "/api/v1/services/{code}/", "/api/v1/departments/", "/api/v1/topics/"):
        assert path in paths
    parameters = {p["name"] for p in paths["/api/v1/services/"]["get"]["parameters"]}
    assert {"q", "audience", "department", "topic", "cursor"} <= parameters


class _Token:
    """What django-oauth-toolkit's AccessToken offers a throttle: scope and is_valid()."""

    def __init__(self, scope, valid=True, pk=1):
        self.scope, self.valid, self.pk = scope, valid, pk

    def is_valid(self, scopes=None):
        return self.valid and all(s in self.scope.split() for s in scopes or [])


def test_only_a_valid_catalogue_read_token_counts():
    assert has_catalogue_scope(_Token("read catalogue:read"))
    assert not has_catalogue_scope(_Token("read write"))
    assert not has_catalogue_scope(_Token("catalogue:read", valid=False))
    assert not has_catalogue_scope(_Token("catalogue:readwrite"))
    assert not has_catalogue_scope(None)


def test_anonymous_reads_are_throttled_and_a_scoped_token_gets_more(monkeypatch, catalogue):
    # DRF reads the rates once, at class level; use small ones for the test.
    monkeypatch.setattr(
        CatalogueThrottle, "THROTTLE_RATES", {"catalogue_anon": "2/minute", "catalogue_token": "4/minute"}
    )
    # Counters live in the shared Redis: a fresh address and token id per run.
    address = "10.{}.{}.{}".format(*secrets.token_bytes(3))
    token_id = secrets.randbelow(10**9)
    factory = APIRequestFactory()
    view = DepartmentViewSet.as_view({"get": "list"})

    def anonymous():
        # Each call in its own transaction, as ATOMIC_REQUESTS gives a real request.
        with transaction.atomic():
            return view(factory.get("/api/v1/departments/", REMOTE_ADDR=address))

    assert [anonymous().status_code for _ in range(3)] == [200, 200, 429]
    refused = anonymous().render()
    assert refused["Content-Type"].startswith("application/problem+json")
    assert int(refused["Retry-After"]) > 0

    token = _Token("catalogue:read", pk=token_id)

    def with_token():
        request = factory.get("/api/v1/departments/", REMOTE_ADDR=address)
        force_authenticate(request, user=None, token=token)
        with transaction.atomic():
            return view(request)

    assert [with_token().status_code for _ in range(5)] == [200, 200, 200, 200, 429]


def test_throttled_answers_carry_the_ratelimit_headers_and_remaining_counts_down(monkeypatch, api, catalogue):
    monkeypatch.setattr(
        CatalogueThrottle, "THROTTLE_RATES", {"catalogue_anon": "3/minute", "catalogue_token": "10/minute"}
    )

    answers = [api.get("/api/v1/departments/") for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert [answer["RateLimit-Limit"] for answer in answers] == ["3"] * 4
    assert [answer["RateLimit-Remaining"] for answer in answers] == ["2", "1", "0", "0"]
    assert all(0 < int(answer["RateLimit-Reset"]) <= 60 for answer in answers)
    refused = answers[-1]
    assert refused["Content-Type"].startswith("application/problem+json")
    assert 0 < int(refused["Retry-After"]) <= 60


def test_an_unthrottled_answer_has_no_ratelimit_headers(client):
    response = client.get("/api/v1/certificates/jwks.json")
    assert response.status_code == 200
    assert "RateLimit-Limit" not in response
