"""In a real browser: the demo resident pays the passport fee at the sandbox cashier and sees the
receipt; a real Celery worker delivers the sandbox's signed notification over HTTP, and the case
moves on to review by itself."""

import io
import re

import pytest
from django.core.management import call_command

from applications.constants import Status
from applications.models import Application
from common.testing.browser import wait_for
from payments.constants import OrderStatus
from payments.models import PaymentOrder

pytestmark = [pytest.mark.browser, pytest.mark.celery_worker]


def test_demo_resident_pays_the_passport_fee_at_the_sandbox_cashier(live_server, new_page, celery_worker_process):
    call_command("seed_demo", stdout=io.StringIO())
    order = PaymentOrder.objects.get(user__username="13800138000", subject="普通护照签发")
    case = Application.objects.get(pk=int(order.reference.removeprefix("application:")))
    assert case.status == Status.ACCEPTED

    page = new_page()
    page.goto(live_server.url + "/account/login/")
    page.get_by_label("手机号码或用户名").fill("13800138000")
    page.get_by_label("密码").fill("tongban-demo")
    page.get_by_role("button", name="登录").click()

    # The case page shows the fee and 去支付.
    page.goto(live_server.url + f"/my/applications/{case.case_number}/")
    fee = page.locator("section[aria-labelledby=fee-title]")
    assert fee.get_by_text("普通护照工本费").is_visible()
    assert fee.get_by_text("¥120.00").is_visible()
    fee.get_by_role("button", name="去支付").click()

    # The sandbox cashier, labelled as such; the payer chooses to pay.
    page.wait_for_url(re.compile(r".*/sandbox/payments/alipay/gateway\.do\?.*"))
    assert page.get_by_text("沙箱 SANDBOX").first.is_visible()
    page.get_by_role("button", name="确认付款（沙箱）").click()
    page.wait_for_url(re.compile(rf".*/my/orders/{order.out_trade_no}/$"))

    # The worker posts the signed notification to our notify URL; the event relay does the rest.
    # It first works through what seed_demo queued (the demo certificates' PDFs, the demo's
    # messages), which on a loaded CI machine can take more than a minute: hence the long wait.
    assert wait_for(lambda: PaymentOrder.objects.get(pk=order.pk).status == OrderStatus.PAID, timeout=240), (
        celery_worker_process.log()[-3000:]
    )
    assert wait_for(lambda: Application.objects.get(pk=case.pk).status == Status.IN_REVIEW), (
        celery_worker_process.log()[-3000:]
    )

    page.goto(live_server.url + "/my/orders/")
    receipt_number = PaymentOrder.objects.get(pk=order.pk).receipt.number
    page.get_by_role("link", name=receipt_number).click()
    assert page.locator(".receipt-number").inner_text() == receipt_number
    assert page.get_by_text("普通护照工本费").is_visible()
