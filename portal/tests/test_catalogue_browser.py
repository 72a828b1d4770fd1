import pytest

from common.testing.database import seeded_once
from services import demo
from services.cache import catalogue_changed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The tests only read the catalogue: it is seeded once for the module and put back before each test.
_catalogue_snapshot, demo_catalogue = seeded_once(demo.seed, name="demo_catalogue")


@pytest.fixture
def seeded(demo_catalogue):
    catalogue_changed()


def _watch_csp(page) -> list[str]:
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return violations


@pytest.mark.parametrize(
    ("query", "first"),
    [("营业执照", "企业设立登记（营业执照）"), ("yyzz", "企业设立登记（营业执照）"), ("社保卡", "社会保障卡申领")],
)
def test_searching_finds_the_right_item_first(live_server, page, seeded, query, first):
    violations = _watch_csp(page)
    page.goto(live_server.url + "/")
    page.get_by_label("搜索服务").fill(query)
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=*")
    assert page.locator(".results .item-card__name").first.inner_text() == first
    assert violations == []


def test_suggestions_appear_while_typing(live_server, page, seeded):
    page.goto(live_server.url + "/")
    page.get_by_label("搜索服务").press_sequentially("sbk", delay=30)
    suggestion = page.locator("#suggestions a").first
    suggestion.wait_for()
    assert suggestion.inner_text() == "社会保障卡申领"
    suggestion.click()
    page.wait_for_url("**/services/440100-RS-001/")


def test_guide_page_shows_every_standard_element(live_server, page, seeded):
    violations = _watch_csp(page)
    page.goto(live_server.url + "/services/440100-SCJG-005/")
    assert page.locator("h1").inner_text() == "食品经营许可证核发"
    for heading in (
        "基本信息",
        "受理条件",
        "申请材料",
        "收费标准",
        "办理时限",
        "特别程序",
        "办理方式",
        "办理流程",
        "办理结果",
        "咨询与投诉",
        "常见问题",
    ):
        assert page.get_by_role("heading", name=heading, exact=True).is_visible(), heading
    basic = page.locator("#basic").inner_text()
    for text in ("440100-SCJG-005", "行政许可", "法人", "广州市市场监督管理局", "食品安全法"):
        assert text in basic
    assert page.get_by_role("row", name="食品经营许可申请书").is_visible()
    assert "不收费" in page.locator("#fees").inner_text()
    limits = page.locator("#time-limits").inner_text()
    assert "10 个工作日" in limits and "3 个工作日" in limits
    assert "现场核查" in page.locator("#special-steps").inner_text()
    assert "全程网办" in page.locator("#visits").inner_text()
    assert "食品经营许可证" in page.locator("#result").inner_text()
    assert "020-12315" in page.locator("#contact").inner_text()
    page.get_by_text("可以委托他人办理吗？").click()
    # SCJG-005 is fully online: its delegation answer no longer asks for a visit (issue 10).
    assert page.get_by_text("受托人登录通办后以代办身份在线提交").is_visible()
    assert page.get_by_role("link", name="在线办理").is_visible()

    # Printable: the guide without the site's header, search and buttons.
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.get_by_role("link", name="在线办理").is_visible()
    assert page.locator("#materials").is_visible()
    assert violations == []


def test_elder_mode_enlarges_the_type_and_is_remembered(live_server, page, seeded):
    violations = _watch_csp(page)
    page.goto(live_server.url + "/services/440100-RS-001/")

    def font_size(selector: str) -> float:
        return float(page.eval_on_selector(selector, "el => parseFloat(getComputedStyle(el).fontSize)"))

    body_before, heading_before = font_size("body"), font_size("h1")
    switch = page.get_by_role("button", name="长辈模式")
    assert switch.get_attribute("aria-pressed") == "false"
    switch.click()
    assert switch.get_attribute("aria-pressed") == "true"
    assert font_size("body") >= body_before * 1.2
    assert font_size("h1") >= heading_before * 1.2

    page.goto(live_server.url + "/")
    assert font_size("body") >= body_before * 1.2
    assert page.get_by_role("button", name="长辈模式").get_attribute("aria-pressed") == "true"
    page.get_by_role("button", name="长辈模式").click()
    assert font_size("body") == body_before
    assert violations == []


@pytest.mark.parametrize(
    "path", ["/", "/search/?q=社保卡", "/services/440100-BDC-001/", "/bundles/newborn/", "/en/services/440100-GA-005/"]
)
@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
def test_pages_pass_axe_wcag_2_1_aa(live_server, page, seeded, path, elder):
    from axe_playwright_python.sync_playwright import Axe

    if elder:
        page.context.add_cookies([{"name": "tb_elder", "value": "1", "url": live_server.url}])
    page.goto(live_server.url + path)
    results = Axe().run(
        page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    )
    assert results.violations_count == 0, results.generate_report()
