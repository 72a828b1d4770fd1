"""English is English: under /en/ the resident sees the catalogue's English names, messages reach each
recipient in their own language, and a guide says once that its texts exist only in Chinese."""

import pytest
from django.test import Client

from applications.constants import Status
from applications.tests import factories
from notifications.models import InboxMessage
from notifications.services import outbox_due_ids, outbox_message_deliver

pytestmark = pytest.mark.django_db


@pytest.fixture
def item():
    item = factories.published_item(name="测试许可事项")
    item.name_en = "Test permit"
    item.save(update_fields=["name_en"])
    item.department.name_en = "Test Bureau"
    item.department.save(update_fields=["name_en"])
    return item


def _deliver_outbox() -> None:
    for message_id in outbox_due_ids(grace_seconds=0):
        outbox_message_deliver(message_id=message_id)


def test_english_pages_show_the_catalogues_english_names(item):
    applicant = factories.resident()
    case = factories.submitted_application(applicant=applicant, item=item)
    client = Client()
    client.force_login(applicant)

    listing = client.get("/en/my/applications/").content.decode()
    assert "Test permit" in listing
    assert "测试许可事项" not in listing
    detail = client.get(f"/en/my/applications/{case.case_number}/").content.decode()
    assert "<h1>Test permit</h1>" in detail
    assert "Test Bureau" in detail
    assert "测试许可事项" not in detail

    # Chinese pages stay Chinese; an item without an English name keeps its Chinese name under /en/.
    assert "测试许可事项" in client.get("/my/applications/").content.decode()
    item.name_en = ""
    item.save(update_fields=["name_en"])
    assert "测试许可事项" in client.get("/en/my/applications/").content.decode()


def test_signing_in_on_english_pages_remembers_english():
    resident = factories.resident()
    resident.set_password("a-long-pass-phrase")
    resident.save(update_fields=["password"])
    client = Client()
    response = client.post("/en/account/login/", {"username": resident.username, "password": "a-long-pass-phrase"})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.preferred_language == "en"

    Client().post("/account/login/", {"username": resident.username, "password": "a-long-pass-phrase"})
    resident.refresh_from_db()
    assert resident.preferred_language == "zh-hans"


def test_messages_are_written_in_each_recipients_language(item):
    english = factories.resident()
    english.preferred_language = "en"
    english.save(update_fields=["preferred_language"])
    chinese = factories.resident()
    official = factories.official(department=item.department)

    # The official acts in Chinese; each applicant is told in their own language.
    english_case = factories.application_in(Status.ACCEPTED, applicant=english, item=item, official_user=official)
    chinese_case = factories.application_in(Status.ACCEPTED, applicant=chinese, item=item, official_user=official)
    _deliver_outbox()

    told_in_english = InboxMessage.objects.filter(user=english).order_by("created_at", "pk").last()
    assert told_in_english.title == f"Case {english_case.case_number}: Accepted"
    assert "Your application for Test permit" in told_in_english.body
    assert "测试" not in told_in_english.title + told_in_english.body

    told_in_chinese = InboxMessage.objects.filter(user=chinese).order_by("created_at", "pk").last()
    assert told_in_chinese.title == f"办件{chinese_case.case_number}：已受理"
    assert "测试许可事项" in told_in_chinese.body


def test_an_english_guide_says_once_that_its_texts_are_chinese_only(catalogue):
    english = Client().get("/en/services/440100-SCJG-005/").content.decode()
    assert english.count('id="chinese-only-notice"') == 1
    assert "Food business licence" in english
    assert 'id="chinese-only-notice"' not in Client().get("/services/440100-SCJG-005/").content.decode()
