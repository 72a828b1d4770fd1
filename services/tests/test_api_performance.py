"""The catalogue API at any catalogue size: constant queries, plain rows, cached answers."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from identity.tests.oauth_helpers import client_credentials_token, make_backend_application
from services import demo, selectors, services
from services.api.representations import service_item_detail, service_item_row
from services.api.serializers import ServiceItemDetailSerializer, ServiceItemSerializer
from services.cache import catalogue_changed
from services.models import ServiceItem

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/services/?page_size=50"
# One query for the page of rows (department joined, only the columns shown); none when cached.
LIST_QUERIES = 1
# The item with its department and version, then life events, topics, bundles and the
# five parts of the guide; none when cached.
DETAIL_QUERIES = 9


def _as_json(data):
    return json.loads(json.dumps(data))


def _queries(api, url, **extra) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(url, **extra)
    assert response.status_code == 200, response.content
    return len(captured), response.json()


def test_plain_rows_and_guides_match_the_documented_serializers(catalogue):
    items = selectors.service_item_list()
    rows = [service_item_row(row) for row in items.values(*selectors.SEARCH_RESULT_FIELDS)]
    assert rows == _as_json(ServiceItemSerializer(items, many=True).data)
    for code in ("440100-BDC-001", "440100-SCJG-001", "440100-GA-005"):
        item = selectors.service_item_guide(code=code)
        assert service_item_detail(item) == _as_json(ServiceItemDetailSerializer(item).data)


@pytest.fixture(params=[10, 1000])
def catalogue_of_size(request, db) -> int:
    """A catalogue of synthetic items, laid out before the test body (and its N+1 detector)."""
    demo.seed_navigation()
    demo.generate_synthetic_items(count=request.param)
    return request.param


def test_list_and_detail_run_constant_queries_and_none_once_cached(api, catalogue_of_size):
    size = catalogue_of_size
    assert ServiceItem.objects.count() == size
    detail_url = "/api/v1/services/SYN-000001/"
    catalogue_changed()

    count, page = _queries(api, LIST_URL)
    assert count == LIST_QUERIES
    assert len(page["results"]) == min(size, 50)
    assert _queries(api, LIST_URL) == (0, page)
    if page["next"]:
        count, _next_page = _queries(api, page["next"])
        assert count == LIST_QUERIES

    count, detail = _queries(api, detail_url)
    assert count == DETAIL_QUERIES
    assert detail["code"] == "SYN-000001" and detail["guide"]["statutory_limit_days"]
    assert _queries(api, detail_url) == (0, detail)


def test_a_bearer_token_adds_only_its_own_lookup(api, catalogue):
    token = client_credentials_token(api, make_backend_application()).json()["access_token"]
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    catalogue_changed()
    assert _queries(api, LIST_URL, **bearer)[0] == LIST_QUERIES + 1
    assert _queries(api, LIST_URL, **bearer)[0] == 1
    assert _queries(api, "/api/v1/services/440100-BDC-001/", **bearer)[0] == DETAIL_QUERIES + 1
    assert _queries(api, "/api/v1/services/440100-BDC-001/", **bearer)[0] == 1


def test_publishing_invalidates_cached_answers(api, catalogue, django_capture_on_commit_callbacks):
    url = "/api/v1/services/440100-GA-005/"
    api.get(url)
    api.get(LIST_URL)
    item = ServiceItem.objects.get(code="440100-GA-005")
    draft = services.service_item_version_create_draft(item=item)
    draft.result_name = "中华人民共和国普通护照（电子）"
    draft.save(update_fields=["result_name"])
    with django_capture_on_commit_callbacks(execute=True):
        services.service_item_version_publish(version=draft)
    assert api.get(url).json()["guide"]["result_name"] == "中华人民共和国普通护照（电子）"
    assert _queries(api, LIST_URL)[0] == LIST_QUERIES


def test_an_unknown_code_is_a_404_and_not_cached(api, catalogue):
    for _attempt in range(2):
        with CaptureQueriesContext(connection) as captured:
            response = api.get("/api/v1/services/NO-SUCH/")
        assert response.status_code == 404
        assert len(captured) == 1
