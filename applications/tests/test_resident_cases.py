"""我的办件: the list, the case page, supplements, withdrawal, downloads, and the inbox."""

import re

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from applications.constants import Status
from applications.models import AccessAttempt, Application, ResultDocument, SubmittedMaterial, Transition
from applications.services import (
    application_start,
    application_transition,
    material_add_upload,
)
from applications.tests.factories import (
    official_for,
    pdf_bytes,
    pdf_upload,
    private_media_root,
    published_item,
    resident,
    submitted_application,
)
from notifications.constants import Channel, OutboxStatus
from notifications.models import InboxMessage, OutboxMessage
from notifications.services import outbox_message_deliver

pytestmark = pytest.mark.django_db

FORM = {"mobile": "13912345678", "address": "广州市越秀区府前路1号"}


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    with private_media_root(settings, tmp_path / "private") as root:
        yield root


@pytest.fixture
def item():
    return published_item()


def submitted_case(item, user=None) -> Application:
    """A case submitted with FORM's answers and the item's 身份证明 (uploaded as 身份证明.pdf)."""
    return submitted_application(applicant=user or resident(), item=item, data=FORM)


def deliver_inbox() -> None:
    for message_id in OutboxMessage.objects.filter(channel=Channel.INBOX, status=OutboxStatus.PENDING).values_list(
        "pk", flat=True
    ):
        outbox_message_deliver(message_id=message_id)


def case_url(application, name="applications:case", **kwargs) -> str:
    return reverse(name, kwargs={"case_number": application.case_number, **kwargs})


def test_the_case_page_shows_status_timeline_by_role_next_step_and_expected_completion(client, item):
    case = submitted_case(item)
    official = official_for(item.department)
    official.username = "official-zhang-wei"
    official.save(update_fields=["username"])
    application_transition(
        application_id=case.pk, to_status=Status.ACCEPTED, actor=official, comment="材料齐全，予以受理"
    )
    client.force_login(case.applicant)
    html = client.get(case_url(case)).content.decode()
    assert "已受理" in html
    assert "已受理，等待工作人员审查" in html
    assert "等待工作人员处理" in html
    assert "办理人：工作人员" in html
    assert "办理人：申请人" in html
    assert "材料齐全，予以受理" in html
    assert "official-zhang-wei" not in html
    assert case.promised_deadline.isoformat() in html
    assert "身份证明.pdf" in html


def test_a_provisional_deadline_is_marked_as_such(client, item):
    case = submitted_case(item)
    Application.objects.filter(pk=case.pk).update(deadline_provisional=True)
    client.force_login(case.applicant)
    assert "暂定" in client.get(case_url(case)).content.decode()
    assert "暂定" in client.get("/my/applications/").content.decode()


def _normalised(response, path: str) -> bytes:
    content = response.content.replace(path.encode(), b"PATH")
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"TOKEN", content)


