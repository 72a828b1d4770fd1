"""Benefits test helpers: campaigns in each state, pensioners with or without a portal
account, their tasks, and the social-security officials who work them."""

import datetime

from django.contrib.auth.models import Permission
from django.utils import timezone

from benefits.constants import CampaignStatus
from benefits.models import Campaign, CertificationTask
from benefits.services import beneficiary_upsert, task_create
from identity.tests.factories import UserFactory, fresh_id_number, in_days

__all__ = ["benefits_official", "campaign", "fresh_id_number", "in_days", "pensioner_task", "resident"]

OFFICIAL_PERMISSIONS = (
    "handle_certification",
    "open_campaign",
    "import_beneficiaries",
    "view_campaign",
    "change_campaign",
    "add_campaign",
    "view_certificationtask",
    "view_homevisitrequest",
    "view_beneficiary",
)


def resident(**fields):
    """A real-name verified resident (L2)."""
    return UserFactory(verified=True, **fields)


def benefits_official(**fields):
    """A social-security official with every benefits permission and a TOTP device."""
    user = UserFactory(official=True, with_totp=True, **fields)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="benefits", codename__in=OFFICIAL_PERMISSIONS)
    )
    for cache in ("_perm_cache", "_user_perm_cache"):
        user.__dict__.pop(cache, None)
    return user


def campaign(
    *,
    status: str = CampaignStatus.OPEN,
    start: datetime.date | None = None,
    days: int = 30,
    region_code: str = "440106",
    opened_by=None,
) -> Campaign:
    start = start or timezone.localdate() - datetime.timedelta(days=5)
    return Campaign.objects.create(
        name=f"{start.year}年度养老资格认证（天河区）",
        year=start.year,
        region_code=region_code,
        region_name="天河区",
        group_description="企业退休人员",
        window_start=start,
        window_end=start + datetime.timedelta(days=days),
        status=status,
        opened_by=opened_by,
        opened_at=timezone.now() if status != CampaignStatus.DRAFT else None,
    )


def pensioner_task(
    in_campaign: Campaign, *, account=None, name: str = "陈老伯", mobile: str = "13700000000"
) -> CertificationTask:
    """A task for a pensioner: ``account`` (a verified user) is the pensioner's own account,
    else a pensioner with a fresh ID number and no account."""
    id_number = account.id_number if account is not None else fresh_id_number()
    beneficiary = beneficiary_upsert(
        name=account.real_name if account is not None else name,
        id_number=id_number,
        mobile=mobile,
        region_code=in_campaign.region_code,
        pension_account=f"PA{id_number[-8:]}",
    )
    return task_create(campaign=in_campaign, beneficiary=beneficiary)
