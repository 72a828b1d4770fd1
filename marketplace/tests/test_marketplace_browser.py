"""The marketplace walk in a real Chromium, on the demo data (seed_demo): the demo enterprise's
representative (13800138000) finds the agencies an approval needs from its service guide, posts
a project to be given by random draw, two demo agencies (13800138101, 13800138102) quote on it
from their own space, nobody sees a quote before the deadline, the deadline passes (the test
moves it: the clock, not the rules), the buyer runs the draw, and the result shows on the
public page with its seed, the bidders and the check that re-runs the draw. Axe checks the
directory, the post form, the posting page and the agency's quote page at 390 and 1280 px."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from common.testing.browser import sign_in
from marketplace import draw
from marketplace.constants import PostingStatus
from marketplace.models import Posting

pytestmark = [pytest.mark.browser]
# As portal/tests/test_axe_every_page_browser.py: serious or critical violations fail.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice", "experimental"]}
}
DESKTOP = {"width": 1280, "height": 900}
BUYER = "13800138000"
AGENCIES = (("13800138101", "98000"), ("13800138102", "95500"))
GUIDE_ITEM = "440100-ZRZY-003"  # needs an environmental impact report (marketplace/fixtures/demo.yaml)
TITLE = "门店油烟净化改造环境影响评价"


def _assert_accessible(page, where: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=AXE_OPTIONS)
    blocking = [
        violation for violation in results.response["violations"] if violation.get("impact") in ("serious", "critical")
    ]
    assert blocking == [], f"{where}\n{results.generate_report()}"


def _user(username: str):
    return get_user_model().objects.get(username=username)


def _click(page, locator) -> None:
    with page.expect_navigation(wait_until="load"):
        locator.click()


def test_a_project_is_posted_quoted_drawn_and_published(live_server, new_page, demo_data):
    buyer = new_page()
    sign_in(buyer, live_server, _user(BUYER))

    # The guide of an approval that needs an environmental impact report leads to the agencies.
    buyer.goto(f"{live_server.url}/services/{GUIDE_ITEM}/")
    _click(buyer, buyer.get_by_role("link", name="查找环境影响评价中介机构"))
    assert buyer.url.endswith("/marketplace/agencies/?type=eia")
    directory = buyer.get_by_test_id("agency-list").inner_text()
    assert "广州通办环境科技咨询有限公司" in directory and "广州新锐工程咨询有限公司" not in directory  # pending
    assert "有效期至" in directory
    _assert_accessible(buyer, "agency directory, 390 px")

    # The main menu leads to the marketplace, and from there to the post form.
    buyer.goto(f"{live_server.url}/")
    menu = buyer.get_by_role("button", name="菜单")
    if menu.is_visible():
        menu.click()
    _click(buyer, buyer.get_by_role("navigation", name="主导航").get_by_role("link", name="中介超市", exact=True))
    _click(buyer, buyer.get_by_role("link", name="发布项目"))
    assert buyer.url.endswith("/my/marketplace/postings/new/")
    _assert_accessible(buyer, "post form, 390 px")

    deadline = timezone.localtime(timezone.now() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    buyer.get_by_label("中介服务类型").select_option(label="环境影响评价")
    buyer.get_by_label("项目名称").fill(TITLE)
    buyer.get_by_label("服务内容").fill("两家门店油烟净化设施改造项目的环境影响登记表编制。")
    buyer.get_by_label("预算上限（元）").fill("abc")
    buyer.get_by_label("报价截止时间").fill(deadline)
    buyer.get_by_label("随机抽取").check()
    _click(buyer, buyer.get_by_role("button", name="发布", exact=True))
    # A mistyped budget is refused on its field; what was typed stays.
    assert buyer.locator("#id_budget_error").is_visible()
    assert buyer.get_by_label("项目名称").input_value() == TITLE
    _assert_accessible(buyer, "post form with an error, 390 px")
    buyer.get_by_label("预算上限（元）").fill("120000")
    _click(buyer, buyer.get_by_role("button", name="发布", exact=True))

    posting = Posting.objects.get(title=TITLE)
    assert posting.status == PostingStatus.OPEN
    assert buyer.url.endswith(f"/my/marketplace/postings/{posting.reference}/")
    assert buyer.get_by_test_id("seed-hash").inner_text() == posting.draw_seed_hash
    assert "包括项目业主" in buyer.get_by_test_id("buyer-quotes-hidden").inner_text()

    # Two demo agencies find it among the postings they may quote on, and quote.
    for username, amount in AGENCIES:
        agency_page = new_page()
        sign_in(agency_page, live_server, _user(username))
        agency_page.goto(f"{live_server.url}/my/marketplace/")
        _click(agency_page, agency_page.locator("[data-testid^=my-agency-] a").first)
        _click(agency_page, agency_page.get_by_test_id("open-postings").get_by_role("link", name=TITLE))
        agency_page.get_by_label("报价（元）").fill(amount)
        agency_page.get_by_label("服务方案说明（选填）").fill("现场踏勘后编制登记表，10个工作日完成。")
        _click(agency_page, agency_page.get_by_role("button", name="提交报价"))
        assert "报价已提交" in agency_page.locator(".messages").inner_text()
        assert f"{amount}.00 元" in agency_page.get_by_test_id("my-quote").inner_text()
        other_amount = next(other for name, other in AGENCIES if name != username)
        assert other_amount not in agency_page.locator("main").inner_text()
        if username == AGENCIES[0][0]:
            _assert_accessible(agency_page, "agency's quote page, 390 px")

    # Before the deadline nobody sees a quote or how many there are: not the public, not the buyer.
    public = new_page()
    public.goto(f"{live_server.url}/marketplace/postings/{posting.reference}/")
    assert "不公开报价数量" in public.get_by_test_id("quote-count").inner_text()
    public_text = public.locator("main").inner_text()
    assert "98000" not in public_text and "95500" not in public_text
    _assert_accessible(public, "posting page before the deadline, 390 px")
    buyer.reload()
    assert "98000" not in buyer.locator("main").inner_text()

    # The deadline passes; the buyer sees the quotes and runs the draw.
    Posting.objects.filter(pk=posting.pk).update(quote_deadline=timezone.now() - datetime.timedelta(minutes=1))
    buyer.reload()
    quotes = buyer.get_by_test_id("buyer-quotes").inner_text()
    assert "98000.00" in quotes and "95500.00" in quotes
    _click(buyer, buyer.get_by_role("button", name="进行随机抽取"))
    assert "选取结果已公示" in buyer.locator(".messages").inner_text()
    posting.refresh_from_db()
    result = posting.result
    assert posting.status == PostingStatus.SELECTED
    assert result.quote_id == draw.draw_winner(result.seed, result.candidates)
    assert draw.seed_hash(result.seed) == posting.draw_seed_hash

    # The public page shows the result, the published seed, the bidders and the check.
    public.reload()
    assert public.get_by_test_id("draw-seed").first.inner_text() == result.seed
    assert public.get_by_test_id("result-agency").first.inner_text() == result.agency.name
    assert public.get_by_test_id("draw-check").first.inner_text().startswith("一致")
    bidders = public.get_by_test_id("bidders").inner_text()
    assert "98000.00" in bidders and "95500.00" in bidders
    candidates = [
        int(value) for value in re.findall(r"\d+", public.get_by_test_id("draw-candidates").first.inner_text())
    ]
    assert candidates == sorted(result.candidates)
    public.get_by_text("如何自行复核").click()
    assert result.seed in public.locator(".market-verify").inner_text()
    _assert_accessible(public, "posting page with its result, 390 px")
    public.goto(f"{live_server.url}/marketplace/results/")
    assert result.agency.name in public.get_by_test_id(f"result-{posting.reference}").inner_text()

    desktop = new_page(viewport=DESKTOP)
    sign_in(desktop, live_server, _user(BUYER))
    for url, where in (
        ("/marketplace/agencies/?type=eia", "agency directory"),
        ("/my/marketplace/postings/new/", "post form"),
        (f"/marketplace/postings/{posting.reference}/", "posting page"),
        (f"/my/marketplace/postings/{posting.reference}/", "buyer's posting page"),
        ("/my/marketplace/", "my marketplace"),
        ("/marketplace/", "marketplace home"),
    ):
        desktop.goto(f"{live_server.url}{url}")
        _assert_accessible(desktop, f"{where}, 1280 px")
