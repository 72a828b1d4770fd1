"""Inquiries and complaints (咨询投诉): routing, deadlines, the workflow, transfers and reporters."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from applications.calendar import add_working_days, working_days_between
from applications.constants import ScanStatus, Status
from applications.models import CalendarDay
from common.exceptions import ApplicationError
from complaints import selectors_inquiries as selectors
from complaints import services_inquiries as services
from complaints.constants import INQUIRY_TRANSITIONS, InquiryAction, InquiryStatus, Kind
from complaints.models import Inquiry, InquiryAttachment, InquiryCategory, InquiryTransition, RoutingRule
from notifications.constants import Channel
from notifications.models import OutboxMessage
from services.models import Department

from .factories import (
    application_in,
    dispatcher,
    inquiry_official,
    published_item,
    resident,
    submitted_inquiry,
)

pytestmark = pytest.mark.django_db


def _department(code: str, region_code: str = "440100", region: str = "广州市") -> Department:
    return Department.objects.get_or_create(
        code=code, defaults={"name": f"部门{code}", "region": region, "region_code": region_code}
    )[0]


def _actions(inquiry):
    return list(inquiry.transitions.values_list("action", "from_status", "to_status"))


# --- Routing ------------------------------------------------------------------------------


def test_the_most_specific_rule_picks_the_department():
    social = InquiryCategory.objects.create(code="social", name="社会保障")
    province, city, district, item_owner, reports = (
        _department(code) for code in ("province", "city", "district", "owner", "jiwei")
    )
    item = published_item(department_code="ga")
    RoutingRule.objects.create(category=social, region_code="440000", department=province)
    RoutingRule.objects.create(category=social, region_code="440100", department=city)
    RoutingRule.objects.create(category=social, region_code="440106", department=district)
    RoutingRule.objects.create(service_item=item, department=item_owner)
    RoutingRule.objects.create(kind=Kind.REPORT, department=reports)
    RoutingRule.objects.create(category=social, region_code="440106", department=reports, active=False)

    def routed(**attributes):
        routing = selectors.routing_for(**{"kind": Kind.COMPLAINT, **attributes})
        return routing.department_id

    # The deepest region that covers the place wins; a code outside every rule's region falls through.
    assert routed(category_id=social.pk, region_code="440106") == district.pk
    assert routed(category_id=social.pk, region_code="440105") == city.pk
    assert routed(category_id=social.pk, region_code="441900") == province.pk
    assert routed(category_id=social.pk, region_code="450100") is None
    # A rule for the service item beats a category rule.
    assert routed(category_id=social.pk, region_code="440106", service_item=item) == item_owner.pk
    # A report of anything goes to the discipline office, unless a more specific rule applies.
    assert routed(kind=Kind.REPORT) == reports.pk
    assert routed(kind=Kind.REPORT, category_id=social.pk, region_code="440106") == district.pk


def test_without_a_rule_the_case_or_item_department_handles_it_else_the_dispatch_centre():
    item = published_item(department_code="rsj")
    case = application_in(Status.CONCLUDED, item=item)
    named = _department("named")

    about_case = submitted_inquiry(submitter=case.applicant, application=case)
    assert about_case.status == InquiryStatus.ASSIGNED
    assert about_case.department_id == case.department_id
    assert about_case.service_item_id == item.pk  # taken from the case
    assert _actions(about_case) == [
        (InquiryAction.SUBMIT, "", InquiryStatus.RECEIVED),
        (InquiryAction.ROUTE, InquiryStatus.RECEIVED, InquiryStatus.ASSIGNED),
    ]
    assert submitted_inquiry(service_item=item).department_id == item.department_id
    assert submitted_inquiry(about_department=named).department_id == named.pk

    unrouted = submitted_inquiry(kind=Kind.SUGGESTION, region_code="440100")
    assert unrouted.status == InquiryStatus.RECEIVED
    assert unrouted.department_id is None


def test_a_rule_for_the_region_of_the_item_department_routes_it():
    rsj = _department("rsj-sz", region_code="440300", region="深圳市")
    item = published_item(department_code="rsj-sz")
    handler = _department("sz-centre", region_code="440300", region="深圳市")
    RoutingRule.objects.create(region_code="440300", kind=Kind.COMPLAINT, department=handler)
    inquiry = submitted_inquiry(service_item=item)
    assert inquiry.region_code == rsj.region_code
    assert inquiry.department_id == handler.pk
    assert inquiry.routing_rule is not None


# --- Deadlines ----------------------------------------------------------------------------


def test_each_kind_has_its_answer_deadline_in_working_days_skipping_holidays(settings):
    today = timezone.localdate()
    days = settings.INQUIRY_ANSWER_WORKING_DAYS[Kind.COMPLAINT]
    without_holiday = add_working_days(today, days).date
    holiday = today + datetime.timedelta(days=1)
    while not (holiday.weekday() < 5 and not CalendarDay.objects.filter(date=holiday).exists()):
        holiday += datetime.timedelta(days=1)
    assert holiday < without_holiday
    CalendarDay.objects.create(date=holiday, kind=CalendarDay.Kind.HOLIDAY, name="测试假日")

    complaint = submitted_inquiry(kind=Kind.COMPLAINT)
    assert complaint.due_date == add_working_days(without_holiday, 1).date
    assert working_days_between(today, complaint.due_date) == days
    question = submitted_inquiry(kind=Kind.INQUIRY)
    assert working_days_between(today, question.due_date) == settings.INQUIRY_ANSWER_WORKING_DAYS[Kind.INQUIRY]


# --- Submission ---------------------------------------------------------------------------


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return SimpleUploadedFile("现场照片.png", buffer.getvalue(), content_type="image/png")


def test_attachments_are_checked_like_application_uploads_and_nothing_is_stored_on_refusal():
    html = SimpleUploadedFile("a.png", b"<html><script>alert(1)</script></html>", content_type="image/png")
    with pytest.raises(ApplicationError) as refused:
        submitted_inquiry(attachments=[_png(), html])
    assert refused.value.code == "type_not_allowed"
    assert not Inquiry.objects.exists()
    assert not InquiryAttachment.objects.exists()

    inquiry = submitted_inquiry(attachments=[_png()])
    attachment = inquiry.attachments.get()
    assert attachment.original_name == "现场照片.png"
    assert attachment.content_type == "image/png"
    assert attachment.scan_status == ScanStatus.NOT_SCANNED  # no clamd configured in tests
    assert "现场照片" not in attachment.file.name


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"subject": ""}, "subject_required"),
        ({"content": "长" * 2001}, "content_too_long"),
        ({"kind": "praise"}, "invalid_kind"),
        ({"kind": Kind.COMPLAINT, "anonymous": True}, "anonymous_not_allowed"),
        ({"contact_phone": "12345"}, "invalid_phone"),
    ],
)
def test_bad_submissions_are_refused_with_a_reason(fields, code):
    with pytest.raises(ApplicationError) as refused:
        submitted_inquiry(**fields)
    assert refused.value.code == code
    assert not Inquiry.objects.exists()


def test_a_resident_cannot_name_someone_elses_case():
    case = application_in(Status.CONCLUDED)
    with pytest.raises(ApplicationError) as refused:
        submitted_inquiry(submitter=resident(), application=case)
    assert refused.value.code == "application_not_found"


def test_an_anonymous_report_keeps_nothing_that_names_the_reporter_and_is_followed_by_its_code():
    reporter = resident()
    inquiry, code = services.inquiry_submit(
        kind=Kind.REPORT,
        subject="窗口工作人员索要好处费",
        content="办理营业执照时被暗示需要额外付费。",
        submitter=reporter,
        anonymous=True,
        contact_phone="13800138000",
        about_department=_department("scj"),
    )
    assert inquiry.reference.startswith("JB")
    assert inquiry.submitter is None and inquiry.contact_phone == "" and inquiry.anonymous
    assert not inquiry.transitions.filter(actor=reporter).exists()
    assert code not in inquiry.query_code_hash
    assert selectors.inquiry_by_query_code(reference=inquiry.reference, query_code=code.lower()) == inquiry
    assert selectors.inquiry_by_query_code(reference=inquiry.reference, query_code="WRONG234") is None
    assert selectors.inquiry_by_query_code(reference="JB00000000000000", query_code=code) is None
    assert not selectors.inquiries_for_resident(user=reporter).exists()


def test_a_named_reporter_is_visible_only_with_the_named_permission():
    department = _department("scj")
    report = submitted_inquiry(kind=Kind.REPORT, about_department=department)
    complaint = submitted_inquiry(kind=Kind.COMPLAINT, about_department=department)
    plain = inquiry_official(department=department)
    trusted = inquiry_official(department=department, view_reporter_identity=True)
    assert not selectors.may_see_reporter(user=plain, inquiry=report)
    assert selectors.may_see_reporter(user=plain, inquiry=complaint)
    assert selectors.may_see_reporter(user=trusted, inquiry=report)


# --- The workflow ---------------------------------------------------------------------------


def test_answer_then_the_resident_closes_satisfied_and_is_told_of_the_answer():
    department = _department("scj")
    inquiry = submitted_inquiry(about_department=department)
    official = inquiry_official(department=department)

    services.inquiry_answer(inquiry_id=inquiry.pk, actor=official, answer="已约谈窗口负责人，增开两个窗口。")
    # A repeated answer (a double click) changes nothing and records nothing.
    services.inquiry_answer(inquiry_id=inquiry.pk, actor=official, answer="已约谈窗口负责人，增开两个窗口。")
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.ANSWERED
    message = OutboxMessage.objects.get(
        template="complaints.inquiry_answered", user=inquiry.submitter, channel=Channel.INBOX
    )
    assert message.context["reference"] == inquiry.reference

    services.inquiry_close(inquiry_id=inquiry.pk, user=inquiry.submitter, satisfied=True)
    services.inquiry_close(inquiry_id=inquiry.pk, user=inquiry.submitter, satisfied=True)
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.CLOSED and inquiry.satisfied is True
    assert [action for action, _f, _t in _actions(inquiry)] == [
        InquiryAction.SUBMIT,
        InquiryAction.ROUTE,
        InquiryAction.ANSWER,
        InquiryAction.CLOSE,
    ]


def test_an_unsatisfied_resident_reopens_within_the_window_with_a_fresh_deadline(settings):
    department = _department("scj")
    inquiry = submitted_inquiry(about_department=department)
    official = inquiry_official(department=department)
    services.inquiry_answer(inquiry_id=inquiry.pk, actor=official, answer="已处理。")
    services.inquiry_reopen(inquiry_id=inquiry.pk, user=inquiry.submitter, reason="没有说明怎么处理的")
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.REOPENED
    assert inquiry.reopen_count == 1 and inquiry.satisfied is False
    assert (
        working_days_between(timezone.localdate(), inquiry.due_date)
        == settings.INQUIRY_ANSWER_WORKING_DAYS[inquiry.kind]
    )
    services.inquiry_answer(inquiry_id=inquiry.pk, actor=official, answer="已增开两个窗口，排队缩短到20分钟。")
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.ANSWERED

    # Past the window, reopening is refused.
    Inquiry.objects.filter(pk=inquiry.pk).update(answered_at=timezone.now() - datetime.timedelta(days=30))
    with pytest.raises(ApplicationError) as refused:
        services.inquiry_reopen(inquiry_id=inquiry.pk, user=inquiry.submitter, reason="还是不满意")
    assert refused.value.code == "reopen_closed"


def test_only_the_submitter_or_the_code_holder_may_close_or_reopen():
    department = _department("scj")
    inquiry = submitted_inquiry(about_department=department)
    services.inquiry_answer(inquiry_id=inquiry.pk, actor=inquiry_official(department=department), answer="已处理。")
    with pytest.raises(ApplicationError) as refused:
        services.inquiry_close(inquiry_id=inquiry.pk, user=resident(), satisfied=True)
    assert refused.value.code == "not_found"


def test_an_official_of_another_department_cannot_answer():
    inquiry = submitted_inquiry(about_department=_department("scj"))
    stranger = inquiry_official(department=_department("other"))
    with pytest.raises(ApplicationError) as refused:
        services.inquiry_answer(inquiry_id=inquiry.pk, actor=stranger, answer="答复")
    assert refused.value.code == "permission_denied"
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.ASSIGNED


def test_the_resident_cannot_close_before_an_answer():
    inquiry = submitted_inquiry(about_department=_department("scj"))
    with pytest.raises(ApplicationError) as refused:
        services.inquiry_close(inquiry_id=inquiry.pk, user=inquiry.submitter, satisfied=True)
    assert refused.value.code == "transition_not_allowed"


def test_every_move_in_the_table_has_a_service():
    # The table names every role that moves an item; each is exercised above or below.
    assert {role for roles in INQUIRY_TRANSITIONS.values() for role in roles} == {
        "resident",
        "department",
        "dispatcher",
        "system",
    }


# --- Transfers --------------------------------------------------------------------------------


def test_a_transfer_moves_it_with_a_reason_and_keeps_the_deadline(settings):
    first, second = _department("first"), _department("second")
    inquiry = submitted_inquiry(about_department=first)
    due = inquiry.due_date
    services.inquiry_transfer(
        inquiry_id=inquiry.pk,
        department=second,
        actor=inquiry_official(department=first),
        reason="属于第二部门职责",
    )
    inquiry.refresh_from_db()
    assert inquiry.department_id == second.pk
    assert inquiry.status == InquiryStatus.ASSIGNED
    assert inquiry.transfer_count == 1
    assert inquiry.due_date == due
    transfer = inquiry.transitions.get(action=InquiryAction.TRANSFER)
    assert (transfer.from_department_id, transfer.to_department_id, transfer.comment) == (
        first.pk,
        second.pk,
        "属于第二部门职责",
    )
    # The first department no longer sees it, the second does.
    assert not selectors.inquiries_for_official(user=inquiry_official(department=first)).filter(pk=inquiry.pk)
    assert selectors.inquiries_for_official(user=inquiry_official(department=second)).filter(pk=inquiry.pk)


def test_transfers_are_limited_so_nothing_bounces_forever(settings):
    settings.INQUIRY_MAX_TRANSFERS = 2
    a, b, c, d, e = (_department(code) for code in "abcde")
    officials = {dep.pk: inquiry_official(department=dep) for dep in (a, b, c, d, e)}
    inquiry = submitted_inquiry(about_department=a)

    def transfer(to):
        current = Inquiry.objects.get(pk=inquiry.pk).department_id
        return services.inquiry_transfer(
            inquiry_id=inquiry.pk, department=to, actor=officials[current], reason="非本部门职责"
        )

    transfer(b)
    # Never back to a department that already held it.
    with pytest.raises(ApplicationError) as back:
        transfer(a)
    assert back.value.code == "already_handled"
    transfer(c)
    with pytest.raises(ApplicationError) as limit:
        transfer(d)
    assert limit.value.code == "transfer_limit"

    # The last department may send it back to the dispatch centre, once; the centre's choice is final.
    services.inquiry_send_back(inquiry_id=inquiry.pk, actor=officials[c.pk], reason="确非本部门职责")
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.department_id) == (InquiryStatus.RECEIVED, None)
    centre = dispatcher(department=_department("centre"))
    services.inquiry_assign(inquiry_id=inquiry.pk, department=d, actor=centre, comment="经研判由D部门办理")
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.department_id) == (InquiryStatus.ASSIGNED, d.pk)
    with pytest.raises(ApplicationError) as final:
        services.inquiry_transfer(inquiry_id=inquiry.pk, department=e, actor=officials[d.pk], reason="不是我们")
    assert final.value.code == "dispatch_final"
    with pytest.raises(ApplicationError) as once:
        services.inquiry_send_back(inquiry_id=inquiry.pk, actor=officials[d.pk], reason="不是我们")
    assert once.value.code == "sent_back_once"
    assert [row.action for row in inquiry.transitions.all()] == [
        InquiryAction.SUBMIT,
        InquiryAction.ROUTE,
        InquiryAction.TRANSFER,
        InquiryAction.TRANSFER,
        InquiryAction.SEND_BACK,
        InquiryAction.ASSIGN,
    ]


def test_a_transfer_needs_a_reason_and_the_handling_department():
    first, second = _department("first"), _department("second")
    inquiry = submitted_inquiry(about_department=first)
    with pytest.raises(ApplicationError) as no_reason:
        services.inquiry_transfer(
            inquiry_id=inquiry.pk, department=second, actor=inquiry_official(department=first), reason=" "
        )
    assert no_reason.value.code == "reason_required"
    with pytest.raises(ApplicationError) as not_theirs:
        services.inquiry_transfer(
            inquiry_id=inquiry.pk, department=second, actor=inquiry_official(department=second), reason="抢过来"
        )
    assert not_theirs.value.code == "permission_denied"
    assert not InquiryTransition.objects.filter(action=InquiryAction.TRANSFER).exists()


def test_only_the_dispatch_centre_assigns_a_received_item():
    inquiry = submitted_inquiry(kind=Kind.SUGGESTION)
    department = _department("scj")
    with pytest.raises(ApplicationError) as refused:
        services.inquiry_assign(
            inquiry_id=inquiry.pk, department=department, actor=inquiry_official(department=department)
        )
    assert refused.value.code == "permission_denied"
    centre = dispatcher(department=_department("centre"))
    services.inquiry_assign(inquiry_id=inquiry.pk, department=department, actor=centre)
    services.inquiry_assign(inquiry_id=inquiry.pk, department=department, actor=centre)  # repeated: no change
    assert inquiry.transitions.filter(action=InquiryAction.ASSIGN).count() == 1


# --- Escalation and closing by the system ---------------------------------------------------


def _working_day_after(day: datetime.date, n: int) -> datetime.date:
    return add_working_days(day, n).date


def test_overdue_items_are_escalated_to_the_department_then_the_dispatch_centre_once_each(settings):
    settings.INQUIRY_ESCALATE_TO_DISPATCH_AFTER_WORKING_DAYS = 3
    department = _department("scj")
    inquiry = submitted_inquiry(about_department=department)
    handler = inquiry_official(department=department)
    centre = dispatcher(department=_department("centre"))

    # Not yet due: nothing happens.
    assert services.inquiries_escalate_overdue(today=inquiry.due_date)["escalated"] == 0
    one_day_late = _working_day_after(inquiry.due_date, 1)
    assert services.inquiries_escalate_overdue(today=one_day_late)["escalated"] == 1
    assert services.inquiries_escalate_overdue(today=one_day_late)["escalated"] == 0  # idempotent
    inquiry.refresh_from_db()
    assert inquiry.escalation_level == 1
    escalated = OutboxMessage.objects.filter(template="complaints.inquiry_escalated")
    assert set(escalated.values_list("user_id", flat=True)) == {handler.pk}

    four_days_late = _working_day_after(inquiry.due_date, 4)
    assert services.inquiries_escalate_overdue(today=four_days_late)["escalated"] == 1
    assert services.inquiries_escalate_overdue(today=four_days_late)["escalated"] == 0
    inquiry.refresh_from_db()
    assert inquiry.escalation_level == 2
    assert set(escalated.values_list("user_id", flat=True)) == {handler.pk, centre.pk}
    assert inquiry.transitions.filter(action=InquiryAction.ESCALATE).count() == 2
    # An answered item is not escalated again.
    services.inquiry_answer(inquiry_id=inquiry.pk, actor=handler, answer="已处理")
    assert services.inquiries_escalate_overdue(today=four_days_late)["escalated"] == 0


def test_an_overdue_unassigned_item_goes_to_the_dispatch_centre_at_once():
    inquiry = submitted_inquiry(kind=Kind.SUGGESTION)
    centre = dispatcher(department=_department("centre"))
    services.inquiries_escalate_overdue(today=_working_day_after(inquiry.due_date, 1))
    inquiry.refresh_from_db()
    assert inquiry.escalation_level == 2
    assert OutboxMessage.objects.filter(template="complaints.inquiry_escalated", user=centre).exists()


def test_answers_nobody_reopened_in_time_are_closed_by_the_system(settings):
    department = _department("scj")
    inquiry = submitted_inquiry(about_department=department)
    services.inquiry_answer(inquiry_id=inquiry.pk, actor=inquiry_official(department=department), answer="已处理")
    answered_on = timezone.localdate()
    last_day = _working_day_after(answered_on, settings.INQUIRY_REOPEN_WORKING_DAYS)
    assert services.inquiries_escalate_overdue(today=last_day)["closed"] == 0
    assert services.inquiries_escalate_overdue(today=last_day + datetime.timedelta(days=1))["closed"] == 1
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.CLOSED
    assert inquiry.satisfied is None  # the resident said nothing
    assert inquiry.transitions.last().role == "system"
