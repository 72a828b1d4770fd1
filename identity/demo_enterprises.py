"""Demo enterprises and agent for ``seed_demo``. Idempotent: running it twice changes nothing.

``SANDBOX_ENTERPRISES`` is the documented table of demo enterprises the
**sandbox** enterprise verifier confirms (沙箱测试企业; officials can add more
in the admin). Every row is fictitious; the representatives are the sandbox
identities of ``identity/demo.py``:

=============================  ==================  =========  ====================
name                           USCC                legal rep. rep.'s ID number
=============================  ==================  =========  ====================
通办演示餐饮管理有限公司        91350100M000100Y43  张三       440106199001011235
通办演示科技有限公司            91440101MA9W7TB019  王小明     11010519800808777X
=============================  ==================  =========  ====================

The first is registered for the demo resident (13800138000) and verified; the
second is left unregistered so a new account verified as 王小明 can register it.
"""

import datetime

from django.utils import timezone

from .models import Enterprise, EnterpriseStatus, Mandate, SandboxEnterprise, User
from .personal_data import id_number_columns, uscc_columns, uscc_digest
from .services.acting import ACTION_ENTERPRISE_REGISTER, ACTION_MANDATE_GRANT, acting_record

DEMO_ENTERPRISE_NAME = "通办演示餐饮管理有限公司"
DEMO_ENTERPRISE_USCC = "91350100M000100Y43"
DEMO_RESIDENT_MOBILE = "13800138000"
DEMO_AGENT_MOBILE = "13800138001"
DEMO_MANDATE_DAYS = 365

# (name, USCC, legal representative's name, their ID number, note)
SANDBOX_ENTERPRISES = [
    (DEMO_ENTERPRISE_NAME, DEMO_ENTERPRISE_USCC, "张三", "440106199001011235", "演示企业，已由 13800138000 登记"),
    ("通办演示科技有限公司", "91440101MA9W7TB019", "王小明", "11010519800808777X", "可用于登记企业的测试企业"),
]


def sandbox_enterprise(
    *, name: str, uscc: str, representative_name: str, representative_id_number: str, note: str = ""
):
    """Add (or keep) one row of the sandbox verifier's table of demo enterprises."""
    entry = SandboxEnterprise.objects.filter(uscc_digest=uscc_digest(uscc)).first()
    if entry is not None:
        return entry
    person = id_number_columns(representative_id_number)
    return SandboxEnterprise.objects.create(
        name=name,
        representative_name=representative_name,
        representative_id_number=person["id_number"],
        representative_id_number_digest=person["id_number_digest"],
        representative_id_number_masked=person["id_number_masked"],
        note=note,
        **uscc_columns(uscc),
    )


def _demo_user(mobile: str, display_name: str) -> User:
    # The account seed sets passwords and verification; this only makes sure the rows exist.
    user, _created = User.objects.get_or_create(
        username=mobile, defaults={"mobile": mobile, "display_name": display_name}
    )
    return user


def seed() -> list[str]:
    """Create the demo enterprise (represented by the demo resident) and its agent's
    all-services mandate, valid one year. Returns lines describing them.

    Written straight to the tables rather than through the services: the demo
    resident may not be verified yet when this runs, and the data is fixed.
    """
    for name, uscc, representative_name, representative_id_number, note in SANDBOX_ENTERPRISES:
        sandbox_enterprise(
            name=name,
            uscc=uscc,
            representative_name=representative_name,
            representative_id_number=representative_id_number,
            note=note,
        )
    resident = _demo_user(DEMO_RESIDENT_MOBILE, "张三")
    agent = _demo_user(DEMO_AGENT_MOBILE, "李四")

    enterprise = Enterprise.objects.filter(uscc_digest=uscc_digest(DEMO_ENTERPRISE_USCC)).first()
    if enterprise is None:
        enterprise = Enterprise.objects.create(
            name=DEMO_ENTERPRISE_NAME,
            legal_representative=resident,
            # Its row in SANDBOX_ENTERPRISES confirms it; the demo seeds it as verified.
            status=EnterpriseStatus.VERIFIED,
            verified_at=timezone.now(),
            verification_provider="sandbox",
            **uscc_columns(DEMO_ENTERPRISE_USCC),
        )
        acting_record(
            actor=resident,
            principal_enterprise=enterprise,
            action=ACTION_ENTERPRISE_REGISTER,
            object_reference=f"enterprise:{enterprise.pk}",
        )
    elif not enterprise.is_verified and enterprise.legal_representative_id == resident.pk:
        # A demo database seeded before enterprise verification existed.
        enterprise.status = EnterpriseStatus.VERIFIED
        enterprise.verified_at = timezone.now()
        enterprise.verification_provider = "sandbox"
        enterprise.save(update_fields=["status", "verified_at", "verification_provider", "updated_at"])

    now = timezone.now()
    mandate = Mandate.objects.filter(
        enterprise=enterprise, agent=agent, all_services=True, revoked_at__isnull=True, valid_until__gt=now
    ).first()
    if mandate is None:
        mandate = Mandate.objects.create(
            enterprise=enterprise,
            agent=agent,
            all_services=True,
            valid_until=now + datetime.timedelta(days=DEMO_MANDATE_DAYS),
            granted_by=enterprise.legal_representative,
        )
        acting_record(
            actor=enterprise.legal_representative,
            principal_enterprise=enterprise,
            action=ACTION_MANDATE_GRANT,
            object_reference=f"mandate:{mandate.pk}",
        )
    valid_until = timezone.localtime(mandate.valid_until).date().isoformat()
    return [
        # Sandbox data: printed in full so a newcomer can type it (a real USCC is masked everywhere).
        f"演示企业 / demo enterprise: {enterprise.name} (USCC {DEMO_ENTERPRISE_USCC}), "
        f"法定代表人 / legal representative {enterprise.legal_representative.username}",
        f"经办人 / agent: {agent.username} ({agent}), 全部事项 / all services until {valid_until}",
        "沙箱测试企业 / sandbox enterprise to register (as 王小明): "
        f"{SANDBOX_ENTERPRISES[1][0]} {SANDBOX_ENTERPRISES[1][1]}",
    ]
