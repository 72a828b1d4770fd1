"""The officials' queue in the admin: department scoping, queues, actions,
decisions and downloads."""

import re
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from applications.constants import Role, ScanStatus, Status
from applications.models import Application, ResultDocument, SupplementRequest, Transition
from applications.services import application_transition
from applications.tests import factories
from common.testing.files import pdf_bytes
from identity.models import PersonalDataAccess
from identity.tests.factories import login_with_totp

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/applications/application/"


def change_url(application) -> str:
    return reverse("admin:applications_application_change", args=[application.pk])


def decide_url(application, to_status) -> str:
    return reverse("admin:applications_application_decide", args=[application.pk, to_status])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def ga_item():
    return factories.published_item(department_code="ga", code="GA-001")


@pytest.fixture
def amr_item():
    return factories.published_item(department_code="amr", code="AMR-001")


@pytest.fixture
def officer(client, ga_item):
    user = factories.official(department=ga_item.department, username="official-ga")
    login_with_totp(client, user)
    return user


@pytest.fixture
def ga_case(ga_item):
    return factories.submitted_application(applicant=factories.resident(), item=ga_item)


@pytest.fixture
def amr_case(amr_item):
    return factories.submitted_application(applicant=factories.resident(), item=amr_item)


def accepted(application, by):
    return application_transition(application_id=application.pk, to_status=Status.ACCEPTED, actor=by)


# --- Department scoping ---------------------------------------------------------------


def test_official_lists_only_their_departments_cases(client, officer, ga_case, amr_case):
    page = client.get(CHANGELIST).content.decode()
    assert ga_case.case_number in page
    assert amr_case.case_number not in page
    assert "共 1 件" in page


def test_search_never_finds_another_departments_case(client, officer, ga_case, amr_case):
    page = client.get(CHANGELIST, {"q": amr_case.case_number}).content.decode()
    assert change_url(amr_case) not in page
    assert "共 0 件" in page
    page = client.get(CHANGELIST, {"q": ga_case.case_number}).content.decode()
    assert change_url(ga_case) in page


def test_filters_offer_and_show_only_the_officials_departments(client, officer, ga_case, amr_case):
    page = client.get(CHANGELIST).content.decode()
    assert ga_case.department.name in page
    assert amr_case.department.name not in page  # the department filter does not even name it
    page = client.get(CHANGELIST, {"department": amr_case.department_id}).content.decode()
    assert amr_case.case_number not in page
    page = client.get(CHANGELIST, {"status__exact": Status.SUBMITTED}).content.decode()
    assert ga_case.case_number in page and amr_case.case_number not in page


def test_another_departments_case_is_not_found_like_a_missing_one(client, officer, ga_case, amr_case):
    assert client.get(change_url(ga_case)).status_code == 200
    missing = Application.objects.order_by("-pk").first().pk + 1000
    for pk in (amr_case.pk, missing):
        assert client.get(f"{CHANGELIST}{pk}/change/").status_code == 404
        assert client.get(f"{CHANGELIST}{pk}/history/").status_code == 404
        assert client.post(f"{CHANGELIST}{pk}/decide/{Status.ACCEPTED}/").status_code == 404
        assert client.get(f"{CHANGELIST}{pk}/materials/1/").status_code == 404
        assert client.get(f"{CHANGELIST}{pk}/results/1/").status_code == 404
    amr_case.refresh_from_db()
    assert amr_case.status == Status.SUBMITTED


def test_a_forged_bulk_action_leaves_another_departments_case_alone(client, officer, ga_case, amr_case):
    for action in ("accept_selected", "claim"):
        client.post(CHANGELIST, {"action": action, "_selected_action": [amr_case.pk, ga_case.pk]})
    amr_case.refresh_from_db()
    assert amr_case.status == Status.SUBMITTED and amr_case.assigned_to is None
    assert not amr_case.transitions.filter(to_status=Status.ACCEPTED).exists()
    ga_case.refresh_from_db()
    assert ga_case.status == Status.ACCEPTED and ga_case.assigned_to == officer


def test_export_holds_only_the_officials_cases(client, officer, ga_case, amr_case):
    response = client.post(CHANGELIST, {"action": "export_csv", "_selected_action": [amr_case.pk, ga_case.pk]})
    assert response["Content-Disposition"].startswith("attachment;")
    content = response.content.decode("utf-8-sig")
    assert ga_case.case_number in content
    assert amr_case.case_number not in content


def test_a_superuser_sees_every_department(client, ga_case, amr_case):
    admin_user = factories.UserFactory(official=True, is_superuser=True)
    login_with_totp(client, admin_user)
    page = client.get(CHANGELIST).content.decode()
    assert ga_case.case_number in page and amr_case.case_number in page


