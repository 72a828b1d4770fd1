"""The resident's inquiry pages (咨询投诉): submitting each kind, 我的咨询投诉, an item's page with
closing and reopening, the anonymous report form and the lookup by reference and query code."""

import io
import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from applications.constants import Status
from complaints import services_inquiries as services
from complaints.constants import InquiryAction, InquiryStatus, Kind
from complaints.models import Inquiry, InquiryAttachment, InquiryCategory

from .factories import application_in, inquiry_official, published_item, resident, submitted_inquiry

pytestmark = pytest.mark.django_db

NEW = "/my/inquiries/new/"
REPORT = "/inquiries/report/"
TRACK = "/inquiries/track/"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # The rate limits count in the (real) cache, which outlives each test's database.
    cache.clear()
    yield
    cache.clear()


def _png(name: str = "现场照片.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _main(response) -> str:
    return re.search(r"<main\b.*?</main>", response.content.decode(), re.S).group(0)


def _codes(response) -> tuple[str, str]:
    page = response.content.decode()
    reference = re.search(r'data-testid="inquiry-reference">([^<]+)<', page).group(1)
    code = re.search(r'data-testid="inquiry-query-code">([^<]+)<', page).group(1)
    return reference, code


def _answered(inquiry, answer: str = "已约谈窗口负责人，增开两个窗口。"):
    official = inquiry_official(department=inquiry.department)
    return services.inquiry_answer(inquiry_id=inquiry.pk, actor=official, answer=answer)


@pytest.mark.parametrize("kind", Kind.values)
def test_a_resident_submits_each_kind_and_sees_the_reference_and_query_code_once(client, kind):
    user = resident()
    item = published_item()
    client.force_login(user)
    category = InquiryCategory.objects.create(code="service", name="政务服务")
    response = client.post(
        NEW,
        {
            "kind": kind,
            "category": category.pk,
            "subject": "窗口排队时间过长",
            "content": "上周二上午在政务服务中心排队两个小时。",
            "item": item.code,
            "contact_phone": "13912345678",
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    reference, code = _codes(response)
    inquiry = Inquiry.objects.get(reference=reference)
    assert (inquiry.kind, inquiry.submitter, inquiry.service_item, inquiry.category) == (kind, user, item, category)
    assert inquiry.department == item.department
    assert code not in inquiry.query_code_hash
    assert "查询码只显示这一次" in _main(response)
    assert reverse("portal:guide", args=[item.code]) in _main(response)
    # The code is never in a URL and never shown again.
    assert code not in client.get(f"/my/inquiries/{reference}/").content.decode()
    assert code not in client.get("/my/inquiries/").content.decode()


def test_a_complaint_with_an_attachment_keeps_the_files_name(client):
    user = resident()
    client.force_login(user)
    response = client.post(
        NEW,
        {
            "kind": Kind.COMPLAINT,
            "subject": "窗口态度差",
            "content": "工作人员不耐烦。",
            "attachments": [_png("排队照片.png"), _png("叫号单.png")],
        },
    )
    assert response.status_code == 200
    reference, _code = _codes(response)
    names = list(InquiryAttachment.objects.filter(inquiry__reference=reference).values_list("original_name", flat=True))
    assert names == ["排队照片.png", "叫号单.png"]
    page = _main(client.get(f"/my/inquiries/{reference}/"))
    assert "排队照片.png" in page and "叫号单.png" in page


def test_a_bad_attachment_is_refused_in_chinese_and_nothing_is_stored_nor_lost(client):
    client.force_login(resident())
    bad = SimpleUploadedFile("a.png", b"<html><script>alert(1)</script></html>", content_type="image/png")
    response = client.post(
        NEW,
        {"kind": Kind.SUGGESTION, "subject": "建议增设夜间窗口", "content": "下班后无法办事。", "attachments": [bad]},
    )
    assert response.status_code == 400
    page = _main(response)
    assert "只接受PDF、PNG或JPEG文件" in page
    assert 'id="id_attachments_error"' in page
    assert re.search(r'<input[^>]*name="attachments"[^>]*aria-describedby="[^"]*id_attachments_error', page)
    assert "请重新选择" in page
    # What was typed is kept.
    assert 'value="建议增设夜间窗口"' in page
    assert "下班后无法办事。" in page
    assert re.search(r'value="suggestion"[^>]*checked', page)
    assert not Inquiry.objects.exists()
    assert not InquiryAttachment.objects.exists()


def test_too_many_attachments_are_refused(client, settings):
    settings.INQUIRY_MAX_ATTACHMENTS = 1
    client.force_login(resident())
    response = client.post(
        NEW,
        {"kind": Kind.INQUIRY, "subject": "问", "content": "问题", "attachments": [_png(), _png("二.png")]},
    )
    assert response.status_code == 400
    assert "附件不能超过 1 个" in _main(response)
    assert not Inquiry.objects.exists()


def test_a_missing_subject_is_shown_on_its_field(client):
    client.force_login(resident())
    response = client.post(NEW, {"kind": Kind.INQUIRY, "subject": "", "content": "内容"})
    assert response.status_code == 400
    page = _main(response)
    assert 'id="id_subject_error"' in page
    assert not Inquiry.objects.exists()


def test_the_form_is_prefilled_from_the_case_and_the_item(client):
    case = application_in(Status.SUBMITTED)
    client.force_login(case.applicant)
    page = _main(client.get(f"{NEW}?case={case.case_number}"))
    assert re.search(rf'<option value="{case.case_number}" selected>', page)
    assert re.search(r'value="complaint"[^>]*checked', page)

    item = published_item(name="不动产登记")
    page = _main(client.get(f"{NEW}?item={item.code}"))
    assert "不动产登记" in page
    assert f'name="item" value="{item.code}"' in page

    response = client.post(
        NEW, {"kind": Kind.COMPLAINT, "subject": "办件超期", "content": "已超过承诺时限。", "case": case.case_number}
    )
    reference, _code = _codes(response)
    inquiry = Inquiry.objects.get(reference=reference)
    assert inquiry.application == case
    assert inquiry.service_item == case.service_item
    assert inquiry.department == case.department


def test_the_case_page_and_the_guide_link_to_the_form(client):
    case = application_in(Status.SUBMITTED)
    client.force_login(case.applicant)
    assert f"{NEW}?case={case.case_number}" in client.get(f"/my/applications/{case.case_number}/").content.decode()
    assert f"{NEW}?item={case.service_item.code}" in client.get(f"/services/{case.service_item.code}/").content.decode()
    assert 'href="/my/inquiries/"' in client.get("/my/inquiries/").content.decode()


def test_someone_elses_case_is_refused(client):
    others = application_in(Status.SUBMITTED)
    client.force_login(resident())
    page = _main(client.get(f"{NEW}?case={others.case_number}"))
    assert "未找到该办件" in page
    assert f'value="{others.case_number}"' not in page

    response = client.post(
        NEW, {"kind": Kind.COMPLAINT, "subject": "办件超期", "content": "内容", "case": others.case_number}
    )
    assert response.status_code == 400
    assert "未找到该办件" in _main(response)
    assert not Inquiry.objects.exists()


def test_the_list_shows_only_the_residents_own_items_newest_first(client):
    user = resident()
    older = submitted_inquiry(submitter=user, subject="第一件")
    newer = submitted_inquiry(submitter=user, subject="第二件", kind=Kind.INQUIRY)
    someone_elses = submitted_inquiry(subject="别人的诉求")
    client.force_login(user)
    page = _main(client.get("/my/inquiries/"))
    assert page.index(newer.reference) < page.index(older.reference)
    assert "咨询" in page and "投诉" in page
    assert someone_elses.reference not in page and "别人的诉求" not in page

    client.force_login(resident())
    page = _main(client.get("/my/inquiries/"))
    assert "您还没有提交过" in page
    assert f'href="{NEW}"' in page


def test_someone_elses_item_and_an_unknown_one_answer_404(client):
    inquiry = submitted_inquiry()
    client.force_login(resident())
    assert client.get(f"/my/inquiries/{inquiry.reference}/").status_code == 404
    assert client.get("/my/inquiries/TS20260101000000/").status_code == 404
    assert client.post(f"/my/inquiries/{inquiry.reference}/close/", {"satisfied": "1"}).status_code == 404
    assert client.post(f"/my/inquiries/{inquiry.reference}/reopen/", {"reason": "不满意"}).status_code == 404
    inquiry.refresh_from_db()
    assert inquiry.status != InquiryStatus.CLOSED


def test_pages_need_a_sign_in(client):
    for url in ("/my/inquiries/", NEW):
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_the_detail_shows_the_timeline_without_officials_names_and_the_resident_reopens_then_closes(client):
    item = published_item()
    user = resident()
    inquiry = submitted_inquiry(submitter=user, service_item=item)
    official = inquiry_official(department=inquiry.department)
    services.inquiry_answer(inquiry_id=inquiry.pk, actor=official, answer="已约谈窗口负责人，增开两个窗口。")
    client.force_login(user)

    page = _main(client.get(f"/my/inquiries/{inquiry.reference}/"))
    assert "已约谈窗口负责人" in page
    assert "提交" in page and "自动分派" in page and "答复" in page
    assert item.department.name in page
    assert official.username not in page
    assert "满意，办结" in page and "不满意，申请重新办理" in page
    last_day = services.reopen_deadline(Inquiry.objects.get(pk=inquiry.pk))
    assert last_day.isoformat() in page

    # A reopen without a reason is refused on its field.
    response = client.post(f"/my/inquiries/{inquiry.reference}/reopen/", {"reason": ""})
    assert response.status_code == 400
    assert 'id="id_reason_error"' in _main(response)

    response = client.post(f"/my/inquiries/{inquiry.reference}/reopen/", {"reason": "窗口仍然只开一个。"}, follow=True)
    assert "已申请重新办理" in _main(response)
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.REOPENED
    assert "窗口仍然只开一个。" in _main(response)
    assert "满意，办结" not in _main(response)

    services.inquiry_answer(inquiry_id=inquiry.pk, actor=official, answer="已增开两个窗口。")
    response = client.post(f"/my/inquiries/{inquiry.reference}/close/", {"satisfied": "1"}, follow=True)
    assert "已办结" in _main(response)
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.satisfied) == (InquiryStatus.CLOSED, True)
    actions = list(inquiry.transitions.values_list("action", flat=True))
    assert actions[-2:] == [InquiryAction.ANSWER, InquiryAction.CLOSE]


def test_an_anonymous_report_without_login_is_then_tracked_closed_with_the_code(client):
    item = published_item()
    response = client.post(
        REPORT,
        {"subject": "窗口人员索要好处费", "content": "办理时被要求额外付费。", "department": item.department.pk},
    )
    assert response.status_code == 200
    reference, code = _codes(response)
    inquiry = Inquiry.objects.get(reference=reference)
    assert (inquiry.kind, inquiry.anonymous, inquiry.submitter) == (Kind.REPORT, True, None)
    assert "匿名提交的诉求只能凭受理编号和查询码查询" in _main(response)

    page = _main(client.post(TRACK, {"reference": reference, "query_code": code.lower()}))
    assert "办理中" in page
    assert item.department.name in page
    assert "满意，办结" not in page

    _answered(inquiry, "经查属实，已处理相关人员。")
    page = _main(client.post(TRACK, {"reference": reference, "query_code": code}))
    assert "经查属实，已处理相关人员。" in page
    assert f'name="query_code" value="{code}"' in page

    response = client.post(TRACK, {"reference": reference, "query_code": code, "action": "close", "satisfied": "1"})
    assert "已办结，感谢您的反馈" in _main(response)
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.satisfied) == (InquiryStatus.CLOSED, True)


def test_the_report_form_asks_nothing_that_names_the_reporter(client):
    page = _main(client.get(REPORT))
    for name in ("contact_phone", "enterprise", "case", "kind"):
        assert f'name="{name}"' not in page
    assert 'name="subject"' in page


def test_a_signed_in_resident_may_report_anonymously(client):
    user = resident()
    client.force_login(user)
    response = client.post(
        NEW, {"kind": Kind.REPORT, "subject": "违规收费", "content": "内容", "anonymous": "on", "contact_phone": ""}
    )
    reference, _code = _codes(response)
    inquiry = Inquiry.objects.get(reference=reference)
    assert (inquiry.anonymous, inquiry.submitter) == (True, None)
    assert reference not in _main(client.get("/my/inquiries/"))

    response = client.post(NEW, {"kind": Kind.COMPLAINT, "subject": "投诉", "content": "内容", "anonymous": "on"})
    assert response.status_code == 400
    assert "只有举报可以匿名提交" in _main(response)
    assert 'id="id_anonymous_error"' in _main(response)


def test_the_holder_of_the_code_reopens_through_the_track_page(client):
    inquiry = submitted_inquiry(anonymous=True, kind=Kind.REPORT, service_item=published_item())
    # The code is only known at submission: submit one through the page instead.
    response = client.post(REPORT, {"subject": "违规收费", "content": "内容", "department": inquiry.department.pk})
    reference, code = _codes(response)
    report = Inquiry.objects.get(reference=reference)
    _answered(report)
    response = client.post(
        TRACK, {"reference": reference, "query_code": code, "action": "reopen", "reason": "并未处理。"}
    )
    assert "已申请重新办理" in _main(response)
    report.refresh_from_db()
    assert report.status == InquiryStatus.REOPENED


def test_a_wrong_reference_or_code_gets_one_identical_message(client):
    response = client.post(REPORT, {"subject": "违规收费", "content": "内容"})
    reference, code = _codes(response)
    wrong_code = client.post(TRACK, {"reference": reference, "query_code": "AAAAAAAA"})
    wrong_reference = client.post(TRACK, {"reference": "JB20990101000000", "query_code": code})
    assert wrong_code.status_code == wrong_reference.status_code == 400
    message = "受理编号或查询码不正确，请核对后重试。"
    assert message in _main(wrong_code) and message in _main(wrong_reference)

    def page_without_inputs(response):
        # The forms echo what was typed and carry a fresh CSRF token: compare the rest.
        return re.sub(r'value="[^"]*"', "", _main(response))

    assert page_without_inputs(wrong_code) == page_without_inputs(wrong_reference)
    # A wrong code cannot close the item either.
    client.post(TRACK, {"reference": reference, "query_code": "AAAAAAAA", "action": "close", "satisfied": "1"})
    assert Inquiry.objects.get(reference=reference).status != InquiryStatus.CLOSED


def test_anonymous_reports_are_limited_per_address(client, settings):
    settings.INQUIRY_ANONYMOUS_PER_HOUR = 2
    for _attempt in range(2):
        assert client.post(REPORT, {"subject": "违规收费", "content": "内容"}).status_code == 200
    response = client.post(REPORT, {"subject": "违规收费", "content": "内容"})
    assert response.status_code == 429
    assert "操作过于频繁" in _main(response)
    assert Inquiry.objects.count() == 2
    # Another address is not affected.
    assert client.post(REPORT, {"subject": "违规收费", "content": "内容"}, REMOTE_ADDR="10.0.0.9").status_code == 200


def test_lookups_are_limited_per_address(client, settings):
    settings.INQUIRY_TRACK_PER_HOUR = 3
    for _attempt in range(3):
        assert client.post(TRACK, {"reference": "JB1", "query_code": "X"}).status_code == 400
    response = client.post(TRACK, {"reference": "JB1", "query_code": "X"})
    assert response.status_code == 429
    assert "操作过于频繁" in _main(response)


def test_without_the_cache_the_limited_pages_refuse(client, monkeypatch):
    # django-redis with IGNORE_EXCEPTIONS answers None when Redis is unreachable.
    monkeypatch.setattr(cache, "add", lambda *args, **kwargs: None)
    response = client.post(TRACK, {"reference": "JB1", "query_code": "X"})
    assert response.status_code == 503
    response = client.post(REPORT, {"subject": "违规收费", "content": "内容"})
    assert response.status_code == 503
    assert not Inquiry.objects.exists()


def test_the_form_in_english(client):
    client.force_login(resident())
    response = client.get(f"/en{NEW}")
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()


def test_past_the_reopen_limit_the_resident_may_still_close_unsatisfied(client, settings):
    settings.INQUIRY_MAX_REOPENS = 0
    user = resident()
    inquiry = _answered(submitted_inquiry(submitter=user, service_item=published_item()))
    client.force_login(user)
    page = _main(client.get(f"/my/inquiries/{inquiry.reference}/"))
    assert "不满意，申请重新办理" not in page
    assert "不满意，办结" in page

    response = client.post(f"/my/inquiries/{inquiry.reference}/reopen/", {"reason": "仍未解决。"}, follow=True)
    assert "已超过可申请重新办理的期限或次数" in _main(response)
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.ANSWERED

    client.post(f"/my/inquiries/{inquiry.reference}/close/", {"satisfied": "0"})
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.satisfied) == (InquiryStatus.CLOSED, False)


def test_an_unknown_service_item_is_refused_above_the_form(client):
    client.force_login(resident())
    response = client.post(NEW, {"kind": Kind.INQUIRY, "subject": "问", "content": "问题", "item": "NO-SUCH-ITEM"})
    assert response.status_code == 400
    assert "未找到该事项" in _main(response)
    assert not Inquiry.objects.exists()
