"""Drill: two officials deciding one case at once, in separate processes."""

import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

from applications.constants import Status
from applications.models import Application, SubmittedMaterial, Transition
from common.testing.processes import database_url
from notifications.models import OutboxMessage

from .harness import Report

ROOT = Path(__file__).resolve().parents[2]


def _decide(case, official, to_status, start_at, url):
    return subprocess.Popen(
        [sys.executable, "-m", "tests.drills.decide", str(case.pk), str(official.pk), to_status, f"{start_at:.3f}"],
        cwd=ROOT,
        env={**__import__("os").environ, "TEST_DATABASE_URL": url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_officials_deciding_one_case_in_separate_processes(transactional_db, settings, tmp_path):
    from applications import services
    from applications.models import DepartmentOfficial
    from applications.tests.factories import private_media_root, resident
    from common.testing.files import pdf_upload
    from identity.tests.factories import UserFactory
    from services import demo as services_demo
    from services.models import Department, Material

    services_demo.seed()
    report = Report("two-officials")
    database = connection.settings_dict
    url = database_url(database)
    officials = []
    for _ in range(2):
        official = UserFactory(official=True)
        DepartmentOfficial.objects.create(user=official, department=Department.objects.get(code="ga"))
        officials.append(official)

    with private_media_root(settings, tmp_path / "private"):
        cases = []
        for _ in range(8):
            applicant = resident()
            draft = services.application_start(applicant=applicant, item_code="440100-GA-007")
            services.application_save_draft(
                application=draft, data={**draft.form_data, "address": "广州"}, actor=applicant
            )
            for requirement in Material.objects.filter(version=draft.service_version, mandatory=True):
                services.material_add_upload(
                    application=draft, requirement=requirement, uploaded=pdf_upload(), actor=applicant
                )
            case = services.application_submit(application=draft, actor=applicant)
            services.application_transition(application_id=case.pk, to_status=Status.ACCEPTED, actor=officials[0])
            cases.append(case)
        report.requests_sent += len(cases) * 2

        outcomes = []
        for case in cases:
            start_at = time.time() + 1.5
            first = _decide(case, officials[0], Status.APPROVED, start_at, url)
            second = _decide(case, officials[1], Status.DENIED, start_at, url)
            results = [process.communicate(timeout=120)[0].strip() for process in (first, second)]
            report.faults_injected += 1
            outcomes.append(results)

        for case, results in zip(cases, outcomes, strict=True):
            case.refresh_from_db()
            decisions = Transition.objects.filter(application=case, to_status__in=[Status.APPROVED, Status.DENIED])
            assert not any(result.startswith("error:") for result in results), results
            report.acknowledged += results.count("ok")
            report.side_effects_duplicated += max(0, decisions.count() - 1)
            if decisions.count() != 1 or results.count("ok") != 1:
                report.requests_lost += 1
            assert case.status == decisions.get().to_status
            # No case without its files.
            for material in SubmittedMaterial.objects.filter(application=case):
                if not material.file or not material.file.storage.exists(material.file.name):
                    report.requests_lost += 1
            notices = OutboxMessage.objects.filter(user=case.applicant, context__case_number=case.case_number)
            report.notes.append(f"{case.case_number}: {results}, notices {notices.count()}")

    assert Application.objects.filter(status__in=[Status.APPROVED, Status.DENIED]).count() == len(cases)
    report.print()
    assert report.requests_lost == 0
    assert report.side_effects_duplicated == 0