def test_staff_without_a_department_see_no_case(client, ga_case):
    from django.contrib.auth.models import Permission

    user = factories.UserFactory(official=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=factories.OFFICIAL_PERMISSIONS))
    login_with_totp(client, user)
    assert ga_case.case_number not in client.get(CHANGELIST).content.decode()
    assert client.get(change_url(ga_case)).status_code == 404


# --- Queues and deadlines ---------------------------------------------------------------


def test_queue_tabs_filter_by_status_and_count_the_working_sets(client, officer, ga_item):
    applicant = factories.resident()
    waiting = factories.submitted_application(applicant=applicant, item=ga_item)
    in_review = accepted(factories.submitted_application(applicant=applicant, item=ga_item), officer)
    page = client.get(CHANGELIST).content.decode()
    assert "待受理（1）" in page and "审查中（1）" in page and "待补正（0）" in page
    pending = client.get(CHANGELIST, {"queue": "pending"}).content.decode()
    assert waiting.case_number in pending and in_review.case_number not in pending
    review = client.get(CHANGELIST, {"queue": "review"}).content.decode()
    assert in_review.case_number in review and waiting.case_number not in review


def test_a_rows_link_keeps_the_lists_filters_for_the_way_back(client, officer, ga_case):
    filters = {"queue": "pending", "status__exact": Status.SUBMITTED, "o": "2"}
    page = client.get(CHANGELIST, filters).content.decode()
    # What Django's own add_preserved_filters makes of the row's link, computed separately.
    expected = f"{change_url(ga_case)}?{urlencode({'_changelist_filters': urlencode(filters)})}"
    assert f'href="{escape(expected)}"' in page
    # Followed, the case page's "back to the list" link returns to the same filtered list.
    case_page = client.get(expected).content.decode()
    assert escape(f"{CHANGELIST}?{urlencode(filters)}") in case_page


def test_a_queue_tab_counts_up_to_its_cap(client, officer, ga_item, monkeypatch):
    from applications import admin as applications_admin

    monkeypatch.setattr(applications_admin, "QUEUE_COUNT_CAP", 2)
    applicant = factories.resident()
    for _ in range(2):
        factories.submitted_application(applicant=applicant, item=ga_item)
    assert "待受理（2）" in client.get(CHANGELIST).content.decode()
    factories.submitted_application(applicant=applicant, item=ga_item)
    assert "待受理（2+）" in client.get(CHANGELIST).content.decode()


def test_a_queue_lists_the_oldest_promise_first_and_all_lists_the_newest_case_first(client, officer, ga_item):
    applicant = factories.resident()
    later, sooner = (factories.submitted_application(applicant=applicant, item=ga_item) for _ in range(2))
    Application.objects.filter(pk=later.pk).update(promised_deadline="2026-12-20", submitted_at="2026-11-02T09:00Z")
    Application.objects.filter(pk=sooner.pk).update(promised_deadline="2026-12-10", submitted_at="2026-11-01T09:00Z")
    pending = client.get(CHANGELIST, {"queue": "pending"}).content.decode()
    assert pending.index(sooner.case_number) < pending.index(later.case_number)
    everything = client.get(CHANGELIST).content.decode()
    assert everything.index(later.case_number) < everything.index(sooner.case_number)


def test_the_deadline_reads_as_remaining_working_days_in_text(client, officer, ga_case):
    page = client.get(CHANGELIST).content.decode()
    label = re.search(r'<span class="deadline (deadline-[a-z]+)">([^<]+)</span>', page)
    assert label is not None
    css_class, text = label.groups()
    assert ga_case.promised_deadline.isoformat() in text
    # Submitted today with a 5-working-day promise: five days are left, in words, not colour alone.
    assert "剩余5个工作日" in text and css_class == "deadline-ok"


# --- Claim, assign, bulk accept ----------------------------------------------------------------


def test_claim_takes_free_cases_and_reports_those_someone_else_holds(client, officer, ga_item):
    applicant = factories.resident()
    free = factories.submitted_application(applicant=applicant, item=ga_item)
    taken = factories.submitted_application(applicant=applicant, item=ga_item)
    colleague = factories.official(department=ga_item.department)
    Application.objects.filter(pk=taken.pk).update(assigned_to=colleague)
    response = client.post(CHANGELIST, {"action": "claim", "_selected_action": [free.pk, taken.pk]}, follow=True)
    shown = messages_of(response)
    assert "已认领 1 件。" in shown
    assert any(taken.case_number in m and "已由其他工作人员认领" in m for m in shown)
    free.refresh_from_db()
    taken.refresh_from_db()
    assert free.assigned_to == officer and taken.assigned_to == colleague


