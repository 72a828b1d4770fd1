"""The supervisor queue in a real Chromium on the demo data: official-amr finds the red card,
explains it and closes it; the queue and the card's page pass axe at 1280 and 390 px."""

import pytest

from common.testing.browser import official_signs_in
from complaints.tests.test_evaluation_browser import _assert_accessible
from supervision.constants import CardStatus, Colour
from supervision.models import SupervisionCard

pytestmark = [pytest.mark.browser]
QUEUE = "/admin/supervision/supervisioncard/"


def test_official_amr_explains_and_closes_the_red_card(live_server, new_page, demo_data):
    card = SupervisionCard.objects.get(department__code="scjg", colour=Colour.RED)
    case_number = card.application.case_number

    # One sign-in: a TOTP code is accepted once.
    official = new_page(viewport={"width": 390, "height": 844})
    official_signs_in(official, live_server)
    official.goto(live_server.url + QUEUE, wait_until="load")
    _assert_accessible(official, "supervisor queue at 390 px")
    official.goto(f"{live_server.url}{QUEUE}{card.pk}/change/", wait_until="load")
    _assert_accessible(official, "card page at 390 px")

    official.set_viewport_size({"width": 1280, "height": 900})
    official.goto(live_server.url + QUEUE, wait_until="load")
    _assert_accessible(official, "supervisor queue at 1280 px")
    assert "红牌" in official.locator("#result_list").inner_text()
    with official.expect_navigation(wait_until="load"):
        official.get_by_role("link", name=case_number).click()
    official.get_by_label("情况说明（原因及整改措施）").wait_for()
    _assert_accessible(official, "card page at 1280 px")
    official.get_by_label("情况说明（原因及整改措施）").fill("现场核查排期延误，已安排今日完成审查。")
    official.get_by_role("button", name="提交情况说明").click()
    official.get_by_text("已完成：提交情况说明").wait_for()
    official.get_by_role("button", name="关闭督办单").click()
    official.get_by_text("已完成：关闭督办单").wait_for()

    card.refresh_from_db()
    assert card.status == CardStatus.CLOSED
    assert card.note == "现场核查排期延误，已安排今日完成审查。"
