import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from identity.tests.factories import UserFactory
from services import demo, services
from services.cache import catalogue_changed
from services.models import ServiceItem

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return response.content.decode()


def test_home_page_shows_search_hot_services_life_events_topics_bundles_and_departments(client, catalogue):
    html = _text(client.get("/"))
    assert 'role="search"' in html
    assert '<label for="q"' in html
    assert "热门服务" in html and "企业设立登记（营业执照）" in html
    for name in ("出生", "身后事", "开办", "注销", "企业开办", "不动产登记", "新生儿出生一件事", "广州市公安局"):
        assert name in html


def test_guide_page_shows_every_standard_element(client, catalogue):
    response = client.get("/services/440100-SCJG-005/")
    assert response.status_code == 200
    html = _text(response)
    for section in (
        "basic",
        "conditions",
        "materials",
        "fees",
        "time-limits",
        "special-steps",
        "visits",
        "process",
        "result",
        "contact",
        "faq",
    ):
        assert f'id="{section}"' in html
    for text in (
        "440100-SCJG-005",
        "v1",
        "行政许可",
        "法人",
        "广州市市场监督管理局",
        "《中华人民共和国食品安全法》第三十五条",
        "食品经营许可申请书",
        "电子材料",
        "必要",
        "不收费",
        "10 个工作日",
        "3 个工作日",
        "比法定时限缩短 70%",
        "现场核查",
        "不计入办理时限",
        "0 次（全程网办）",
        "四级：全程网办",
        "网站、移动端、窗口",
        "网上申请",
        "证照",
        "食品经营许可证",
        "020-12315",
        "020-12345",
        "可以委托他人办理吗？",
        "在线办理",
    ):
        assert text in html, text
    assert 'href="/applications/new/440100-SCJG-005/"' in html


def test_guide_page_shows_fees_in_yuan_and_e_certificate_substitutes(client, catalogue):
    html = _text(client.get("/services/440100-BDC-001/"))
    assert "不动产登记费（住宅）：80.00 元" in html
    assert "可用电子证照代替" in html
    assert "1 次" in html


def test_navigation_pages_list_their_items(client, catalogue):
    assert "出生登记（新生儿入户）" in _text(client.get("/departments/ga/"))
    assert "出生医学证明首次签发" in _text(client.get("/life-events/birth/"))
    assert "企业注销登记" in _text(client.get("/life-events/close/"))
    assert "不动产抵押登记" in _text(client.get("/topics/real-estate/"))
    bundle = _text(client.get("/bundles/newborn/"))
    assert "社会保障卡申领" in bundle and "广州市卫生健康委员会" in bundle and "广州市公安局" in bundle
    for url in ("/services/NOPE/", "/departments/nope/", "/life-events/nope/", "/topics/nope/", "/bundles/nope/"):
        assert client.get(url).status_code == 404


def test_search_page_ranks_and_filters(client, catalogue):
    html = _text(client.get("/search/", {"q": "yyzz"}))
    names = re.findall(r'class="item-card__name"[^>]*>([^<]+)<', html)
    assert names[0] == "企业设立登记（营业执照）"
    html = _text(client.get("/search/", {"q": "登记", "audience": "resident", "department": "ga"}))
    names = re.findall(r'class="item-card__name"[^>]*>([^<]+)<', html)
    assert names and "个体工商户登记" not in names and "出生登记（新生儿入户）" in names
    assert "没有找到相关服务" in _text(client.get("/search/", {"q": "完全不存在的事项名称"}))


def test_suggestions_answer_json_while_typing(client, catalogue):
    suggestions = client.get("/search/suggest/", {"q": "社保"}).json()["suggestions"]
    assert suggestions[0]["name"] == "社会保障卡申领"
    assert client.get("/search/suggest/", {"q": ""}).json() == {"suggestions": []}


def test_english_pages_use_english_names(client, catalogue):
    html = _text(client.get("/en/services/440100-GA-005/"))
    assert "Ordinary passport issuance" in html
    assert "Guangzhou Public Security Bureau" in html


@pytest.mark.parametrize(
    "url", ["/", "/search/?q=营业执照", "/services/440100-SCJG-001/", "/departments/ga/", "/bundles/newborn/"]
)
def test_anonymous_pages_set_no_cookie_and_are_served_from_the_cache(client, catalogue, url, django_assert_num_queries):
    catalogue_changed()
    first = client.get(url)
    assert first.status_code == 200
    assert first.cookies == {}
    assert "Cookie" not in first.get("Vary", "")
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second.content == first.content
    assert second["Content-Security-Policy"]


def test_publishing_invalidates_cached_pages(client, catalogue, django_capture_on_commit_callbacks):
    client.get("/services/440100-GA-005/")
    item = ServiceItem.objects.get(code="440100-GA-005")
    draft = services.service_item_version_create_draft(item=item)
    draft.result_name = "中华人民共和国普通护照（电子）"
    draft.save(update_fields=["result_name"])
    # The test's transaction never commits: run the publication's on-commit callbacks.
    with django_capture_on_commit_callbacks(execute=True):
        services.service_item_version_publish(version=draft)
    assert "中华人民共和国普通护照（电子）" in _text(client.get("/services/440100-GA-005/"))


def test_logged_in_visitors_are_not_served_cached_pages(client, catalogue):
    client.get("/")
    client.force_login(UserFactory())
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    assert any("services_serviceitem" in query["sql"] for query in captured.captured_queries)


def _count_queries(client, url) -> int:
    catalogue_changed()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/", 5),
        # 10: the guide also names the intermediary services the item needs (中介超市), one query.
        ("/services/SYN-000001/", 10),
        ("/search/?q=申领", 7),
        ("/departments/ga/", 2),
        ("/life-events/birth/", 2),
    ],
)
def test_pages_run_the_same_queries_with_10_and_1000_items(client, url, expected, django_assert_num_queries):
    demo.seed_navigation()
    demo.generate_synthetic_items(count=10)
    ServiceItem.objects.filter(code__startswith="SYN-").first().life_events.set(
        demo.LifeEvent.objects.filter(code="birth")
    )
    small = _count_queries(client, url)
    assert small == expected
    demo.generate_synthetic_items(count=1000)
    for item in ServiceItem.objects.filter(code__startswith="SYN-")[:500]:
        item.life_events.add(*demo.LifeEvent.objects.filter(code="birth"))
    assert ServiceItem.objects.count() == 1000

    catalogue_changed()
    with django_assert_num_queries(small):
        assert client.get(url).status_code == 200


def test_a_pending_flash_message_bypasses_the_page_cache(client, catalogue):
    client.get("/")
    client.cookies["messages"] = "pending"
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    assert any("services_serviceitem" in query["sql"] for query in captured.captured_queries)
