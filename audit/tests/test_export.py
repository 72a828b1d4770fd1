"""The admin export of audit records: a streamed CSV of one record type over a date range,
for officials holding audit.export_audit_records only."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from applications.constants import Role, Status
from applications.models import Transition
from applications.tests import factories as case_factories
from identity.constants import PersonalDataField
from identity.models import PersonalDataAccess
from identity.tests.factories import UserFactory, login_with_totp

pytestmark = pytest.mark.django_db

EXPORT_URL = "/admin/audit/auditexport/"


def _rows(response) -> list[list[str]]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _query(source: str, day: str) -> dict:
    return {"source": source, "date_from": day, "date_to": day, "reason": "季度审计抽查"}


@pytest.fixture
def auditor(client):
    user = UserFactory(official=True)
    user.user_permissions.add(Permission.objects.get(codename="export_audit_records"))
    login_with_totp(client, user)
    return user


@pytest.fixture
def case():
    item = case_factories.published_item(department_code="ga", code="GA-001")
    return case_factories.submitted_application(applicant=case_factories.resident(), item=item)


def test_an_official_without_the_permission_neither_sees_nor_reaches_the_export(client, case):
    official = case_factories.official(department=case.department)
    login_with_totp(client, official)

    assert EXPORT_URL not in client.get("/admin/").content.decode()
    today = timezone.localdate().isoformat()
    response = client.get(EXPORT_URL, _query("applications.ApplicationEvent", today))
    assert response.status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_sign_in(client):
    response = client.get(EXPORT_URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_export_streams_the_chosen_records_with_who_what_and_the_request(client, auditor, case):
    official = case_factories.official(department=case.department)
    decide = reverse("admin:applications_application_decide", args=[case.pk, Status.ACCEPTED])
    login_with_totp(client, official)
    client.post(decide, REMOTE_ADDR="198.51.100.9")
    login_with_totp(client, auditor)
    assert EXPORT_URL in client.get("/admin/").content.decode()
    assert "导出 CSV" in client.get(EXPORT_URL).content.decode()
    today = timezone.localdate().isoformat()

    response = client.get(EXPORT_URL, _query("applications.ApplicationEvent", today))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-applications.applicationevent-')
    header, *rows = _rows(response)
    assert header[:3] == ["记录类型", "记录编号", "时间"]
    by_label = {}
    for row in rows:
        assert row[0] == "applications.ApplicationEvent"
        by_label.setdefault(row[3], []).append(row)
    accepted = next(row for row in by_label["update"] if '"status": "accepted"' in row[9])
    assert accepted[4:9] == [str(case.pk), str(official.pk), decide, "198.51.100.9", accepted[8]]
    assert case.case_number in accepted[9]
    assert by_label["insert"]  # the draft's creation, outside any request: no one, no path
    assert by_label["insert"][0][5:8] == ["", "", ""]
    # The export is itself logged, like a reveal: who, what, which days, why, from where.
    logged = PersonalDataAccess.objects.get(field=PersonalDataField.AUDIT_EXPORT)
    assert (logged.official, logged.subject_type, logged.subject_id, logged.reason, logged.client_ip) == (
        auditor,
        "applications.applicationevent",
        f"{today}..{today}",
        "季度审计抽查",
        "127.0.0.1",
    )


def test_the_export_keeps_to_the_date_range_and_the_record_type(client, auditor, case):
    long_ago = timezone.now() - timedelta(days=40)
    Transition.objects.create(
        application=case,
        from_status=Status.SUBMITTED,
        to_status=Status.ACCEPTED,
        role=Role.OFFICIAL,
        actor=auditor,
        comment="材料齐全，予以受理",
        client_ip="192.0.2.1",
        created_at=long_ago,
    )
    day = timezone.localtime(long_ago).date()

    response = client.get(
        EXPORT_URL,
        {
            "source": "applications.Transition",
            "date_from": day.isoformat(),
            "date_to": day.isoformat(),
            "reason": "核查受理记录",
        },
    )

    _header, *rows = _rows(response)
    assert len(rows) == 1  # the submission today is outside the range
    row = rows[0]
    assert (row[0], row[5], row[7]) == ("applications.Transition", str(auditor.pk), "192.0.2.1")
    assert '"comment": "材料齐全，予以受理"' in row[9] and f'"application_id": {case.pk}' in row[9]


def test_a_reversed_range_is_refused_with_a_message(client, auditor):
    response = client.get(
        EXPORT_URL,
        {
            "source": "applications.Transition",
            "date_from": "2026-11-02",
            "date_to": "2026-11-01",
            "reason": "季度审计抽查",
        },
    )
    assert response.status_code == 200 and not response.streaming
    assert "起始日期不能晚于截止日期" in response.content.decode()
    assert not PersonalDataAccess.objects.exists()


def test_an_export_without_a_reason_is_refused(client, auditor):
    today = timezone.localdate().isoformat()
    response = client.get(
        EXPORT_URL, {"source": "identity.UserEvent", "date_from": today, "date_to": today, "reason": " "}
    )
    assert response.status_code == 200 and not response.streaming
    assert not PersonalDataAccess.objects.exists()


def test_an_unknown_record_type_is_refused(client, auditor):
    response = client.get(EXPORT_URL, {"source": "auth.User", "date_from": "2026-11-01", "date_to": "2026-11-01"})
    assert response.status_code == 200 and not response.streaming
