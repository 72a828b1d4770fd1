import re

import pytest
from django.db import connection

from services import demo, search, selectors, transfer
from services.models import ServiceItem, SynonymGroup

pytestmark = pytest.mark.django_db


def _names(query, **filters):
    return [
        item.name for item in selectors.service_item_search(query=query, items=selectors.service_item_list(**filters))
    ]


def test_documents_hold_words_with_their_pinyin_and_initials():
    words = search.document(["营业执照"]).split()
    assert {"营业执照", "营业", "执照", "yingyezhizhao", "yyzz", "yingye", "zhizhao"} <= set(words)


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("营业执照", "企业设立登记（营业执照）"),
        ("yyzz", "企业设立登记（营业执照）"),
        ("yingyezhizhao", "企业设立登记（营业执照）"),
        ("YingYe", "企业设立登记（营业执照）"),
        ("社保卡", "社会保障卡申领"),
        ("社会保障卡", "社会保障卡申领"),
        ("sbk", "社会保障卡申领"),
        ("公租房", "公共租赁住房申请"),
        ("护照", "普通护照签发"),
        ("二手房 过户", "不动产转移登记（二手房过户）"),
        ("passport", "普通护照签发"),
        ("Marriage registration", "内地居民结婚登记"),
    ],
)
def test_search_finds_the_right_item_first(catalogue, query, first):
    assert _names(query)[0] == first


def test_exact_name_ranks_above_more_popular_matches(catalogue):
    record = next(r for r in transfer.catalogue_records() if r["code"] == "440100-RS-001")
    transfer.catalogue_import_records(records=[(1, {**record, "code": "T-1", "name": "社会保障卡", "popularity": 1})])
    assert _names("社会保障卡")[:2] == ["社会保障卡", "社会保障卡申领"]
    # An exact alias counts as the exact name.
    assert _names("公租房")[0] == "公共租赁住房申请"


def test_prefix_of_a_pinyin_word_matches(catalogue):
    assert "企业设立登记（营业执照）" in _names("yingy")


def test_synonyms_are_edited_by_officials(catalogue):
    assert _names("低收入补助") == []
    SynonymGroup.objects.create(terms="低收入补助,最低生活保障")
    from services.cache import catalogue_changed

    catalogue_changed()
    assert _names("低收入补助")[0] == "最低生活保障申请"


def test_search_filters_by_audience_department_and_region(catalogue):
    assert "个体工商户登记" in _names("登记", audience="enterprise")
    assert "个体工商户登记" not in _names("登记", audience="resident")
    assert "出生登记（新生儿入户）" in _names("登记", department="ga")
    assert all(
        item.department.code == "ga"
        for item in selectors.service_item_search(query="登记", items=selectors.service_item_list(department="ga"))
    )
    assert _names("登记", region="110000") == []


@pytest.mark.parametrize("query", ["'", "\\", "a & b | !c", "营业:* & (", "''::", "   ", "<script>", "%_"])
def test_tsquery_syntax_in_the_query_is_harmless(catalogue, query):
    found = list(selectors.service_item_search(query=query))
    # No syntax error reaches PostgreSQL, and only published items come back.
    assert set(found) <= set(selectors.published_items())


def test_search_over_ten_thousand_items_uses_the_gin_index_in_single_digit_milliseconds(catalogue):
    demo.generate_synthetic_items(count=10_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE services_serviceitem, services_serviceitemversion, services_department")
    assert ServiceItem.objects.count() > 10_000
    timings = {}
    for query in ("营业执照", "yyzz", "社保卡", "补贴申领"):
        queryset = selectors.service_item_search(query=query)[:20]
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT TEXT) " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "services_item_search_gin" in plan, plan
        planning = float(re.search(r"Planning Time: ([\d.]+) ms", plan).group(1))
        execution = float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1))
        timings[query] = (planning, execution)
        assert execution < 10, plan
    print("EXPLAIN ANALYZE over", ServiceItem.objects.count(), "items (planning, execution ms):", timings)
