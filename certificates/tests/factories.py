"""Test helpers for certificates: a type and an issued certificate, through the real services."""

import itertools

from certificates.constants import HolderKind
from certificates.models import CertificateType
from certificates.services import certificate_issue
from identity.tests.factories import UserFactory
from services.models import Department

_sequence = itertools.count(1)

RESIDENCE_FIELDS = [
    {"key": "name", "label": "姓名", "from": "holder.name", "public": True},
    {"key": "id_number", "label": "公民身份号码", "from": "holder.identifier", "public": False},
    {"key": "address", "label": "居住地址", "public": False},
    {"key": "issuing_office", "label": "签发机关", "default": "广州市公安局", "public": True},
]


def department(code: str = "ga") -> Department:
    found, _created = Department.objects.get_or_create(
        code=code, defaults={"name": f"测试部门-{code}", "region": "广州市", "region_code": "440100"}
    )
    return found


def certificate_type(
    *, code: str = "residence_permit", holder_kind=HolderKind.RESIDENT, items=(), validity_days=365, **extra
) -> CertificateType:
    found = CertificateType.objects.filter(code=code).first()
    if found is not None and not items:
        return found
    return CertificateType.objects.create(
        code=code,
        name=extra.pop("name", "居住证"),
        department=extra.pop("department", None) or department(),
        holder_kind=holder_kind,
        validity_days=validity_days,
        fields=extra.pop("fields", RESIDENCE_FIELDS),
        issued_by_items=list(items),
        **extra,
    )


def resident(**kwargs):
    number = next(_sequence)
    return UserFactory(**{"assurance_level": 2, "real_name": f"持证人{number}", **kwargs})


def certificate(*, holder=None, ctype=None, case_number: str = "", **kwargs):
    ctype = ctype or certificate_type()
    holder = holder or resident()
    return certificate_issue(
        ctype=ctype,
        holder_user=holder,
        form_data=kwargs.pop("form_data", {"address": "广州市天河区体育西路1号"}),
        case_number=case_number,
        **kwargs,
    )
