"""The officials' side: importing the pensioners' CSV (all or nothing, every bad row reported),
the campaign's progress, the visit list, the forms on a task's page, the export for the
benefits system, and constant query counts on the lists."""

import csv
import io

import pytest
from django.urls import reverse

from benefits import services
from benefits.constants import CampaignStatus, Path, PaymentStatus, Role, TaskAction, TaskStatus, VisitOutcome
from benefits.importing import beneficiaries_import
from benefits.models import Beneficiary, CertificationTask, HomeVisitRequest, TaskTransition
from identity.personal_data import id_number_digest
from identity.tests.factories import login_with_totp

from .factories import benefits_official, campaign, fresh_id_number, pensioner_task, resident

pytestmark = pytest.mark.django_db

HEADER = "姓名,身份证号码,手机号码,地区代码,养老金账户\n"


def _csv(*rows: str) -> bytes:
    return (HEADER + "".join(f"{row}\n" for row in rows)).encode()


def _bad_check_character(id_number: str) -> str:
    last = "0" if id_number[-1] != "0" else "1"
    return id_number[:-1] + last


def test_a_good_file_creates_every_pensioner_and_task_with_the_id_number_encrypted():
    window = campaign(status=CampaignStatus.DRAFT)
    numbers = [fresh_id_number() for _ in range(3)]
    content = _csv(
        f"陈老伯,{numbers[0]},13700000001,440106,PA001",
        f"林阿婆,{numbers[1].lower()},,,PA002",
        f"黄伯,{numbers[2]},+86 137 0000 0003,440104,PA003",
    )
    result = beneficiaries_import(campaign=window, content=content)
    assert (result.created, result.problems) == (3, [])
    assert CertificationTask.objects.filter(campaign=window, status=TaskStatus.PENDING).count() == 3
    lin = Beneficiary.objects.get(id_number_digest=id_number_digest(numbers[1]))
    assert lin.id_number == numbers[1].upper()
    assert lin.id_number_masked == f"{numbers[1][:4]}**********{numbers[1][-4:]}"
    assert lin.region_code == "440106"  # the campaign's when the row leaves it empty
    huang = Beneficiary.objects.get(pension_account="PA003")
    assert huang.mobile == "13700000003"
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM benefits_beneficiary WHERE id = %s", [lin.pk])
        stored = cursor.fetchone()[0]
    assert numbers[1].upper() not in stored  # ciphertext at rest


def test_a_file_with_bad_rows_imports_nothing_and_names_every_bad_row():
    window = campaign(status=CampaignStatus.DRAFT)
    existing = pensioner_task(window)
    good, dup = fresh_id_number(), fresh_id_number()
    content = _csv(
        f"陈老伯,{good},13700000001,440106,PA001",  # line 2: good
        f"林阿婆,{_bad_check_character(fresh_id_number())},13700000002,440106,PA002",  # 3: checksum
        f",{fresh_id_number()},13700000003,440106,PA003",  # 4: no name
        f"黄伯,{dup},12345,440106,PA004",  # 5: mobile
        f"黄伯二,{dup},13700000005,440106,PA005",  # 6: duplicate of line 5
        f"旧人,{existing.beneficiary.id_number},13700000006,440106,PA006",  # 7: already in the campaign
        f"无账户,{fresh_id_number()},13700000007,440106,",  # 8: no pension account
    )
    result = beneficiaries_import(campaign=window, content=content)
    assert result.created == 0
    by_line = {problem.line: problem.reason for problem in result.problems}
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8]
    assert "身份证号码无效" in by_line[3]
    assert "缺少姓名" in by_line[4]
    assert "手机号码" in by_line[5]
    assert "第5行" in by_line[6]
    assert "已在本批次" in by_line[7]
    assert "缺少养老金账户" in by_line[8]
    assert str(result.problems[0]).startswith("第3行")
    # Nothing of the good row was written either.
    assert not Beneficiary.objects.filter(id_number_digest=id_number_digest(good)).exists()
    assert CertificationTask.objects.filter(campaign=window).count() == 1


