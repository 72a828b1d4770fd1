import secrets

import pytest

from complaints.constants import Level
from services.api.throttles import CatalogueThrottle

from .factories import published_item, rated_case

pytestmark = pytest.mark.django_db
URL = "/api/v1/evaluations/summary/"


def test_the_summary_is_public_and_matches_the_ratings(client):
    item = published_item(department_code="ga")
    rated_case(level=Level.VERY_SATISFIED, item=item)
    rated_case(level=Level.VERY_DISSATISFIED, item=item)
    rated_case(level=Level.SATISFIED, item=published_item(department_code="rsj"))

    response = client.get(URL)
    assert response.status_code == 200
    body = response.json()
    ga = next(row for row in body["results"] if row["code"] == "ga")
    assert (ga["ratings"], ga["satisfaction_rate"], ga["followups"], ga["rectification_rate"]) == (2, 50.0, 1, 0.0)
    assert ga["items"] == [
        {
            "code": item.code,
            "name": item.name,
            "ratings": 2,
            "satisfaction_rate": 50.0,
            "followups": 1,
            "rectified": 0,
            "rectification_rate": 0.0,
        }
    ]
    assert [row["code"] for row in body["results"]] == ["ga", "rsj"]


def test_the_summary_is_paginated_by_department(client):
    for code in ("ga", "mz", "rsj"):
        rated_case(level=Level.SATISFIED, item=published_item(department_code=code))
    first = client.get(URL, {"page_size": 2}).json()
    assert [row["code"] for row in first["results"]] == ["ga", "mz"]
    second = client.get(first["next"]).json()
    assert [row["code"] for row in second["results"]] == ["rsj"]
    assert client.get(URL, {"page_size": 0}).status_code == 400


def test_anonymous_callers_are_throttled_like_the_catalogue(client, monkeypatch):
    # DRF reads the rates once, at class level; use small ones for the test.
    monkeypatch.setattr(
        CatalogueThrottle, "THROTTLE_RATES", {"catalogue_anon": "2/minute", "catalogue_token": "4/minute"}
    )
    # Counters live in the shared Redis: a fresh address per run.
    address = "10.{}.{}.{}".format(*secrets.token_bytes(3))
    assert [client.get(URL, REMOTE_ADDR=address).status_code for _ in range(3)] == [200, 200, 429]
    refused = client.get(URL, REMOTE_ADDR=address)
    assert refused["Content-Type"].startswith("application/problem+json")
    assert refused.json()["code"] == "throttled"
