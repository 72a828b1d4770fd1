"""Demo e-certificates: the types, and certificates for the demo resident (张三, 13800138000)
and the demo enterprise. Idempotent: run by ``seed_demo`` after identity and the catalogue."""

import datetime

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from identity.demo import RESIDENT_MOBILE
from identity.demo_enterprises import DEMO_ENTERPRISE_USCC
from identity.models import Enterprise, User
from identity.personal_data import uscc_digest
from services.models import Department

from .constants import HolderKind
from .models import Certificate, CertificateType
from .services import certificate_issue

R = "440100"


def _f(key, label, *, public=False, source=None, default=None):
    spec = {"key": key, "label": label, "public": public}
    if source:
        spec["from"] = source
    if default is not None:
        spec["default"] = default
    return spec


NAME = _f("name", "姓名", public=True, source="holder.name")
ID = _f("id_number", "公民身份号码", source="holder.identifier")
ENTERPRISE = _f("enterprise_name", "名称", public=True, source="holder.name")
USCC = _f("uscc", "统一社会信用代码", public=True, source="holder.identifier")

# code, name, department, holder kind, validity days (None: long-term), fields, issued by, stands for
TYPES = [
    (
        "business_licence",
        "营业执照",
        "scjg",
        HolderKind.ENTERPRISE,
        None,
        [
            ENTERPRISE,
            USCC,
            _f("legal_representative", "法定代表人", public=True, source="contact_name"),
            _f("business_address", "住所", public=True),
            _f("business_scope", "经营范围", public=True),
        ],
        [f"{R}-SCJG-001", f"{R}-SCJG-002", f"{R}-SCJG-003"],
        [],
    ),
    (
        "food_business_licence",
        "食品经营许可证",
        "scjg",
        HolderKind.ENTERPRISE,
        365 * 5,
        [
            ENTERPRISE,
            USCC,
            _f("business_address", "经营场所", public=True),
            _f("business_scope", "经营项目", public=True, default="热食类食品制售"),
        ],
        [f"{R}-SCJG-005"],
        [],
    ),
    (
        "residence_permit",
        "居住证",
        "ga",
        HolderKind.RESIDENT,
        365,
        [NAME, ID, _f("address", "居住地址"), _f("issuing_office", "签发机关", public=True, default="广州市公安局")],
        [f"{R}-GA-009"],
        [],
    ),
    (
        "resident_id_card",
        "居民身份证（电子证照）",
        "ga",
        HolderKind.RESIDENT,
        365 * 20,
        [NAME, ID, _f("address", "住址")],
        [f"{R}-GA-001"],
        [],
    ),
    (
        "household_register",
        "居民户口簿（电子证照）",
        "ga",
        HolderKind.RESIDENT,
        None,
        [NAME, ID, _f("address", "户籍地址")],
        [f"{R}-GA-003"],
        [],
    ),
    (
        "marriage_certificate",
        "结婚证",
        "mz",
        HolderKind.RESIDENT,
        None,
        [NAME, ID, _f("spouse_name", "配偶姓名"), _f("registered_on", "登记日期", public=True)],
        [f"{R}-MZ-001"],
        [],
    ),
    (
        "birth_medical_certificate",
        "出生医学证明",
        "wj",
        HolderKind.RESIDENT,
        None,
        [
            _f("newborn_name", "新生儿姓名", public=True),
            _f("born_on", "出生日期"),
            _f("mother_name", "母亲姓名", source="holder.name"),
        ],
        [f"{R}-WJ-001", f"{R}-WJ-002"],
        [],
    ),
    (
        "property_certificate",
        "不动产权证书",
        "bdc",
        HolderKind.RESIDENT,
        None,
        [
            _f("owner", "权利人", public=True, source="holder.name"),
            _f("location", "坐落", source="address"),
            _f("area", "面积（平方米）"),
        ],
        [f"{R}-BDC-001", f"{R}-BDC-002"],
        [],
    ),
    (
        "social_security_card",
        "社会保障卡",
        "rs",
        HolderKind.RESIDENT,
        365 * 10,
        [NAME, ID, _f("card_number", "社会保障卡卡号"), _f("bank", "金融账户开户行", default="中国工商银行广州分行")],
        [f"{R}-RS-001", f"{R}-RS-002"],
        [],
    ),
]

# What the demo holders own: (type code, form data).
RESIDENT_CERTIFICATES = [
    ("residence_permit", {"address": "广州市天河区体育西路1号"}),
    ("resident_id_card", {"address": "广东省广州市越秀区中山五路1号"}),
    ("household_register", {"address": "广东省广州市越秀区中山五路1号"}),
    ("marriage_certificate", {"spouse_name": "李梅", "registered_on": "2018-05-20"}),
    ("birth_medical_certificate", {"newborn_name": "张小宝", "born_on": "2026-10-01"}),
    ("property_certificate", {"address": "广州市天河区体育西路1号1801房", "area": "89.5"}),
    ("social_security_card", {"card_number": "440100D15600000X"}),
]
ENTERPRISE_CERTIFICATES = [
    (
        "business_licence",
        {
            "contact_name": "张三",
            "business_address": "广州市天河区天河路100号",
            "business_scope": "餐饮服务；食品销售",
        },
    ),
]


def seed_types() -> list[CertificateType]:
    seeded = []
    for code, name, department, kind, days, fields, items, stands_for in TYPES:
        ctype, _created = CertificateType.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "department": Department.objects.get(code=department),
                "holder_kind": kind,
                "validity_days": days,
                "fields": fields,
                "issued_by_items": items,
                "stands_for": stands_for,
            },
        )
        seeded.append(ctype)
    return seeded


def _issue_once(code: str, form_data: dict, **holder) -> Certificate:
    ctype = CertificateType.objects.select_related("department").get(code=code)
    existing = Certificate.objects.filter(type=ctype, **holder).order_by("-issued_on").first()
    if existing is not None:
        return existing
    issued_on = timezone.localdate() - datetime.timedelta(days=30)
    return certificate_issue(ctype=ctype, form_data=form_data, issued_on=issued_on, **holder)


# The demo officials' group sees the certificates of its department in the admin.
OFFICIALS_GROUP = "市场监管局 工作人员"


@transaction.atomic
def seed() -> list[str]:
    seed_types()
    group = Group.objects.filter(name=OFFICIALS_GROUP).first()
    if group is not None:
        group.permissions.add(
            Permission.objects.get(content_type__app_label="certificates", codename="view_certificate")
        )
    resident = User.objects.get(username=RESIDENT_MOBILE)
    enterprise = Enterprise.objects.get(uscc_digest=uscc_digest(DEMO_ENTERPRISE_USCC))
    for code, data in RESIDENT_CERTIFICATES:
        _issue_once(code, data, holder_user=resident)
    for code, data in ENTERPRISE_CERTIFICATES:
        _issue_once(code, data, holder_enterprise=enterprise)
    return [
        f"电子证照 / e-certificates: {len(RESIDENT_CERTIFICATES)} for {RESIDENT_MOBILE}, "
        f"{len(ENTERPRISE_CERTIFICATES)} for {enterprise.name} → /my/certificates/"
    ]