def test_assign_offers_only_colleagues_of_the_same_department(client, officer, ga_case, amr_item):
    colleague = factories.official(department=ga_case.department, username="colleague-ga")
    stranger = factories.official(department=amr_item.department, username="official-amr")
    viewer = factories.official(department=ga_case.department, permissions=("view_application",))
    page = client.post(CHANGELIST, {"action": "assign", "_selected_action": [ga_case.pk]}).content.decode()
    assert f'value="{colleague.pk}"' in page and f'value="{officer.pk}"' in page
    assert f'value="{stranger.pk}"' not in page
    assert f'value="{viewer.pk}"' not in page  # may look, may not process

    forged = client.post(
        CHANGELIST, {"action": "assign", "_selected_action": [ga_case.pk], "apply": "1", "assignee": stranger.pk}
    )
    assert forged.status_code == 200  # the form comes back with its error
    ga_case.refresh_from_db()
    assert ga_case.assigned_to is None

    response = client.post(
        CHANGELIST,
        {"action": "assign", "_selected_action": [ga_case.pk], "apply": "1", "assignee": colleague.pk},
        follow=True,
    )
    assert any("已将 1 件分派给" in m for m in messages_of(response))
    ga_case.refresh_from_db()
    assert ga_case.assigned_to == colleague


def test_bulk_accept_records_one_transition_each_and_reports_refusals(client, officer, ga_item):
    applicant = factories.resident()
    first, second = (factories.submitted_application(applicant=applicant, item=ga_item) for _ in range(2))
    reviewing = accepted(factories.submitted_application(applicant=applicant, item=ga_item), officer)
    application_transition(application_id=reviewing.pk, to_status=Status.IN_REVIEW, actor=officer)

    response = client.post(
        CHANGELIST,
        {"action": "accept_selected", "_selected_action": [first.pk, second.pk, reviewing.pk]},
        follow=True,
    )
    shown = messages_of(response)
    assert "已受理 2 件。" in shown
    assert any(reviewing.case_number in m and "不能变更为“已受理”" in m for m in shown)
    for case in (first, second):
        case.refresh_from_db()
        assert case.status == Status.ACCEPTED
        assert case.transitions.filter(to_status=Status.ACCEPTED, actor=officer, role=Role.OFFICIAL).count() == 1
    reviewing.refresh_from_db()
    assert reviewing.status == Status.IN_REVIEW


def test_actions_need_the_process_permission(client, ga_case, django_user_model):
    viewer = factories.official(department=ga_case.department, permissions=("view_application",))
    login_with_totp(client, viewer)
    client.post(CHANGELIST, {"action": "accept_selected", "_selected_action": [ga_case.pk]})
    ga_case.refresh_from_db()
    assert ga_case.status == Status.SUBMITTED
    assert client.post(decide_url(ga_case, Status.ACCEPTED)).status_code == 403


# --- The case page and decisions ------------------------------------------------------------------


def test_case_page_is_read_only_and_shows_the_file(client, officer, ga_item):
    applicant = factories.UserFactory(verified=True)
    case = factories.submitted_application(applicant=applicant, item=ga_item)
    page = client.get(change_url(case)).content.decode()
    assert applicant.id_number_masked in page  # masked: 440106********1235
    assert "440106199001011235" not in page
    assert "体育西路1号" in page  # the form data
    assert case.materials.get().original_name in page
    assert "已提交" in page  # the timeline
    assert 'name="_save"' not in page
    # Only the decisions the table allows from "submitted": accept and refuse.
    assert decide_url(case, Status.ACCEPTED) in page and decide_url(case, Status.REFUSED) in page
    assert decide_url(case, Status.APPROVED) not in page
    # The admin's CSP forbids inline code: no inline script and no event handler attributes.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert not re.search(r"\son[a-z]+\s*=", page)


def test_refusing_without_a_reason_is_refused_with_the_services_message(client, officer, ga_case):
    response = client.post(decide_url(ga_case, Status.REFUSED), {f"{Status.REFUSED}-comment": "  "}, follow=True)
    assert "请填写理由或补正要求。" in messages_of(response)
    ga_case.refresh_from_db()
    assert ga_case.status == Status.SUBMITTED

    client.post(decide_url(ga_case, Status.REFUSED), {f"{Status.REFUSED}-comment": "不属于本部门职权范围"})
    ga_case.refresh_from_db()
    assert ga_case.status == Status.REFUSED
    assert ga_case.transitions.get(to_status=Status.REFUSED).comment == "不属于本部门职权范围"


def test_an_illegal_decision_shows_the_transition_error(client, officer, ga_case):
    response = client.post(decide_url(ga_case, Status.APPROVED), follow=True)
    assert "办件当前为“已提交”，不能变更为“准予许可”。" in messages_of(response)
    ga_case.refresh_from_db()
    assert ga_case.status == Status.SUBMITTED


