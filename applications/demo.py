"""Demo data for applications: officials in their departments and cases in every
state. DEMO ONLY. The demo catalogue's forms are in :mod:`services.demo_forms`
and arrive with the catalogue (``services.demo.seed``)."""

from services.demo_forms import ENTERPRISE_FORM, RESIDENT_FORM, SAMPLE_ANSWERS
from services.models import Department

from .models import DepartmentOfficial

__all__ = ["ENTERPRISE_FORM", "RESIDENT_FORM", "seed", "seed_cases"]


def seed() -> list[str]:
    return seed_cases()


def _demo_pdf(name: str):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from pypdf import PdfWriter

    buffer = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


# The path each demo case takes after submission, by the status it ends in.
DEMO_PATHS = {
    "submitted": [],
    "accepted": [("accepted", "")],
    "in_review": [("accepted", ""), ("in_review", "")],
    "supplement_requested": [("accepted", ""), ("supplement_requested", "请补充经营场所平面图。")],
    "resubmitted": [("accepted", ""), ("supplement_requested", "请补充经营场所平面图。"), ("resubmitted", "")],
    "approved": [("accepted", ""), ("in_review", ""), ("approved", "材料齐全，符合条件，准予许可。")],
    "denied": [("accepted", ""), ("denied", "经营场所不符合食品安全要求。")],
    "concluded": [("accepted", ""), ("approved", "准予许可。"), ("concluded", "")],
    "refused": [("refused", "不属于本部门职责范围。")],
    "withdrawn": [("withdrawn", "")],
}


def _grant_case_work(official) -> None:
    """Officials work cases through a group holding the case permissions."""
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name="办件工作人员")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="applications",
            codename__in=["view_application", "change_application", "process_application", "view_prefillreport"],
        )
    )
    official.groups.add(group)


def seed_cases() -> list[str]:
    """Cases in every state for the demo resident and the demo enterprise (idempotent)."""
    from django.contrib.auth import get_user_model

    from identity.selectors_enterprises import enterprise_by_uscc

    from . import services
    from .constants import ALLOWED_TRANSITIONS, Role
    from .models import Application

    User = get_user_model()
    resident = User.objects.filter(username="13800138000").first()
    official = User.objects.filter(username="official-amr").first()
    enterprise = enterprise_by_uscc(uscc="91350100M000100Y43")
    amr = Department.objects.filter(code="scjg").first()
    if not (resident and official and enterprise and amr):
        return []
    DepartmentOfficial.objects.get_or_create(user=official, department=amr)
    _grant_case_work(official)
    if Application.objects.filter(applicant=resident).exists():
        return [f"演示办件 / demo cases: {Application.objects.filter(applicant=resident).count()}"]

    def submit(code, *, enterprise=None):
        draft = services.application_start(applicant=resident, item_code=code, enterprise=enterprise)
        # What no source fills, answered as a resident would.
        data = {**SAMPLE_ANSWERS, **draft.form_data}
        services.application_save_draft(application=draft, data=data, actor=resident)
        for requirement in services.application_requirements(draft):
            if requirement.mandatory:
                services.material_add_upload(
                    application=draft,
                    requirement=requirement,
                    uploaded=_demo_pdf(f"{requirement.name}.pdf"),
                    actor=resident,
                )
        return services.application_submit(application=draft, actor=resident)

    for final, path in DEMO_PATHS.items():
        case = submit("440100-SCJG-005", enterprise=enterprise)
        for status, comment in path:
            if status == "resubmitted":
                # The answer to the supplement request: a file marked as answering it.
                services.material_add_upload(
                    application=case,
                    uploaded=_demo_pdf("经营场所平面图（补正）.pdf"),
                    actor=resident,
                    supplement=case.supplement_requests.get(fulfilled_at__isnull=True),
                )
            actor = resident if Role.APPLICANT in ALLOWED_TRANSITIONS[(case.status, status)] else official
            case = services.application_transition(
                application_id=case.pk, to_status=status, actor=actor, comment=comment
            )
        if case.status != final:
            raise RuntimeError(f"demo case ended in {case.status}, expected {final}")
    # A resident's own case and a draft, outside the AMR queue.
    submit("440100-GA-007")
    services.application_start(applicant=resident, item_code="440100-GA-005")
    return [f"演示办件 / demo cases: {Application.objects.filter(applicant=resident).count()} (official-amr 的队列)"]
