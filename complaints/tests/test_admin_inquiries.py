"""The officials' inquiry queue (咨询投诉办理) and the routing tables in the admin."""

import datetime
import io

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from applications.calendar import working_days_between
from applications.constants import ScanStatus
from applications.tests.factories import department
from complaints.constants import InquiryStatus, Kind
from complaints.models import Inquiry, InquiryAttachment, InquiryCategory, RoutingRule
from identity.constants import PersonalDataField
from identity.models import PersonalDataAccess
from identity.tests.factories import login_with_totp

from .factories import dispatcher, inquiry_official, published_item, resident, submitted_inquiry

pytestmark = pytest.mark.django_db
LIST_URL = reverse("admin:complaints_inquiry_changelist")
HIDDEN = "（举报人信息已隐藏）"


def _page(inquiry) -> str:
    return reverse("admin:complaints_inquiry_change", args=[inquiry.pk])


def _act(client, inquiry, action, **data):
    return client.post(reverse("admin:complaints_inquiry_act", args=[inquiry.pk, action]), data, follow=True)


def _text(response) -> str:
    return response.content.decode()


@pytest.fixture
def items():
    return published_item(department_code="ga"), published_item(department_code="rsj")


@pytest.fixture
def ga_inquiry(items):
    return submitted_inquiry(service_item=items[0])


# --- The queue ----------------------------------------------------------------------------


def test_the_queue_is_department_scoped_and_the_dispatch_centre_sees_unassigned_items(client, items):
    ga, rsj = (submitted_inquiry(service_item=item) for item in items)
    unassigned = submitted_inquiry()
    assert unassigned.status == InquiryStatus.RECEIVED
    assert unassigned.department_id is None

    login_with_totp(client, inquiry_official(department=ga.department))
    page = _text(client.get(LIST_URL))
    assert ga.reference in page
    assert rsj.reference not in page
    assert unassigned.reference not in page
    assert client.get(_page(rsj)).status_code == 404
    assert client.get(_page(unassigned)).status_code == 404

    client.logout()
    login_with_totp(client, dispatcher(department=department(code="zx")))
    page = _text(client.get(LIST_URL))
    assert all(inquiry.reference in page for inquiry in (ga, rsj, unassigned))
    assert client.get(_page(unassigned)).status_code == 200


def test_the_queue_shows_remaining_working_days_overdue_items_and_escalation(client, items):
    due, overdue, answered = (submitted_inquiry(service_item=items[0]) for _i in range(3))
    today = timezone.localdate()
    past = today - datetime.timedelta(days=14)
    Inquiry.objects.filter(pk=overdue.pk).update(due_date=past, escalation_level=1)
    Inquiry.objects.filter(pk=answered.pk).update(status=InquiryStatus.ANSWERED)

    login_with_totp(client, inquiry_official(department=due.department))
    page = _text(client.get(LIST_URL))
    days = settings.INQUIRY_ANSWER_WORKING_DAYS[Kind.COMPLAINT]
    assert f"剩余 {days} 个工作日" in page
    late = -working_days_between(today, past)
    assert late > 0
    assert f'<span class="deadline overdue">已超期 {late} 个工作日</span>' in page
    assert '<span class="escalated">一级督办</span>' in page
    # The answered row counts no days.
    assert page.count('class="deadline') == 2


def test_the_changelist_makes_the_same_number_of_queries_for_2_and_12_rows(client, items):
    official = inquiry_official(department=items[0].department)
    login_with_totp(client, official)
    for _i in range(2):
        submitted_inquiry(service_item=items[0])
    client.get(LIST_URL)  # warm the session and the content types

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST_URL)
        assert response.status_code == 200
        page = _text(response)
        assert all(reference in page for reference in Inquiry.objects.values_list("reference", flat=True))
        return len(queries)

    few = count()
    for _i in range(10):
        submitted_inquiry(service_item=items[0], category=InquiryCategory.objects.get_or_create(code="c", name="c")[0])
    assert Inquiry.objects.filter(department=items[0].department).count() == 12
    assert count() == few


# --- The forms on the page ----------------------------------------------------------------


def test_the_department_answers_from_the_page(client, ga_inquiry):
    login_with_totp(client, inquiry_official(department=ga_inquiry.department))
    page = _text(client.get(_page(ga_inquiry)))
    assert 'name="answer"' in page
    assert reverse("admin:complaints_inquiry_act", args=[ga_inquiry.pk, "answer"]) in page
    assert reverse("admin:complaints_inquiry_act", args=[ga_inquiry.pk, "assign"]) not in page

    refused = _act(client, ga_inquiry, "answer", answer="  ")
    assert "请填写答复内容。" in _text(refused)
    assert Inquiry.objects.get(pk=ga_inquiry.pk).status == InquiryStatus.ASSIGNED

    answered = _act(client, ga_inquiry, "answer", answer="已协调增加窗口。")
    assert answered.redirect_chain[-1][0] == _page(ga_inquiry)
    assert "已完成：答复" in _text(answered)
    ga_inquiry.refresh_from_db()
    assert ga_inquiry.status == InquiryStatus.ANSWERED
    assert ga_inquiry.answer == "已协调增加窗口。"
    # Answered: no form is left, and the remaining days read "—".
    page = _text(client.get(_page(ga_inquiry)))
    assert 'name="answer"' not in page
    assert "个工作日" not in page


