"""The mandate pages in a real Chromium: keyboard only, no CSP violation."""

import datetime
import re

import pytest
from django.utils import timezone

from common.testing.browser import sign_in
from identity.models import ActingRecord, Mandate

from .factories import EnterpriseFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("identity.tests.urls_enterprises_test"),
]


def test_a_representative_grants_and_revokes_a_mandate_with_the_keyboard(live_server, page):
    representative = UserFactory(verified=True)
    enterprise = EnterpriseFactory(legal_representative=representative)
    agent = UserFactory(display_name="李四")
    problems = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if "Content Security Policy" in message.text else None,
    )
    sign_in(page, live_server, representative)

    page.goto(f"{live_server.url}/identity/enterprises/{enterprise.pk}/agents/")
    assert page.locator("h1").inner_text() == "经办人与授权"
    # Labels name the inputs, so assistive technology and keyboard users find them by name.
    page.get_by_label("经办人手机号码").focus()
    page.keyboard.type(agent.mobile)
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # tick 全部事项
    assert page.get_by_label("全部事项").is_checked()
    until = timezone.localdate() + datetime.timedelta(days=30)
    page.get_by_label("有效期至").fill(until.isoformat())
    with page.expect_navigation():
        page.get_by_label("有效期至").press("Enter")

    assert "已授权经办人李四" in page.locator(".messages").inner_text()
    mandate = Mandate.objects.get()
    assert (mandate.agent, mandate.all_services) == (agent, True)

    # The button's accessible name says whose mandate it revokes.
    revoke = page.get_by_role("button", name=re.compile(r"撤销授权\s*（李四）"))
    revoke.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert Mandate.objects.get().revoked_at is not None
    assert page.get_by_role("button", name=re.compile("撤销授权")).count() == 0
    assert ActingRecord.objects.filter(principal_enterprise=enterprise, actor=representative).count() == 2
    assert problems == []


def test_a_resident_disputes_a_registration_with_the_keyboard(live_server, page):
    from identity.models import EnterpriseDispute

    holder_enterprise = EnterpriseFactory()
    disputant = UserFactory(verified=True)
    problems = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if "Content Security Policy" in message.text else None,
    )
    sign_in(page, live_server, disputant)

    page.goto(f"{live_server.url}/identity/enterprises/disputes/")
    assert page.locator("h1").inner_text() == "企业登记异议"
    page.get_by_label("统一社会信用代码").focus()
    page.keyboard.type(holder_enterprise.uscc)
    page.keyboard.press("Tab")
    page.keyboard.type("我是该企业的法定代表人，可以提供营业执照。")
    submit = page.get_by_role("button", name="提交异议")
    submit.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert "异议已提交" in page.locator(".messages").inner_text()
    assert EnterpriseDispute.objects.get().disputant == disputant
    assert holder_enterprise.name in page.locator("table").inner_text()
    assert problems == []