def test_another_residents_case_and_files_answer_404_like_a_missing_case_and_are_logged(client, item):
    case = submitted_case(item)
    result = ResultDocument(application=case, name="测试许可证")
    result.file.save("result", ContentFile(pdf_bytes()), save=True)
    material = case.materials.get()
    intruder = resident()
    client.force_login(intruder)
    missing_url = "/my/applications/NOPE-20260101-000001/"
    missing = client.get(missing_url)
    assert missing.status_code == 404
    assert not AccessAttempt.objects.exists()  # a missing case is not someone else's

    urls = [
        case_url(case),
        case_url(case, "applications:material_download", material_id=material.pk),
        case_url(case, "applications:result_download", result_id=result.pk),
        case_url(case, "applications:withdraw"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, url
        # The same page as for a missing case (but for the path in the language links and the CSRF token).
        assert _normalised(response, url) == _normalised(missing, missing_url)
    assert client.post(case_url(case, "applications:supplement_submit")).status_code == 404
    attempts = AccessAttempt.objects.filter(user=intruder, case_number=case.case_number)
    assert attempts.count() == len(urls) + 1
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED


def test_own_materials_and_results_download_as_attachments_with_nosniff(client, item):
    case = submitted_case(item)
    result = ResultDocument(application=case, name="测试许可证")
    result.file.save("result", ContentFile(pdf_bytes()), save=True)
    client.force_login(case.applicant)
    page = client.get(case_url(case)).content.decode()
    assert "下载 测试许可证" in page
    for url, name in (
        (case_url(case, "applications:result_download", result_id=result.pk), "测试许可证.pdf"),
        (case_url(case, "applications:material_download", material_id=case.materials.get().pk), "身份证明.pdf"),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert "filename*=utf-8''" in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        assert name.encode() not in response["Content-Disposition"].encode("latin-1", "ignore")


def test_a_material_still_waiting_for_the_virus_scan_is_not_handed_out(client, item):
    case = submitted_case(item)
    material = case.materials.get()
    SubmittedMaterial.objects.filter(pk=material.pk).update(scan_status="pending")
    client.force_login(case.applicant)
    assert "待查毒" in client.get(case_url(case)).content.decode()
    assert client.get(case_url(case, "applications:material_download", material_id=material.pk)).status_code == 404


def test_the_resident_answers_a_supplement_request_through_the_pages(client, item, private_root):
    case = submitted_case(item)
    official = official_for(item.department)
    application_transition(application_id=case.pk, to_status=Status.ACCEPTED, actor=official)
    application_transition(
        application_id=case.pk, to_status=Status.SUPPLEMENT_REQUESTED, actor=official, comment="请补充清晰的身份证明"
    )
    client.force_login(case.applicant)
    page = client.get(case_url(case)).content.decode()
    assert "需要您补正材料" in page
    assert "请补充清晰的身份证明" in page
    assert "等待您补正材料" in page
    assert "提交补正" in page

    # Nothing uploaded yet: resubmitting is refused with a message.
    empty = client.post(case_url(case, "applications:supplement_submit"))
    assert empty.status_code == 400
    assert "请先上传补正材料" in empty.content.decode()

    # A bad file is refused and nothing is stored.
    before = SubmittedMaterial.objects.count()
    bad = client.post(
        case_url(case, "applications:supplement_upload"),
        {"file": ContentFile(b"not a pdf at all", name="补正.pdf")},
    )
    assert bad.status_code == 400
    assert "只接受PDF、PNG或JPEG文件" in bad.content.decode()
    assert SubmittedMaterial.objects.count() == before

    requirement = item.published_version.materials.get()
    uploaded = client.post(
        case_url(case, "applications:supplement_upload"),
        {"requirement": requirement.pk, "file": pdf_upload("清晰的身份证明.pdf")},
    )
    assert uploaded.status_code == 302
    supplement_material = SubmittedMaterial.objects.get(supplement__isnull=False)
    assert supplement_material.requirement == requirement
    assert supplement_material.supplement.application == case

    resubmitted = client.post(case_url(case, "applications:supplement_submit"))
    assert resubmitted.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.RESUBMITTED
    assert case.supplement_requests.get().fulfilled_at is not None
    assert Transition.objects.filter(application=case, to_status=Status.RESUBMITTED, role="applicant").exists()
    page = client.get(case_url(case)).content.decode()
    assert "等待工作人员审查您补正的材料" in page
    assert "清晰的身份证明.pdf" in page


def test_the_resident_withdraws_after_confirming(client, item):
    case = submitted_case(item)
    client.force_login(case.applicant)
    assert "撤回申请" in client.get(case_url(case)).content.decode()
    confirm = client.get(case_url(case, "applications:withdraw"))
    assert confirm.status_code == 200
    assert "确认撤回" in confirm.content.decode()
    unconfirmed = client.post(case_url(case, "applications:withdraw"), {"reason": "不需要了"})
    assert unconfirmed.status_code == 400
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED

    done = client.post(case_url(case, "applications:withdraw"), {"reason": "不需要了", "confirm": "on"})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.WITHDRAWN
    assert Transition.objects.get(application=case, to_status=Status.WITHDRAWN).comment == "不需要了"
    page = client.get(case_url(case)).content.decode()
    assert "您已撤回申请，办理结束" in page
    assert case_url(case, "applications:withdraw") not in page


def test_a_decided_case_can_not_be_withdrawn(client, item):
    case = submitted_case(item)
    official = official_for(item.department)
    application_transition(application_id=case.pk, to_status=Status.ACCEPTED, actor=official)
    application_transition(application_id=case.pk, to_status=Status.APPROVED, actor=official)
    client.force_login(case.applicant)
    assert case_url(case, "applications:withdraw") not in client.get(case_url(case)).content.decode()
    response = client.post(case_url(case, "applications:withdraw"), {"confirm": "on"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.APPROVED


def test_the_inbox_lists_messages_from_transitions_newest_first_and_the_opened_page_marks_read(client, item):
    case = submitted_case(item)
    official = official_for(item.department)
    application_transition(application_id=case.pk, to_status=Status.ACCEPTED, actor=official)
    deliver_inbox()
    assert InboxMessage.objects.filter(user=case.applicant).count() == 2  # submitted, accepted
    client.force_login(case.applicant)
    inbox = client.get("/my/messages/").content.decode()
    assert inbox.count("【未读】") == 2
    assert inbox.index(f"办件{case.case_number}：已受理") < inbox.index(f"办件{case.case_number}：已提交")
    assert '消息<span class="nav-badge">（2条未读）</span>' in inbox

    accepted = InboxMessage.objects.get(user=case.applicant, title__endswith="已受理")
    opened = client.get(reverse("notifications:message", kwargs={"message_id": accepted.pk}))
    assert opened.status_code == 200
    assert f'href="/my/applications/{case.case_number}/"' in opened.content.decode()
    # The GET changes nothing; the page posts its "mark read" form (its script at once, or the button).
    accepted.refresh_from_db()
    assert accepted.read_at is None
    read_url = reverse("notifications:message_read", kwargs={"message_id": accepted.pk})
    assert f'action="{read_url}"' in opened.content.decode()
    assert client.get(read_url).status_code == 405
    assert client.post(read_url, HTTP_ACCEPT="application/json").json() == {"read": True}
    accepted.refresh_from_db()
    assert accepted.read_at is not None
    assert (
        "标为已读"
        not in client.get(reverse("notifications:message", kwargs={"message_id": accepted.pk})).content.decode()
    )
    inbox = client.get("/my/messages/").content.decode()
    assert inbox.count("【未读】") == 1
    assert "（1条未读）" in inbox

    # Someone else's message is not found and stays unread.
    client.force_login(resident())
    other = InboxMessage.objects.get(user=case.applicant, read_at__isnull=True)
    assert client.get(reverse("notifications:message", kwargs={"message_id": other.pk})).status_code == 404
    assert client.post(reverse("notifications:message_read", kwargs={"message_id": other.pk})).status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_the_header_links_to_my_cases_and_messages_for_signed_in_users(client, item):
    client.force_login(resident())
    html = client.get("/my/applications/").content.decode()
    assert 'href="/my/applications/"' in html
    assert 'href="/my/messages/"' in html


def _bulk_cases(user, item, count: int) -> None:
    version = item.published_version
    today = timezone.localdate()
    start = Application.objects.count()
    Application.objects.bulk_create(
        Application(
            applicant=user,
            service_item=item,
            service_version=version,
            department=item.department,
            status=Status.SUBMITTED,
            case_number=f"BULK-{today:%Y%m%d}-{start + n:06d}",
            submitted_at=timezone.now(),
            promised_deadline=today,
        )
        for n in range(count)
    )


def test_my_cases_list_runs_the_same_queries_with_10_and_1000_cases(client, item, django_assert_num_queries):
    user = resident()
    client.force_login(user)
    _bulk_cases(user, item, 10)
    with CaptureQueriesContext(connection) as small:
        response = client.get("/my/applications/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('href="/my/applications/BULK-') == 10 and 'rel="next"' not in html
    _bulk_cases(user, item, 990)
    with django_assert_num_queries(len(small)) as large:
        response = client.get("/my/applications/?page=2")
    html = response.content.decode()
    assert html.count('href="/my/applications/BULK-') == 20
    assert "第2页" in html and 'rel="prev"' in html and "更多办件" in html
    # user, unread messages, one page of rows (a read: no transaction around them): no COUNT(*).
    assert len(small) <= 3
    case_queries = [query["sql"] for query in large.captured_queries if "applications_application" in query["sql"]]
    assert len(case_queries) == 1
    assert "COUNT(" not in case_queries[0]
    # Only the columns a row shows: not the form's answers or prefill sources.
    assert "form_data" not in case_queries[0] and "field_sources" not in case_queries[0]


def test_my_cases_list_says_when_no_more_follow_and_ignores_a_bad_page_number(client, item):
    user = resident()
    client.force_login(user)
    _bulk_cases(user, item, 21)
    first = client.get("/my/applications/?page=x").content.decode()
    assert first.count('href="/my/applications/BULK-') == 20 and "更多办件" in first
    last = client.get("/my/applications/?page=2").content.decode()
    assert last.count('href="/my/applications/BULK-') == 1 and "更多办件" not in last
    with translation.override("en"):
        english = client.get("/en/my/applications/").content.decode()
    assert "More applications" in english


def test_my_cases_list_shows_only_my_cases_and_drafts_link_to_the_form(client, item):
    mine = submitted_case(item)
    theirs = submitted_case(item)
    draft = application_start(applicant=mine.applicant, item_code=published_item(code="TEST-RES-002").code)
    client.force_login(mine.applicant)
    html = client.get("/my/applications/").content.decode()
    assert mine.case_number in html
    assert theirs.case_number not in html
    assert reverse("applications:draft", kwargs={"draft_id": draft.pk}) in html
    assert "继续填写" in html


def test_the_case_page_speaks_english_under_en(client, item):
    case = submitted_case(item)
    client.force_login(case.applicant)
    # The middleware leaves English active in this thread: restore the default for the tests after this one.
    with translation.override(settings.LANGUAGE_CODE):
        html = client.get(f"/en/my/applications/{case.case_number}/").content.decode()
    assert "Waiting for an official to accept the case" in html
    assert "By: Applicant" in html
    assert "My applications" in html


def test_the_case_page_runs_the_same_queries_however_long_its_history(client, item, django_assert_num_queries):
    case = submitted_case(item)
    official = official_for(item.department)
    client.force_login(case.applicant)
    application_transition(application_id=case.pk, to_status=Status.ACCEPTED, actor=official)
    with CaptureQueriesContext(connection) as short:
        assert client.get(case_url(case)).status_code == 200
    for round_number in range(3):
        application_transition(
            application_id=case.pk, to_status=Status.SUPPLEMENT_REQUESTED, actor=official, comment=f"补正{round_number}"
        )
        case.refresh_from_db()
        material_add_upload(
            application=case,
            requirement=item.published_version.materials.get(),
            uploaded=pdf_upload(f"补正{round_number}.pdf"),
            actor=case.applicant,
            supplement=case.supplement_requests.get(fulfilled_at__isnull=True),
        )
        application_transition(application_id=case.pk, to_status=Status.RESUBMITTED, actor=case.applicant)
    application_transition(application_id=case.pk, to_status=Status.APPROVED, actor=official)
    for number in range(3):
        result = ResultDocument(application=case, name=f"结果{number}")
        result.file.save("result", ContentFile(pdf_bytes()), save=True)
    with django_assert_num_queries(len(short)):
        html = client.get(case_url(case)).content.decode()
    assert "补正2.pdf" in html and "结果2" in html