def test_the_department_transfers_until_the_limit_and_is_told_why_it_cannot_go_on(client, items, ga_inquiry):
    rsj = items[1].department
    login_with_totp(client, inquiry_official(department=ga_inquiry.department))
    page = _text(client.get(_page(ga_inquiry)))
    assert f'<option value="{rsj.pk}">' in page
    assert f'<option value="{ga_inquiry.department_id}">' not in page  # not to itself

    assert "请选择部门。" in _text(_act(client, ga_inquiry, "transfer", department="", reason="非本部门职责"))
    assert "请填写转办理由。" in _text(_act(client, ga_inquiry, "transfer", department=rsj.pk, reason=""))
    done = _act(client, ga_inquiry, "transfer", department=rsj.pk, reason="属人社局职责")
    # The item has left the official's queue: the redirect lands on a page they may not see.
    assert done.status_code == 404
    ga_inquiry.refresh_from_db()
    assert (ga_inquiry.department_id, ga_inquiry.transfer_count) == (rsj.pk, 1)

    at_limit = submitted_inquiry(service_item=items[0])
    Inquiry.objects.filter(pk=at_limit.pk).update(transfer_count=settings.INQUIRY_MAX_TRANSFERS)
    refused = _act(client, at_limit, "transfer", department=department(code="fresh").pk, reason="非本部门职责")
    assert "达到上限" in _text(refused)
    at_limit.refresh_from_db()
    assert at_limit.department_id == items[0].department_id
    assert at_limit.transfer_count == settings.INQUIRY_MAX_TRANSFERS


def test_a_sent_back_item_is_assigned_by_the_dispatch_centre_and_then_neither_transferred_nor_sent_back(
    client, items, ga_inquiry
):
    rsj = items[1].department
    login_with_totp(client, inquiry_official(department=ga_inquiry.department))
    assert "请填写退回理由。" in _text(_act(client, ga_inquiry, "send_back", reason=""))
    _act(client, ga_inquiry, "send_back", reason="不属于本部门职责，请重新分派")
    ga_inquiry.refresh_from_db()
    assert (ga_inquiry.status, ga_inquiry.department_id, ga_inquiry.sent_back) == (InquiryStatus.RECEIVED, None, True)
    # Out of the department's queue: its officials cannot assign it themselves.
    assert _act(client, ga_inquiry, "assign", department=rsj.pk).status_code == 404

    client.logout()
    login_with_totp(client, dispatcher(department=department(code="zx")))
    page = _text(client.get(_page(ga_inquiry)))
    assert reverse("admin:complaints_inquiry_act", args=[ga_inquiry.pk, "assign"]) in page
    assert 'name="answer"' not in page
    assigned = _act(client, ga_inquiry, "assign", department=rsj.pk, comment="按职责分派")
    assert "已完成：分派" in _text(assigned)
    ga_inquiry.refresh_from_db()
    assert (ga_inquiry.status, ga_inquiry.department_id) == (InquiryStatus.ASSIGNED, rsj.pk)

    client.logout()
    login_with_totp(client, inquiry_official(department=rsj))
    page = _text(client.get(_page(ga_inquiry)))
    assert 'name="answer"' in page
    for action in ("transfer", "send_back"):
        assert reverse("admin:complaints_inquiry_act", args=[ga_inquiry.pk, action]) not in page
    refused = _act(client, ga_inquiry, "send_back", reason="再退一次")
    assert "不能再退回" in _text(refused)
    assert Inquiry.objects.get(pk=ga_inquiry.pk).department_id == rsj.pk


def test_the_action_url_refuses_get_unknown_actions_and_other_departments(client, items, ga_inquiry):
    rsj_official = inquiry_official(department=items[1].department)
    login_with_totp(client, inquiry_official(department=ga_inquiry.department))
    url = reverse("admin:complaints_inquiry_act", args=[ga_inquiry.pk, "answer"])
    assert client.get(url).status_code == 405
    assert client.post(reverse("admin:complaints_inquiry_act", args=[ga_inquiry.pk, "delete"])).status_code == 404

    client.logout()
    login_with_totp(client, rsj_official)
    assert client.post(url, {"answer": "越权答复"}).status_code == 404
    assert Inquiry.objects.get(pk=ga_inquiry.pk).status == InquiryStatus.ASSIGNED


# --- Who reported -------------------------------------------------------------------------


