"""Demo inquiries and complaints (咨询投诉). DEMO ONLY.

Categories and routing rules for the demo city, the AMR official (``official-amr``)
allowed to handle them, and the demo resident's items in every state, all made
through the services: one waiting for dispatch, one being handled, one transferred,
one overdue and escalated, one answered (to close or reopen in the browser), one
reopened, one closed; plus an anonymous report whose query code is fixed so the
demo can print it.
"""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from applications.models import Application
from services.models import Department

from . import selectors_inquiries, services_inquiries
from .constants import Kind
from .models import Inquiry, InquiryCategory, RoutingRule

CATEGORIES = [
    # code, name, English name
    ("market", "市场监管", "Market regulation"),
    ("social", "社会保障", "Social security"),
    ("tax", "税务", "Tax"),
    ("housing", "住房建设", "Housing and construction"),
    ("transport", "交通出行", "Transport"),
    ("service", "政务服务", "Government services"),
    ("other", "其他", "Other"),
]
# category code → department code (the demo catalogue's departments).
RULES = {"market": "scjg", "social": "rs", "tax": "sw", "housing": "zj", "transport": "jt"}
DEMO_REPORT_QUERY_CODE = "DEMO2345"


def _grant_inquiry_work(official) -> None:
    group, _created = Group.objects.get_or_create(name="咨询投诉承办人员")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="complaints",
            codename__in=["view_inquiry", "handle_inquiry", "view_routingrule", "view_inquirycategory"],
        )
    )
    official.groups.add(group)


def _catalogue() -> dict[str, InquiryCategory]:
    categories = {}
    for order, (code, name, name_en) in enumerate(CATEGORIES):
        categories[code], _created = InquiryCategory.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "order": order}
        )
    departments = {department.code: department for department in Department.objects.all()}
    for category_code, department_code in RULES.items():
        if (
            department_code in departments
            and not RoutingRule.objects.filter(category=categories[category_code]).exists()
        ):
            RoutingRule.objects.create(
                category=categories[category_code],
                department=departments[department_code],
                note="演示规则：按诉求分类分派",
            )
    return categories


def seed() -> list[str]:
    User = get_user_model()
    resident = User.objects.filter(username="13800138000").first()
    official = User.objects.filter(username="official-amr").first()
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    if not (resident and official and admin):
        return []
    _grant_inquiry_work(official)
    categories = _catalogue()
    if not Inquiry.objects.filter(submitter=resident).exists():
        _seed_items(resident=resident, official=official, admin=admin, categories=categories)
    report = Inquiry.objects.filter(kind=Kind.REPORT, anonymous=True, subject__startswith="【演示】").first()
    lines = [
        f"演示咨询投诉 / demo inquiries: {Inquiry.objects.filter(submitter=resident).count()}"
        "（居民：我的咨询投诉 /my/inquiries/；official-amr：咨询投诉办理队列）"
    ]
    if report is not None:
        lines.append(
            f"匿名举报查询 / anonymous report, track at /inquiries/track/: "
            f"{report.reference} / {DEMO_REPORT_QUERY_CODE}"
        )
    return lines


def _submit(resident, **fields) -> Inquiry:
    inquiry, _code = services_inquiries.inquiry_submit(submitter=resident, **fields)
    return inquiry


def _seed_items(*, resident, official, admin, categories) -> None:
    amr = Department.objects.filter(code="scjg").first()
    case = Application.objects.filter(applicant=resident, department=amr, case_number__isnull=False).first()

    # Being handled by the AMR: a complaint about one of the resident's cases.
    _submit(
        resident,
        kind=Kind.COMPLAINT,
        category=categories["market"],
        application=case,
        about_department=amr if case is None else None,
        subject="补正通知没有说清楚需要什么图纸",
        content="我的申请被要求补正，但通知里没有说明平面图需要什么比例和格式，打电话也没人接。",
        contact_phone="13800138000",
    )
    # Answered, for the resident to close or reopen in the browser.
    answered = _submit(
        resident,
        kind=Kind.INQUIRY,
        category=categories["market"],
        subject="个体工商户可以网上办理经营范围变更吗？",
        content="我是个体工商户，想增加经营范围，是否需要到窗口办理？",
    )
    services_inquiries.inquiry_answer(
        inquiry_id=answered.pk,
        actor=official,
        answer="可以全程网上办理：登录通办，在“个体工商户变更登记”中提交申请，无需到窗口。",
    )
    # Reopened: answered, then the resident was not satisfied.
    reopened = _submit(
        resident,
        kind=Kind.COMPLAINT,
        category=categories["market"],
        subject="食品经营许可审批超过承诺时限",
        content="承诺 5 个工作日办结，已经过去 8 个工作日还在审核中。",
    )
    services_inquiries.inquiry_answer(
        inquiry_id=reopened.pk, actor=official, answer="经核实，您的申请已于今日审核通过。"
    )
    services_inquiries.inquiry_reopen(
        inquiry_id=reopened.pk, user=resident, reason="没有解释为什么超时，也没有说以后如何改进。"
    )
    # Closed, satisfied.
    closed = _submit(
        resident,
        kind=Kind.SUGGESTION,
        category=categories["market"],
        subject="建议在办事指南中提供填写示例",
        content="很多表格第一次填不知道怎么写，建议每个表格附一份填写示例。",
    )
    services_inquiries.inquiry_answer(
        inquiry_id=closed.pk, actor=official, answer="感谢建议，我们已为常用表格补充了填写示例。"
    )
    services_inquiries.inquiry_close(inquiry_id=closed.pk, user=resident, satisfied=True, comment="谢谢！")
    # Transferred: routed to human resources by its category, which passes it to the AMR.
    transferred = _submit(
        resident,
        kind=Kind.COMPLAINT,
        category=categories["social"],
        subject="药店医保刷卡另收手续费",
        content="在某药店用医保卡买药，店员要求另付 5 元手续费。",
    )
    if transferred.department_id is not None and amr is not None and transferred.department_id != amr.pk:
        services_inquiries.inquiry_transfer(
            inquiry_id=transferred.pk,
            department=amr,
            actor=admin,
            reason="涉及药店价格收费行为，属市场监管部门职责。",
        )
    # Waiting for the dispatch centre: no category, department or item.
    _submit(
        resident,
        kind=Kind.SUGGESTION,
        region_code="440100",
        subject="建议政务服务中心延长周末开放时间",
        content="上班族工作日没时间，希望周六全天开放。",
    )
    # Overdue and escalated: due yesterday, still unanswered.
    overdue = _submit(
        resident,
        kind=Kind.INQUIRY,
        category=categories["market"],
        subject="营业执照遗失后如何补领？",
        content="营业执照正本遗失，需要登报吗？",
    )
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Inquiry.objects.filter(pk=overdue.pk).update(
        due_date=yesterday, created_at=timezone.now() - datetime.timedelta(days=7)
    )
    services_inquiries.inquiries_escalate_overdue()
    # An anonymous report, with a fixed query code the demo prints.
    report, _code = services_inquiries.inquiry_submit(
        kind=Kind.REPORT,
        anonymous=True,
        category=categories["market"],
        subject="【演示】某超市销售过期食品",
        content="某超市货架上有多件过期一个月的酸奶仍在销售。",
    )
    Inquiry.objects.filter(pk=report.pk).update(
        query_code_hash=selectors_inquiries.query_code_hash(
            reference=report.reference, query_code=DEMO_REPORT_QUERY_CODE
        )
    )
