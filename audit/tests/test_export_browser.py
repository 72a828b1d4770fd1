"""An auditor exports audit records from the admin in a real browser: the page passes axe at
1280 and 390 px, and the form downloads the CSV."""

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from common.testing.browser import official_signs_in
from identity.demo import DEMO_PASSWORD
from identity.tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
RULES = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice", "experimental"]}
}


@pytest.mark.parametrize("width", WIDTHS)
def test_an_auditor_exports_records_from_an_accessible_page(live_server, new_page, width):
    from axe_playwright_python.sync_playwright import Axe

    auditor = UserFactory(official=True, username="auditor", with_totp=True)
    auditor.set_password(DEMO_PASSWORD)
    auditor.save(update_fields=["password"])
    auditor.user_permissions.add(Permission.objects.get(codename="export_audit_records"))
    page = new_page(viewport=WIDTHS[width])
    official_signs_in(page, live_server, username="auditor")

    assert page.goto(live_server.url + "/admin/audit/auditexport/").status == 200
    results = Axe().run(page, options=RULES)
    blocking = [
        (violation["id"], [node["target"] for node in violation["nodes"]])
        for violation in results.response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]
    assert blocking == []

    today = timezone.localdate().isoformat()
    page.locator("#id_source").select_option("identity.UserEvent")
    page.locator("#id_date_from").fill(today)
    page.locator("#id_date_to").fill(today)
    page.locator("#id_reason").fill("季度审计抽查")
    with page.expect_download() as download_info:
        page.locator("input[type=submit]").click()
    download = download_info.value
    assert download.suggested_filename.startswith("audit-identity.userevent-")
    with open(download.path(), encoding="utf-8-sig") as exported:
        text = exported.read()
    assert text.startswith("记录类型,") and "identity.UserEvent" in text and "auditor" in text