@pytest.fixture
def report(items):
    reporter = resident(display_name="举报人甲", mobile="13912340001", username="13912340001")
    return submitted_inquiry(
        kind=Kind.REPORT,
        submitter=reporter,
        service_item=items[0],
        contact_phone="13812340002",
        attachments=[_named_png("举报人甲的工作证.png")],
    )


def _named_png(name):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_the_reporter_is_hidden_from_officials_without_the_permission(client, report):
    login_with_totp(client, inquiry_official(department=report.department))
    page = _text(client.get(_page(report)))
    assert report.reference in page
    assert HIDDEN in page
    # Nor does the file name the reporter gave their attachment, on the page or in the download.
    for secret in ("举报人甲", "13912340001", "13812340002", report.submitter.real_name):
        assert secret not in page
    attachment = report.attachments.get()
    download = client.get(reverse("admin:complaints_inquiry_attachment", args=[report.pk, attachment.pk]))
    assert download.status_code == 200
    assert "举报人甲".encode() not in download["Content-Disposition"].encode()
    assert f"attachment-{attachment.pk}.png" in download["Content-Disposition"]
    # The submission row of the transitions inline names nobody either.
    assert page.count(HIDDEN) == 5  # submitter, enterprise, phone, case, and the actor of the submission
    # The download itself is on record (a file is personal data), the identity was never shown.
    assert not PersonalDataAccess.objects.exclude(field="material").exists()


def test_the_reporter_is_shown_with_the_permission_and_the_look_is_recorded(client, report):
    official = inquiry_official(department=report.department, view_reporter_identity=True)
    login_with_totp(client, official)
    page = _text(client.get(_page(report)))
    assert HIDDEN not in page
    assert "举报人甲" in page
    assert "13812340002" in page
    access = PersonalDataAccess.objects.get()
    assert (access.official, access.field) == (official, PersonalDataField.REPORTER)
    assert (access.subject_type, access.subject_id) == ("complaints.inquiry", str(report.pk))
    assert report.reference in access.reason


def test_the_submitter_of_a_complaint_is_shown_without_a_record(client, ga_inquiry):
    login_with_totp(client, inquiry_official(department=ga_inquiry.department))
    page = _text(client.get(_page(ga_inquiry)))
    assert HIDDEN not in page
    assert str(ga_inquiry.submitter) in page
    assert not PersonalDataAccess.objects.exists()


# --- Attachments --------------------------------------------------------------------------


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return SimpleUploadedFile("现场照片.png", buffer.getvalue(), content_type="image/png")


def test_an_attachment_is_downloaded_by_an_official_who_sees_the_item_once_scanned(client, items):
    inquiry = submitted_inquiry(service_item=items[0], attachments=[_png()])
    attachment = inquiry.attachments.get()
    url = reverse("admin:complaints_inquiry_attachment", args=[inquiry.pk, attachment.pk])
    official = inquiry_official(department=inquiry.department)
    login_with_totp(client, official)
    assert url in _text(client.get(_page(inquiry)))

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    access = PersonalDataAccess.objects.get()
    assert (access.official, access.field) == (official, PersonalDataField.MATERIAL)

    for status in (ScanStatus.PENDING, ScanStatus.INFECTED):
        InquiryAttachment.objects.filter(pk=attachment.pk).update(scan_status=status)
        assert client.get(url).status_code == 404
        assert url not in _text(client.get(_page(inquiry)))
    InquiryAttachment.objects.filter(pk=attachment.pk).update(scan_status=ScanStatus.CLEAN)
    assert client.get(url).status_code == 200
    other = reverse(
        "admin:complaints_inquiry_attachment", args=[submitted_inquiry(service_item=items[0]).pk, attachment.pk]
    )
    assert client.get(other).status_code == 404  # not that item's attachment

    client.logout()
    login_with_totp(client, inquiry_official(department=items[1].department))
    assert client.get(url).status_code == 404


# --- Routing tables -----------------------------------------------------------------------


def test_officials_with_the_model_permissions_edit_routing_rules_and_categories(client, items):
    official = inquiry_official(department=items[0].department)
    official.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="complaints",
            codename__in=[
                "view_routingrule",
                "add_routingrule",
                "change_routingrule",
                "add_inquirycategory",
                "view_inquirycategory",
            ],
        )
    )
    login_with_totp(client, official)
    response = client.post(
        reverse("admin:complaints_inquirycategory_add"),
        {"code": "social", "name": "社会保障", "order": 10, "active": "on"},
    )
    assert response.status_code == 302
    category = InquiryCategory.objects.get(code="social")
    response = client.post(
        reverse("admin:complaints_routingrule_add"),
        {
            "kind": Kind.COMPLAINT,
            "category": category.pk,
            "service_item": items[1].pk,
            "region_code": "440100",
            "department": items[1].department_id,
            "priority": 50,
            "active": "on",
            "note": "",
        },
    )
    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert (rule.category, rule.service_item, rule.department) == (category, items[1], items[1].department)
    page = _text(client.get(reverse("admin:complaints_routingrule_changelist")))
    assert "440100" in page
