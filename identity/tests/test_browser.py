import re

import pytest
from django.core.cache import cache

from common import sms

from .factories import sandbox_identity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOBILE = "13912347777"
PASSWORD = "a-long-pass-phrase"


def test_resident_registers_verifies_and_sees_the_eid_qr(live_server, page):
    cache.clear()
    sms.outbox.clear()
    sandbox_identity("王小明", "11010519800808777X")

    page.goto(live_server.url + "/")
    # On a 390 px phone the header menu folds behind its button.
    page.get_by_role("button", name="菜单").click()
    page.get_by_role("link", name="注册").click()
    page.get_by_label("手机号码").first.fill(MOBILE)
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_selector("text=验证码已发送")
    code = sms.outbox[-1].params["code"]

    form = page.locator("form[action='/account/register/']")
    assert form.get_by_label("手机号码").input_value() == MOBILE  # carried over after sending the code
    form.get_by_label("短信验证码").fill(code)
    form.get_by_label("设置密码").fill(PASSWORD)
    form.get_by_label("确认密码").fill(PASSWORD)
    form.get_by_role("button", name="注册").click()

    page.wait_for_url(re.compile(r".*/account/verify/$"))
    assert page.get_by_text("沙箱环境").is_visible()
    page.get_by_label("姓名").fill("王小明")
    page.get_by_label("居民身份证号码").fill("11010519800808777x")
    page.get_by_role("button", name="提交核验").click()

    page.wait_for_url(re.compile(r".*/account/eid/$"))
    assert page.get_by_text("实名认证成功").is_visible()
    assert page.get_by_role("heading", name=re.compile("王小明")).is_visible()
    assert page.get_by_text("1101**********777X").first.is_visible()
    qr = page.locator("#eid-qr svg")
    qr.wait_for(state="visible")  # fetched by the page's script with a POST: the GET mints no token
    box = qr.bounding_box()
    assert box["width"] > 100 and box["height"] > 100