def test_an_import_writes_in_the_same_queries_whatever_its_length_and_updates_known_pensioners(
    django_assert_max_num_queries,
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    official = benefits_official()
    known = pensioner_task(campaign(status=CampaignStatus.CLOSED), name="老名字", mobile="13700000099").beneficiary

    def rows(count: int, *extra: str) -> bytes:
        return _csv(*(f"人员{n},{fresh_id_number()},,,PA{n:05d}" for n in range(count)), *extra)

    short = campaign(status=CampaignStatus.DRAFT)
    with CaptureQueriesContext(connection) as few:
        assert beneficiaries_import(campaign=short, content=rows(2), actor=official).created == 2
    window = campaign(status=CampaignStatus.DRAFT)
    with django_assert_max_num_queries(len(few.captured_queries) + 1):  # + the update of the known one
        result = beneficiaries_import(
            campaign=window, content=rows(40, f"新名字,{known.id_number},13700000098,440106,PA99999"), actor=official
        )
    assert (result.created, result.problems) == (41, [])
    known.refresh_from_db()
    assert (known.name, known.mobile, known.pension_account) == ("新名字", "13700000098", "PA99999")
    assert Beneficiary.objects.filter(id_number_digest=known.id_number_digest).count() == 1
    tasks = CertificationTask.objects.filter(campaign=window)
    assert tasks.count() == 41 and set(tasks.values_list("status", flat=True)) == {TaskStatus.PENDING}
    assert set(
        TaskTransition.objects.filter(task__campaign=window).values_list("action", "to_status", "actor", "role")
    ) == {(TaskAction.CREATE, TaskStatus.PENDING, official.pk, Role.OFFICIAL)}
    assert TaskTransition.objects.filter(task__campaign=window).count() == 41


def test_a_gbk_file_from_excel_is_read():
    window = campaign(status=CampaignStatus.DRAFT)
    content = _csv(f"陈老伯,{fresh_id_number()},13700000001,440106,PA001").decode().encode("gb18030")
    assert beneficiaries_import(campaign=window, content=content).created == 1


def test_the_import_page_reports_bad_rows_and_imports_a_good_file(client):
    official = benefits_official()
    login_with_totp(client, official)
    window = campaign(status=CampaignStatus.DRAFT)
    url = reverse("admin:benefits_campaign_import", args=[window.pk])
    bad = io.BytesIO(_csv(f"陈老伯,{_bad_check_character(fresh_id_number())},13700000001,440106,PA001"))
    bad.name = "list.csv"
    response = client.post(url, {"file": bad})
    assert response.status_code == 400
    assert "第2行" in response.content.decode()
    assert not CertificationTask.objects.exists()

    good = io.BytesIO(_csv(f"陈老伯,{fresh_id_number()},13700000001,440106,PA001"))
    good.name = "list.csv"
    response = client.post(url, {"file": good})
    assert response.status_code == 302
    assert CertificationTask.objects.filter(campaign=window).count() == 1
    # Then the official opens the campaign from its page.
    response = client.post(reverse("admin:benefits_campaign_act", args=[window.pk, "open"]), follow=True)
    window.refresh_from_db()
    assert window.status == CampaignStatus.OPEN and window.opened_by == official


def test_the_campaign_page_shows_the_progress_by_status_and_path(client):
    official = benefits_official()
    login_with_totp(client, official)
    window = campaign()
    hall = pensioner_task(window, name="大厅")
    pensioner_task(window, name="待认证")
    services.task_certify_in_person(task_id=hall.pk, actor=official, path=Path.HALL)
    response = client.get(reverse("admin:benefits_campaign_change", args=[window.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="progress-total">2<' in page
    assert 'data-testid="progress-certified">1<' in page
    assert 'data-testid="progress-pending">1<' in page
    assert 'data-testid="path-hall">1<' in page
    assert 'data-testid="path-face">0<' in page


def test_the_campaign_list_has_constant_queries(client, django_assert_max_num_queries):
    official = benefits_official()
    login_with_totp(client, official)
    url = reverse("admin:benefits_campaign_changelist")
    window = campaign()
    pensioner_task(window)
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for n in range(4):
        more = campaign()
        for m in range(3):
            pensioner_task(more, name=f"人{n}{m}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200


def test_the_task_list_and_visit_list_have_constant_queries(client, django_assert_max_num_queries):
    official = benefits_official()
    login_with_totp(client, official)
    window = campaign()
    pensioner = resident()
    task = pensioner_task(window, account=pensioner)
    services.home_visit_request(task_id=task.pk, user=pensioner, address="天河区", phone="13700000000")
    urls = [
        reverse("admin:benefits_certificationtask_changelist"),
        reverse("admin:benefits_homevisitrequest_changelist"),
    ]
    counts = []
    for url in urls:
        with django_assert_max_num_queries(30) as few:
            client.get(url)
        counts.append(len(few.captured_queries))
    for n in range(5):
        someone = resident()
        other = pensioner_task(window, account=someone)
        services.home_visit_request(task_id=other.pk, user=someone, address=f"天河区{n}号", phone="13700000000")
    for url, count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count):
            response = client.get(url)
        assert response.status_code == 200
    page = client.get(urls[1]).content.decode()
    assert page.count("天河区") >= 6


def test_officials_record_a_visit_a_hall_certification_a_suspension_and_an_exemption(client):
    import datetime

    from django.utils import timezone

    official = benefits_official()
    login_with_totp(client, official)
    pensioner = resident()
    window = campaign()
    visited = pensioner_task(window, account=pensioner)
    visit = services.home_visit_request(task_id=visited.pk, user=pensioner, address="天河区", phone="13700000000")
    response = client.get(reverse("admin:benefits_homevisitrequest_change", args=[visit.pk]))
    assert "记录上门结果" in response.content.decode()
    response = client.post(
        reverse("admin:benefits_homevisitrequest_act", args=[visit.pk, "record"]),
        {"outcome": VisitOutcome.CERTIFIED, "note": "本人在家"},
    )
    assert response.url == reverse("admin:benefits_homevisitrequest_changelist")  # back to the visits to make
    visited.refresh_from_db()
    assert (visited.status, visited.path) == (TaskStatus.CERTIFIED, Path.HOME_VISIT)

    hall = pensioner_task(window, name="大厅")
    page = client.get(reverse("admin:benefits_certificationtask_change", args=[hall.pk])).content.decode()
    assert 'value="本人到场，认证通过"' in page
    response = client.post(reverse("admin:benefits_certificationtask_act", args=[hall.pk, "hall"]), {"note": "现场"})
    assert response.url == reverse("admin:benefits_certificationtask_change", args=[hall.pk])
    hall.refresh_from_db()
    assert (hall.status, hall.path, hall.certified_by) == (TaskStatus.CERTIFIED, Path.HALL, official)

    late = campaign(start=timezone.localdate() - datetime.timedelta(days=40), days=30)
    flagged = [pensioner_task(late, name=f"逾期{n}") for n in range(3)]
    services.campaign_close(campaign_id=late.pk)
    client.post(reverse("admin:benefits_certificationtask_act", args=[flagged[0].pk, "suspend"]), {"note": ""})
    client.post(
        reverse("admin:benefits_certificationtask_act", args=[flagged[1].pk, "exempt"]),
        {"reason": "hospital", "note": "住院"},
    )
    client.post(
        reverse("admin:benefits_certificationtask_changelist"),
        {"action": "suspend_selected", "_selected_action": [task.pk for task in flagged]},
    )
    states = dict(CertificationTask.objects.filter(campaign=late).values_list("pk", "status"))
    assert states == {
        flagged[0].pk: TaskStatus.SUSPENDED,
        flagged[1].pk: TaskStatus.EXEMPTED,
        flagged[2].pk: TaskStatus.SUSPENDED,
    }
    assert set(
        CertificationTask.objects.filter(status=TaskStatus.SUSPENDED).values_list("payment_status", flat=True)
    ) == {PaymentStatus.SUSPENDED}


def test_the_export_for_the_benefits_system_is_safe_in_a_spreadsheet(client):
    official = benefits_official()
    login_with_totp(client, official)
    window = campaign()
    task = pensioner_task(window, name="=HYPERLINK(1)")
    services.task_certify_in_person(task_id=task.pk, actor=official, path=Path.HALL)
    pensioner_task(window, name="待认证")
    response = client.get(reverse("admin:benefits_campaign_export", args=[window.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())  # spreadsheet programs read it as UTF-8
    body = raw.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:4] == ["养老金账户", "姓名", "身份证号码", "认证状态"]
    assert rows[1][1] == "'=HYPERLINK(1)"  # never a formula
    assert rows[1][3:5] == ["certified", "hall"] and rows[1][5]
    assert rows[1][7] == "active"
    assert rows[2][3] == "pending"
    assert "*" in rows[1][2]  # masked
    assert HomeVisitRequest.objects.count() == 0


def test_an_exemption_abroad_needs_a_proof_which_officials_download_on_record(client, tmp_path, settings):
    import datetime

    from django.utils import timezone

    from common.testing.files import pdf_upload
    from identity.models import PersonalDataAccess

    settings.MEDIA_ROOT = str(tmp_path)
    official = benefits_official()
    login_with_totp(client, official)
    late = campaign(start=timezone.localdate() - datetime.timedelta(days=40), days=30)
    task = pensioner_task(late)
    services.campaign_close(campaign_id=late.pk)
    act = reverse("admin:benefits_certificationtask_act", args=[task.pk, "exempt"])
    client.post(act, {"reason": "abroad", "note": "居住在加拿大"})
    task.refresh_from_db()
    assert task.status == TaskStatus.FLAGGED  # refused without the proof
    client.post(act, {"reason": "abroad", "note": "居住在加拿大", "proof": pdf_upload("居住证明.pdf")})
    task.refresh_from_db()
    assert (task.status, task.exemption_reason, task.exemption_proof_type) == (
        TaskStatus.EXEMPTED,
        "abroad",
        "application/pdf",
    )
    page = client.get(reverse("admin:benefits_certificationtask_change", args=[task.pk])).content.decode()
    proof_url = reverse("admin:benefits_certificationtask_proof", args=[task.pk])
    assert proof_url in page
    response = client.get(proof_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("attachment")
    access = PersonalDataAccess.objects.get()
    assert (access.official, access.subject_id) == (official, str(task.pk))
