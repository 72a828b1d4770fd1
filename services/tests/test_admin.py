import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from identity.tests.factories import UserFactory, login_with_totp
from services import transfer
from services.constants import VersionStatus
from services.models import ServiceItem, ServiceItemVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client, catalogue):
    user = UserFactory(official=True, is_superuser=True, username="catalogue-admin")
    login_with_totp(client, user)  # the admin requires a second factor
    return user


def test_admin_lists_items_and_edits_a_version_with_inline_parts(client, manager):
    assert "企业设立登记（营业执照）" in client.get("/admin/services/serviceitem/").content.decode()
    version = ServiceItem.objects.get(code="440100-SCJG-001").published_version
    page = client.get(f"/admin/services/serviceitemversion/{version.pk}/change/").content.decode()
    for inline in ("申请材料", "收费项目", "办理流程", "特别程序", "常见问题"):
        assert inline in page
    # Published versions are read-only history: no save button.
    assert 'name="_save"' not in page


def test_admin_creates_a_draft_and_publishes_it(client, manager):
    item = ServiceItem.objects.get(code="440100-GA-005")
    client.post("/admin/services/serviceitem/", {"action": "create_draft", "_selected_action": [item.pk]}, follow=True)
    draft = item.versions.get(status=VersionStatus.DRAFT)
    page = client.get(f"/admin/services/serviceitemversion/{draft.pk}/change/").content.decode()
    assert 'name="_save"' in page
    response = client.post(
        "/admin/services/serviceitemversion/", {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )
    # 15 → 7 working days is a 53% cut, short of the 60% target: published, with a warning.
    assert "承诺时限仅比法定时限缩短 53%，低于 60% 的目标" in response.content.decode()
    item.refresh_from_db()
    assert item.published_version == draft
    draft.refresh_from_db()
    assert draft.published_by == manager
    assert item.versions.get(version=1).status == VersionStatus.SUPERSEDED


def test_admin_import_reports_the_bad_line_and_changes_nothing(client, manager):
    records = json.loads(transfer.catalogue_export(fmt="json"))
    records[0]["name"] = "不应被导入的新名称"
    records[2]["steps"] = []
    content = "[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n]\n"
    response = client.post(
        "/admin/services/serviceitem/import/",
        {"fmt": "json", "file": SimpleUploadedFile("catalogue.json", content.encode())},
    )
    html = response.content.decode()
    assert "第 4 行" in html and "steps" in html
    assert not ServiceItem.objects.filter(name="不应被导入的新名称").exists()


def test_admin_import_and_export_round_trip(client, manager):
    exported = client.get("/admin/services/serviceitem/export/csv/")
    assert exported["Content-Disposition"] == 'attachment; filename="catalogue.csv"'
    versions = ServiceItemVersion.objects.count()
    response = client.post(
        "/admin/services/serviceitem/import/",
        {"fmt": "csv", "file": SimpleUploadedFile("catalogue.csv", exported.content)},
        follow=True,
    )
    assert "未变 67 项" in response.content.decode()
    assert ServiceItemVersion.objects.count() == versions


def test_an_admin_added_topic_is_searchable_through_its_items(client, manager, django_capture_on_commit_callbacks):
    from services import selectors

    item = ServiceItem.objects.get(code="440100-SCJG-001")
    data = {
        "code": "night-market",
        "name": "夜间经济",
        "name_en": "",
        "description": "",
        "order": 100,
        "topicitem_set-TOTAL_FORMS": 1,
        "topicitem_set-INITIAL_FORMS": 0,
        "topicitem_set-MIN_NUM_FORMS": 0,
        "topicitem_set-MAX_NUM_FORMS": 1000,
        "topicitem_set-0-item": item.pk,
        "topicitem_set-0-order": 1,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/services/topic/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    result = selectors.catalogue_search(query="夜间经济")
    assert [found.code for found in result.items] == [item.code]
    assert ("topic", "night-market") in [(entry.kind, entry.code) for entry in result.navigation]
