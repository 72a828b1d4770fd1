"""Applying online: prefill, locked fields, wrong-data reports, drafts and submission."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.constants import Status
from applications.models import Application, PrefillReport, SubmittedMaterial
from applications.services import application_start, material_add_upload
from applications.tests.factories import pdf_upload, private_media_root, published_item, resident
from identity.constants import AssuranceLevel

pytestmark = pytest.mark.django_db


@pytest.fixture
def item():
    return published_item()


@pytest.fixture
def private_root(settings, tmp_path):
    with private_media_root(settings, tmp_path / "private") as root:
        yield root


@pytest.fixture
def applicant():
    return resident(real_name="李小明")


def _start(client, user, item) -> Application:
    client.force_login(user)
    response = client.post(f"/applications/new/{item.code}/")
    assert response.status_code == 302
    application = Application.objects.get(applicant=user, status=Status.DRAFT)
    assert response["Location"] == reverse("applications:draft", kwargs={"draft_id": application.pk})
    return application


def test_the_catalogue_apply_url_shows_a_start_button_and_writes_nothing(client, item, applicant):
    client.force_login(applicant)
    page = client.get(f"/applications/new/{item.code}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<form method="post"' in html
    assert "开始申请" in html
    assert not Application.objects.exists()


def test_the_start_button_starts_a_draft_and_the_form_arrives_prefilled(client, item, applicant):
    application = _start(client, applicant, item)
    page = client.get(reverse("applications:draft", kwargs={"draft_id": application.pk}))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'value="李小明"' in html
    assert f'value="{applicant.id_number_masked}"' in html
    assert "*" in applicant.id_number_masked  # only the masked number is ever shown
    assert applicant.id_number not in html
    today = timezone.localdate().isoformat()
    assert f"来自：实名认证信息，{today} 更新" in html
    assert "权威来源，不可修改" in html
    assert "信息有误？" in html
    assert "no-cache" in page["Cache-Control"] or "no-store" in page["Cache-Control"]


def test_opening_the_apply_url_again_offers_and_continues_the_same_draft(client, item, applicant):
    first = _start(client, applicant, item)
    page = client.get(f"/applications/new/{item.code}/").content.decode()
    assert "继续填写" in page
    assert reverse("applications:draft", kwargs={"draft_id": first.pk}) in page
    again = client.post(f"/applications/new/{item.code}/")
    assert again["Location"] == reverse("applications:draft", kwargs={"draft_id": first.pk})
    assert Application.objects.filter(applicant=applicant).count() == 1


def test_a_tampered_value_for_a_locked_field_is_ignored(client, item, applicant):
    application = _start(client, applicant, item)
    url = reverse("applications:draft", kwargs={"draft_id": application.pk})
    response = client.post(
        url,
        {"applicant_name": "王冒名", "id_number": "110101199003070000", "mobile": "13912345678", "action": "save"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.form_data["applicant_name"] == "李小明"
    assert application.form_data["id_number"] == applicant.id_number_masked
    assert application.form_data["mobile"] == "13912345678"  # not authoritative: the resident may change it


def test_an_unverified_resident_is_told_to_verify_first(client, item):
    client.force_login(resident(verified=False))
    response = client.post(f"/applications/new/{item.code}/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "需要先完成实名认证" in html
    assert reverse("identity:verify") in html
    assert not Application.objects.exists()


def test_an_unknown_or_unpublished_service_answers_404(client, applicant):
    client.force_login(applicant)
    for response in (client.get("/applications/new/NO-SUCH-ITEM/"), client.post("/applications/new/NO-SUCH-ITEM/")):
        assert response.status_code == 404
        assert "暂不可在线办理" in response.content.decode()


def test_the_apply_pages_require_login(client, item):
    response = client.get(f"/applications/new/{item.code}/")
    assert response.status_code == 302
    assert reverse("identity:login") in response["Location"]
    assert client.get("/my/applications/").status_code == 302
    assert client.get("/my/messages/").status_code == 302


def test_an_enterprise_service_asks_which_enterprise_and_refuses_one_not_yours(client):
    from identity.tests.factories import EnterpriseFactory, MandateFactory

    item = published_item(code="TEST-ENT-001", audience="enterprise")
    user = resident()
    mine = EnterpriseFactory(legal_representative=user)
    mandated = MandateFactory(agent=user, service_codes=[item.code]).enterprise
    unverified = EnterpriseFactory(legal_representative=user, unverified=True)
    other = EnterpriseFactory()
    client.force_login(user)
    chooser = client.get(f"/applications/new/{item.code}/")
    assert chooser.status_code == 200
    page = chooser.content.decode()
    assert "为谁办理" in page
    assert mine.name in page
    assert mandated.name in page
    assert unverified.name not in page
    assert other.name not in page
    assert '<form method="post"' in page
    assert not Application.objects.exists()
    for choice in (
        {"principal": f"enterprise:{other.pk}"},
        {"principal": f"enterprise:{unverified.pk}"},
        {"principal": "self"},
        {},
    ):
        refused = client.post(f"/applications/new/{item.code}/", choice)
        assert refused.status_code == 400
        assert "请从列表中选择您代表的企业" in refused.content.decode()
    assert not Application.objects.exists()
    started = client.post(f"/applications/new/{item.code}/", {"principal": f"enterprise:{mandated.pk}"})
    assert started.status_code == 302
    application = Application.objects.get()
    assert (application.enterprise, application.principal_user) == (mandated, None)


def test_with_exactly_one_option_the_apply_page_does_not_ask(client):
    from identity.tests.factories import EnterpriseFactory

    item = published_item(code="TEST-ENT-002", audience="enterprise")
    user = resident()
    mine = EnterpriseFactory(legal_representative=user)
    client.force_login(user)
    page = client.get(f"/applications/new/{item.code}/").content.decode()
    assert 'name="principal"' not in page
    assert mine.name in page
    assert client.post(f"/applications/new/{item.code}/").status_code == 302
    assert Application.objects.get().enterprise == mine


def test_a_wrong_prefilled_value_can_be_reported(client, item, applicant):
    application = _start(client, applicant, item)
    url = reverse("applications:prefill_report", kwargs={"draft_id": application.pk})
    response = client.post(url, {"field": "applicant_name", "message": "姓名中的生僻字显示不正确"})
    assert response.status_code == 302
    report = PrefillReport.objects.get()
    assert (report.application, report.field, report.source) == (application, "applicant_name", "identity.name")
    assert report.message == "姓名中的生僻字显示不正确"
    # A field that was not prefilled cannot be reported, and the message is required.
    refused = client.post(url, {"field": "address", "message": "x"})
    assert refused.status_code == 400
    refused = client.post(url, {"field": "applicant_name", "message": ""})
    assert refused.status_code == 400
    assert PrefillReport.objects.count() == 1


def test_the_autosave_endpoint_saves_the_draft_and_answers_json(client, item, applicant):
    application = _start(client, applicant, item)
    url = reverse("applications:autosave", kwargs={"draft_id": application.pk})
    response = client.post(url, {"address": "广州市天河区体育西路1号", "reason": "开", "applicant_name": "篡改"})
    assert response.status_code == 200
    body = response.json()
    assert body["saved"] is True
    assert "草稿已自动保存" in body["message"]
    application.refresh_from_db()
    assert application.form_data["address"] == "广州市天河区体育西路1号"
    assert application.form_data["applicant_name"] == "李小明"


def test_autosave_of_someone_elses_draft_is_not_found_and_changes_nothing(client, item, applicant):
    application = _start(client, applicant, item)
    client.force_login(resident())
    url = reverse("applications:autosave", kwargs={"draft_id": application.pk})
    response = client.post(url, {"address": "别人的地址"})
    assert response.status_code == 404
    application.refresh_from_db()
    assert "address" not in application.form_data
    assert client.get(reverse("applications:draft", kwargs={"draft_id": application.pk})).status_code == 404


def test_the_draft_page_loads_the_autosave_script_from_a_static_file(client, item, applicant):
    application = _start(client, applicant, item)
    html = client.get(reverse("applications:draft", kwargs={"draft_id": application.pk})).content.decode()
    assert "js/application-draft.js" in html
    assert "<script>" not in html
    assert f'data-autosave-url="{reverse("applications:autosave", kwargs={"draft_id": application.pk})}"' in html


def _fill(client, application, **extra):
    data = {"mobile": "13912345678", "address": "广州市越秀区府前路1号", "reason": "测试", **extra}
    return client.post(reverse("applications:draft", kwargs={"draft_id": application.pk}), data)


def test_submitting_without_the_mandatory_material_lists_what_is_missing(client, item, applicant):
    application = _start(client, applicant, item)
    response = _fill(client, application, action="submit")
    assert response.status_code == 400
    html = response.content.decode()
    assert "还缺少必要材料" in html
    assert "身份证明" in html
    application.refresh_from_db()
    assert application.status == Status.DRAFT
    assert application.form_data["address"] == "广州市越秀区府前路1号"  # the draft was kept


def test_submitting_an_incomplete_form_shows_errors_next_to_the_fields(client, item, applicant):
    application = _start(client, applicant, item)
    response = _fill(client, application, address="", mobile="12", action="submit")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_address_error"' in html
    assert 'aria-invalid="true"' in html
    assert 'href="#id_address"' in html  # the error summary links to the field
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_submission_produces_a_case_number_and_deadlines(client, item, applicant):
    application = _start(client, applicant, item)
    requirement = item.published_version.materials.get()
    client.post(
        reverse("applications:material_upload", kwargs={"draft_id": application.pk}),
        {"requirement": requirement.pk, "file": pdf_upload()},
    )
    response = _fill(client, application, action="submit")
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert application.case_number.startswith(f"{item.department.code.upper()}-{timezone.localdate():%Y%m%d}-")
    assert application.promised_deadline > timezone.localdate()
    assert application.statutory_deadline >= application.promised_deadline
    assert response.status_code == 302
    assert response["Location"] == f"/my/applications/{application.case_number}/"
    page = client.get(response["Location"])
    assert application.case_number in page.content.decode()
    assert application.promised_deadline.isoformat() in page.content.decode()
    # The draft page of a submitted case leads to the case.
    again = client.get(reverse("applications:draft", kwargs={"draft_id": application.pk}))
    assert again["Location"] == f"/my/applications/{application.case_number}/"


def test_an_uploaded_material_can_be_removed_while_the_application_is_a_draft(
    client, item, applicant, private_root, django_capture_on_commit_callbacks
):
    application = _start(client, applicant, item)
    requirement = item.published_version.materials.get()
    material = material_add_upload(
        application=application, requirement=requirement, uploaded=pdf_upload("证明.pdf"), actor=applicant
    )
    stored = private_root / material.file.name
    assert stored.exists()
    html = client.get(reverse("applications:draft", kwargs={"draft_id": application.pk})).content.decode()
    assert "证明.pdf" in html
    other = resident()
    client.force_login(other)
    url = reverse("applications:material_delete", kwargs={"draft_id": application.pk, "material_id": material.pk})
    assert client.post(url).status_code == 404
    client.force_login(applicant)
    # The file goes once the removal commits.
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    assert not SubmittedMaterial.objects.exists()
    assert not stored.exists()


def test_the_purge_task_deletes_only_drafts_untouched_past_retention(
    item, applicant, settings, private_root, django_capture_on_commit_callbacks
):
    from applications.tasks import purge_drafts

    settings.APPLICATION_DRAFT_RETENTION_DAYS = 30
    old = application_start(applicant=applicant, item_code=item.code)
    requirement = item.published_version.materials.get()
    material = material_add_upload(application=old, requirement=requirement, uploaded=pdf_upload(), actor=applicant)
    stored = private_root / material.file.name
    long_ago = timezone.now() - datetime.timedelta(days=31)
    Application.objects.filter(pk=old.pk).update(updated_at=long_ago)
    SubmittedMaterial.objects.filter(pk=material.pk).update(created_at=long_ago)

    recent = application_start(applicant=resident(), item_code=item.code)
    Application.objects.filter(pk=recent.pk).update(updated_at=timezone.now() - datetime.timedelta(days=29))
    submitted_long_ago = application_start(applicant=resident(), item_code=item.code)
    Application.objects.filter(pk=submitted_long_ago.pk).update(status=Status.SUBMITTED, updated_at=long_ago)
    # A draft whose form is old but which got a material yesterday is still in use.
    in_use = application_start(applicant=resident(), item_code=item.code)
    material_add_upload(application=in_use, requirement=requirement, uploaded=pdf_upload(), actor=in_use.applicant)
    Application.objects.filter(pk=in_use.pk).update(updated_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True):
        assert purge_drafts() == 1
    assert set(Application.objects.values_list("pk", flat=True)) == {recent.pk, submitted_long_ago.pk, in_use.pk}
    assert not SubmittedMaterial.objects.filter(pk=material.pk).exists()
    assert not stored.exists()


def test_the_daily_retention_run_purges_stale_drafts(settings):
    from monitoring.retention import registry

    assert registry.get("drafts").purge is not None
    assert [e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()].count("monitoring.purge_expired") == 1
    assert settings.APPLICATION_DRAFT_RETENTION_DAYS == 30


def test_a_resident_with_only_mobile_verification_can_not_start(client, item):
    user = resident(verified=False)
    assert user.assurance_level < AssuranceLevel.L2
    client.force_login(user)
    assert client.post(f"/applications/new/{item.code}/").status_code == 403


# --- Fewer screens: review before submitting, materials on the form page ---------------------------


def _upload_url(application):
    return reverse("applications:material_upload", kwargs={"draft_id": application.pk})


def test_next_checks_the_form_and_materials_then_the_review_screen_submits(
    client, item, applicant, private_root, django_assert_max_num_queries
):
    application = _start(client, applicant, item)
    review_url = reverse("applications:review", kwargs={"draft_id": application.pk})
    missing = _fill(client, application, action="review")
    assert missing.status_code == 400
    assert "还缺少必要材料" in missing.content.decode()

    requirement = item.published_version.materials.get()
    client.post(_upload_url(application), {"requirement": requirement.pk, "file": pdf_upload()})
    response = _fill(client, application, action="review")
    assert (response.status_code, response["Location"]) == (302, review_url)

    with django_assert_max_num_queries(25):
        page = client.get(review_url)
    html = page.content.decode()
    assert "核对申请信息" in html
    assert "广州市越秀区府前路1号" in html  # the saved answers
    assert "来自：实名认证信息" in html  # and where the held ones come from
    application.refresh_from_db()
    assert f"已为您自动填写 {len(application.field_sources)}/5 项" in html
    assert application.status == Status.DRAFT  # reviewing submits nothing

    submitted = client.post(review_url)
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert submitted["Location"] == f"/my/applications/{application.case_number}/"
    assert client.get(review_url)["Location"] == f"/my/applications/{application.case_number}/"


def test_the_form_page_states_how_much_was_prefilled(client, item, applicant):
    application = _start(client, applicant, item)
    html = client.get(reverse("applications:draft", kwargs={"draft_id": application.pk})).content.decode()
    # Name and ID number (locked) and the account's mobile number: the other two are the resident's to give.
    filled = len(application.field_sources)
    assert set(application.field_sources) >= {"applicant_name", "id_number"}
    assert f'data-prefilled="{filled}" data-total="5"' in html
    assert f"已为您自动填写 {filled}/5 项" in html
    assert "js/application-materials.js" in html
    english = client.get(f"/en/applications/drafts/{application.pk}/").content.decode()
    assert f"We filled in {filled} of 5 fields for you" in english


def test_several_files_at_once_without_the_script_each_checked_and_the_page_reloads(
    client, item, applicant, private_root
):
    application = _start(client, applicant, item)
    requirement = item.published_version.materials.get()
    response = client.post(
        _upload_url(application), {"requirement": requirement.pk, "file": [pdf_upload("一.pdf"), pdf_upload("二.pdf")]}
    )
    assert response.status_code == 302
    assert sorted(application.materials.values_list("original_name", flat=True)) == ["一.pdf", "二.pdf"]


def test_the_script_gets_each_file_checked_as_it_arrives_and_the_row_back(client, item, applicant, private_root):
    from django.core.files.uploadedfile import SimpleUploadedFile

    application = _start(client, applicant, item)
    requirement = item.published_version.materials.get()
    answer = client.post(
        _upload_url(application),
        {"requirement": requirement.pk, "file": pdf_upload("身份证.pdf")},
        headers={"Accept": "application/json"},
    )
    body = answer.json()
    assert (answer.status_code, body["ok"]) == (200, True)
    assert "已上传：身份证.pdf" in body["message"]
    assert f'id="material-{requirement.pk}"' in body["row_html"] and "身份证.pdf" in body["row_html"]

    refused = client.post(
        _upload_url(application),
        {"requirement": requirement.pk, "file": SimpleUploadedFile("假.pdf", b"not a pdf", "application/pdf")},
        headers={"Accept": "application/json"},
    )
    assert (refused.status_code, refused.json()["ok"]) == (400, False)
    assert "假.pdf" in refused.json()["message"]
    assert application.materials.count() == 1

    material = application.materials.get()
    deleted = client.post(
        reverse("applications:material_delete", kwargs={"draft_id": application.pk, "material_id": material.pk}),
        headers={"Accept": "application/json"},
    )
    assert deleted.json()["ok"] is True
    assert "身份证.pdf" not in deleted.json()["row_html"]
    assert not application.materials.exists()
