"""The search page: items with topics, bundles, life events and departments
beside them, a "more" link instead of a count, and suggestions when nothing matched."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from services import demo
from services.cache import catalogue_changed
from services.models import ServiceItem

pytestmark = pytest.mark.django_db


def _html(client, path="/search/", **params) -> str:
    response = client.get(path, params)
    assert response.status_code == 200
    return response.content.decode()


def _names(html: str) -> list[str]:
    return re.findall(r'class="item-card__name"[^>]*>([^<]+)<', html)


@pytest.mark.parametrize("query", ["企业开办", "开办企业", "注册公司"])
def test_each_phrasing_shows_the_item_and_the_topic_on_the_first_page(client, catalogue, query):
    html = _html(client, q=query)
    assert "企业设立登记（营业执照）" in _names(html)[:20]
    assert 'href="/topics/enterprise-start/"' in html
    assert re.search(r'<span class="badge">专栏</span> 企业开办</a>', html)


def test_a_long_result_links_to_more_instead_of_counting(client, catalogue):
    demo.generate_synthetic_items(count=60)
    html = _html(client, q="申领")
    assert len(_names(html)) == 20
    assert "更多结果" in html and "找到" not in html and 'page=2"' in html
    second = _html(client, q="申领", page=2)
    assert "上一页" in second and not set(_names(html)) & set(_names(second))
    # A page past the end says so and leads back; a nonsense page number is page 1.
    assert "没有更多结果了" in _html(client, q="申领", page=50)
    assert _names(_html(client, q="申领", page="x")) == _names(html)


def test_a_short_result_says_how_many_were_found(client, catalogue):
    html = _html(client, q="护照")
    assert f"找到 {len(_names(html))} 项服务" in html


def test_an_empty_result_suggests_a_respelling_topics_and_popular_services(client, catalogue):
    html = _html(client, q="营叶执照")
    assert "没有找到相关服务" in html
    assert re.search(r'您是不是要找：<a href="\?q=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7[^"]*"[^>]*>营业执照</a>', html)
    assert "相近的专栏" in html and "热门服务" in html
    assert "企业设立登记（营业执照）" in html


def test_the_english_page_names_entries_in_english(client, catalogue):
    html = _html(client, "/en/search/", q="企业开办")
    assert "Starting a business" in html and "Related topics, bundles and departments" in html
    assert "Topic" in html


@pytest.mark.parametrize("query", ["社保", "营叶执照"])
def test_the_search_page_runs_the_same_queries_with_70_and_700_items(client, catalogue, query):
    def queries(nonce: str) -> tuple[int, int]:
        catalogue_changed()
        with CaptureQueriesContext(connection) as cold:
            _html(client, q=query, n=f"cold{nonce}")
        with CaptureQueriesContext(connection) as warm:
            _html(client, q=query, n=f"warm{nonce}")  # a new URL: not served from the page cache
        assert not any("COUNT(" in q["sql"].upper() for q in warm.captured_queries)
        return len(cold), len(warm)

    demo.generate_synthetic_items(count=3)
    small = queries("70")
    assert small[1] == (1 if query == "社保" else 2)
    demo.generate_synthetic_items(count=633)
    assert ServiceItem.objects.count() == 700
    assert queries("700") == small