def test_supplement_request_records_the_message(client, officer, ga_case):
    accepted(ga_case, officer)
    key = Status.SUPPLEMENT_REQUESTED
    client.post(decide_url(ga_case, key), {f"{key}-comment": "请补充身份证背面照片"})
    ga_case.refresh_from_db()
    assert ga_case.status == Status.SUPPLEMENT_REQUESTED
    assert SupplementRequest.objects.get(application=ga_case).message == "请补充身份证背面照片"


def test_approving_with_a_result_pdf_stores_a_result_document(client, officer, ga_case):
    accepted(ga_case, officer)
    key = Status.APPROVED
    response = client.post(
        decide_url(ga_case, key),
        {
            f"{key}-comment": "材料齐全，准予许可",
            f"{key}-result_name": "测试许可证",
            f"{key}-result_file": SimpleUploadedFile("许可证.pdf", pdf_bytes()),
        },
        follow=True,
    )
    assert "已保存办理结果“测试许可证”。" in messages_of(response)
    ga_case.refresh_from_db()
    assert ga_case.status == Status.APPROVED
    result = ResultDocument.objects.get(application=ga_case)
    assert result.file.read().startswith(b"%PDF")
    assert result.file.storage.path(result.file.name).startswith(str(settings.PRIVATE_MEDIA_ROOT))
    download = client.get(reverse("admin:applications_application_result", args=[ga_case.pk, result.pk]))
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"


def test_a_result_that_is_not_a_pdf_is_refused_and_nothing_changes(client, officer, ga_case):
    accepted(ga_case, officer)
    key = Status.APPROVED
    response = client.post(
        decide_url(ga_case, key),
        {f"{key}-result_file": SimpleUploadedFile("result.pdf", b"<html><script>alert(1)</script></html>")},
        follow=True,
    )
    assert any("PDF" in m for m in messages_of(response))
    ga_case.refresh_from_db()
    assert ga_case.status == Status.ACCEPTED
    assert not ResultDocument.objects.filter(application=ga_case).exists()


def test_a_repeated_approval_records_nothing_more(client, officer, ga_case):
    accepted(ga_case, officer)
    client.post(decide_url(ga_case, Status.APPROVED))
    response = client.post(decide_url(ga_case, Status.APPROVED), follow=True)
    assert any("未重复办理" in m for m in messages_of(response))
    assert Transition.objects.filter(application=ga_case, to_status=Status.APPROVED).count() == 1


# --- Materials -----------------------------------------------------------------------------------


def test_a_material_downloads_as_an_attachment_that_is_never_sniffed(client, officer, ga_case):
    material = ga_case.materials.get()
    response = client.get(reverse("admin:applications_application_material", args=[ga_case.pk, material.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    # The download is on the personal-data access record: who, whose document, when, why.
    access = PersonalDataAccess.objects.get(field="material")
    assert (access.official, access.subject_id) == (officer, str(material.pk))
    assert ga_case.case_number in access.reason


@pytest.mark.parametrize(
    ("scan_status", "message"),
    [(ScanStatus.PENDING, "该文件尚未完成查毒，暂不能下载。"), (ScanStatus.INFECTED, "该文件发现病毒，已禁止下载。")],
)
def test_a_material_not_cleared_by_the_scanner_is_not_served(client, officer, ga_case, scan_status, message):
    material = ga_case.materials.get()
    material.scan_status = scan_status
    material.save(update_fields=["scan_status"])
    url = reverse("admin:applications_application_material", args=[ga_case.pk, material.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert "Content-Disposition" not in response
    assert message in messages_of(client.get(response["Location"]))


def _has_inline_code(page: str) -> bool:
    return bool(re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) or re.search(r"\son[a-z]+\s*=", page))


def test_the_queue_pages_keep_the_admins_csp(client, officer, ga_case):
    responses = [
        client.get(CHANGELIST),
        client.get(change_url(ga_case)),
        client.post(CHANGELIST, {"action": "assign", "_selected_action": [ga_case.pk]}),
    ]
    for response in responses:
        assert response.status_code == 200
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert not _has_inline_code(response.content.decode())


def test_prefill_reports_reach_only_the_officials_of_the_cases_department(client, officer, ga_case, amr_case):
    from applications.models import PrefillReport

    PrefillReport.objects.create(application=ga_case, field="address", source="identity.name", message="地址已变更")
    PrefillReport.objects.create(application=amr_case, field="address", source="identity.name", message="别的部门")

    page = client.get("/admin/applications/prefillreport/").content.decode()

    assert "地址已变更" in page
    assert "别的部门" not in page
