"""The public marketplace API: paginated, filterable by service type, a constant number of
queries, and nothing private (no quote before the deadline, no contact phone, USCC masked)."""

import datetime
import json

import pytest

from marketplace import draw, services
from marketplace.constants import AgencyStatus, SelectionMethod

from . import factories as f

pytestmark = pytest.mark.django_db

AGENCIES = "/api/v1/marketplace/agencies/"
POSTINGS = "/api/v1/marketplace/postings/"


@pytest.fixture
def kind():
    return f.service_type(code="eia", name="环境影响评价")


def test_the_agency_directory_lists_approved_agencies_with_ratings_in_constant_queries(
    client, kind, django_assert_max_num_queries
):
    other = f.service_type(code="survey", name="工程测绘")
    listed = [f.agency(kind=kind) for _i in range(3)]
    f.agency(kind=other)
    f.agency(kind=kind, status=AgencyStatus.PENDING)
    f.selected_posting(kind=kind, objection_period_days=0)

    with django_assert_max_num_queries(4):  # agencies, their services, their valid qualifications
        response = client.get(AGENCIES, {"service_type": "eia"})
    assert response.status_code == 200
    rows = response.json()["results"]
    ids = [row["id"] for row in rows]
    assert set(ids) >= {agency.pk for agency in listed}
    assert len(ids) == 5  # three above and the two bidders, none pending, none of another type
    row = next(row for row in rows if row["id"] == listed[0].pk)
    assert row["services"][0]["service_type"] == {"code": "eia", "name": "环境影响评价"}
    assert row["services"][0]["fee_range"] == "100.00–50000.00"
    assert row["qualifications"][0]["grade_label"] == "甲级"
    assert row["rating_count"] == 0
    assert row["rating_average"] is None
    assert "*" in row["uscc_masked"]
    body = response.content.decode()
    assert "020-12345678" not in body  # the contact phone
    assert "contact" not in body

    more = [f.agency(kind=kind) for _i in range(10)]
    with django_assert_max_num_queries(4):
        response = client.get(AGENCIES, {"service_type": "eia", "page_size": 20})
    assert len(response.json()["results"]) == 5 + len(more)


def test_an_unknown_service_type_is_a_problem(client, kind):
    response = client.get(AGENCIES, {"service_type": "nope"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")


def test_postings_never_show_quotes_or_their_count_before_the_deadline(client, kind, django_assert_max_num_queries):
    posting = f.posting(kind=kind, method=SelectionMethod.RANDOM_DRAW)
    bidders = [f.agency(kind=kind) for _i in range(2)]
    f.quote(posting, bidders[0], 12_345_67)
    f.quote(posting, bidders[1], 23_456_78)
    f.posting(kind=kind, publish=False)  # a draft: never public

    with django_assert_max_num_queries(2):
        response = client.get(POSTINGS)
    [row] = response.json()["results"]
    assert row["reference"] == posting.reference
    assert row["quote_count"] is None
    assert row["result"] is None
    assert row["draw_seed_hash"] == draw.seed_hash(posting.draw_seed)
    body = response.content.decode()
    assert posting.draw_seed not in body  # the seed itself waits for the result
    for amount in ("1234567", "2345678", "12345.67", "23456.78"):
        assert amount not in body
    for bidder in bidders:
        assert bidder.enterprise.name not in body


def test_a_published_result_shows_everything_needed_to_verify_the_draw(client, kind, django_assert_max_num_queries):
    for _i in range(3):
        f.selected_posting(kind=kind, method=SelectionMethod.RANDOM_DRAW, bidders=3)
    # The service type, the postings, their results (with agency and enterprise).
    with django_assert_max_num_queries(3):
        response = client.get(POSTINGS, {"service_type": "eia", "status": "selected"})
    rows = response.json()["results"]
    assert len(rows) == 3
    for row in rows:
        result = row["result"]
        assert row["quote_count"] == 3
        assert draw.seed_hash(result["seed"]) == row["draw_seed_hash"] == result["seed_hash"]
        assert draw.draw_winner(result["seed"], result["candidates"]) == result["winning_quote"]


def test_postings_paginate_and_filter(client, kind):
    other = f.service_type(code="survey")
    for _i in range(3):
        f.posting(kind=kind)
    f.posting(kind=other)
    first = client.get(POSTINGS, {"service_type": "eia", "page_size": 2}).json()
    assert len(first["results"]) == 2
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1
    assert client.get(POSTINGS, {"status": "draft"}).status_code == 400


def test_the_api_writes_nothing_and_leaks_no_contact_after_a_contract(client, kind):
    posting, _agencies = f.selected_posting(kind=kind, objection_period_days=0)
    services.contract_record(
        actor=posting.buyer_enterprise.legal_representative,
        posting=posting,
        amount_fen=40_000_00,
        start_date=datetime.date(2026, 12, 1),
        end_date=datetime.date(2027, 1, 1),
    )
    body = json.dumps(client.get(POSTINGS).json(), ensure_ascii=False)
    assert posting.buyer_enterprise.legal_representative.mobile not in body
    assert "020-12345678" not in body
