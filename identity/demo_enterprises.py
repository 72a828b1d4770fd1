"""Demo enterprise and agent for ``seed_demo``. Idempotent: running it twice changes nothing."""

import datetime

from django.utils import timezone

from .models import Enterprise, Mandate, User
from .personal_data import uscc_columns, uscc_digest
from .services.acting import ACTION_ENTERPRISE_REGISTER, ACTION_MANDATE_GRANT, acting_record

DEMO_ENTERPRISE_NAME = "通办演示餐饮管理有限公司"
DEMO_ENTERPRISE_USCC = "91350100M000100Y43"
DEMO_RESIDENT_MOBILE = "13800138000"
DEMO_AGENT_MOBILE = "13800138001"
DEMO_MANDATE_DAYS = 365


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
    resident = _demo_user(DEMO_RESIDENT_MOBILE, "张三")
    agent = _demo_user(DEMO_AGENT_MOBILE, "李四")

    enterprise = Enterprise.objects.filter(uscc_digest=uscc_digest(DEMO_ENTERPRISE_USCC)).first()
    if enterprise is None:
        enterprise = Enterprise.objects.create(
            name=DEMO_ENTERPRISE_NAME, legal_representative=resident, **uscc_columns(DEMO_ENTERPRISE_USCC)
        )
        acting_record(
            actor=resident,
            principal_enterprise=enterprise,
            action=ACTION_ENTERPRISE_REGISTER,
            object_reference=f"enterprise:{enterprise.pk}",
        )

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
        f"演示企业 / demo enterprise: {enterprise.name} ({enterprise.uscc_masked}), "
        f"法定代表人 / legal representative {enterprise.legal_representative.username}",
        f"经办人 / agent: {agent.username} ({agent}), 全部事项 / all services until {valid_until}",
    ]
