"""Demo data for online payment: the demo resident's passport case (普通护照签发), accepted,
with its 工本费 120 元 order waiting to be paid through the SANDBOX cashier. Idempotent."""

PASSPORT = "440100-GA-005"  # 普通护照签发, 公安 (ga)


def seed() -> list[str]:
    from django.contrib.auth import get_user_model

    from applications import services
    from applications.constants import Status
    from applications.demo import _demo_pdf, _grant_case_work
    from applications.models import Application, DepartmentOfficial
    from payments.contrib.sandbox import civil_affairs
    from payments.models import PaymentOrder
    from services.demo_forms import SAMPLE_ANSWERS
    from services.models import Department

    # The SANDBOX civil-affairs registry, which fee exemptions ask.
    registry_accounts = civil_affairs.seed()
    User = get_user_model()
    resident = User.objects.filter(username="13800138000").first()
    department = Department.objects.filter(code="ga").first()
    if resident is None or department is None:
        return registry_accounts
    official, _ = User.objects.get_or_create(
        username="official-ga", defaults={"is_staff": True, "display_name": "公安局 李科员"}
    )
    DepartmentOfficial.objects.get_or_create(user=official, department=department)
    _grant_case_work(official)

    case = (
        Application.objects.filter(applicant=resident, service_item__code=PASSPORT).exclude(status=Status.DRAFT).first()
    )
    if case is None:
        draft = Application.objects.filter(
            applicant=resident, service_item__code=PASSPORT, status=Status.DRAFT
        ).first() or services.application_start(applicant=resident, item_code=PASSPORT)
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
        case = services.application_submit(application=draft, actor=resident)
        case = services.application_transition(application_id=case.pk, to_status=Status.ACCEPTED, actor=official)
    order = PaymentOrder.objects.filter(reference=f"application:{case.pk}").first()
    if order is None:
        return []
    return [
        *registry_accounts,
        f"演示缴费 / demo fee: {case.case_number} 普通护照签发, 工本费 ¥{order.amount_yuan} "
        f"({order.get_status_display()}) → /my/applications/{case.case_number}/ → 去支付 (支付宝沙箱 SANDBOX)",
    ]
