"""Demo pension certification (养老资格认证). DEMO ONLY: names, ID numbers and accounts are invented.

* A social-security official, ``official-hrss``, with the benefits permissions (and TOTP).
* Two service halls in 天河区.
* This year's open campaign for 天河区, whose pensioners include the demo resident's father
  张建国 (a real-name verified demo account, ``13800138060``) who has authorised the demo
  resident (``13800138000``) to certify for him (亲友代办, service code
  ``BENEFITS.PENSION-CERT``): certifiable through the sandbox face check by himself, or by the
  demo resident as family agent. Others are certified at a hall, waiting for a home visit, or
  pending without a portal account (they get SMS only).
* Last year's closed campaign, with one pensioner suspended and one exempted (hospital stay).

Idempotent: everything is found before it is made, and every change goes through the services.
"""

import datetime

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity.constants import AssuranceLevel
from identity.demo import DEMO_PASSWORD, RESIDENT_MOBILE, totp_secret_base32
from identity.models import ProxyAuthorisation, User
from identity.personal_data import id_number_columns, id_number_digest
from identity.services.enterprises import proxy_grant

from . import services
from .constants import PENSION_CERTIFICATION_SERVICE_CODE, CampaignStatus, ExemptionReason, Path, TaskStatus
from .models import Beneficiary, Campaign, CertificationTask, HomeVisitRequest, ServiceHall

PARENT_MOBILE = "13800138060"
PARENT_NAME = "张建国"
PARENT_ID_NUMBER = "44010619520506121X"
OFFICIAL_USERNAME = "official-hrss"
OFFICIAL_TOTP_KEY = "3132333435363738393031323334353637383931"
REGION_CODE, REGION_NAME = "440106", "广州市天河区"
PERMISSIONS = (
    "handle_certification",
    "open_campaign",
    "import_beneficiaries",
    "view_campaign",
    "add_campaign",
    "change_campaign",
    "view_certificationtask",
    "view_homevisitrequest",
    "view_beneficiary",
    "view_servicehall",
    "add_servicehall",
    "change_servicehall",
)
HALLS = [
    (
        "天河区社会保险基金管理中心服务大厅",
        "广州市天河区天府路1号",
        "周一至周五 9:00-12:00，14:00-17:30",
        "020-12345001",
    ),
    ("天河区政务服务中心社保窗口", "广州市天河区黄埔大道西200号", "周一至周六 9:00-17:00", "020-12345002"),
]
# (name, ID number, mobile, what happens in this year's campaign)
OTHERS = [
    ("李秀英", "440106194809122322", "13700138001", "hall"),
    ("王德福", "440106195003033245", "13700138002", "visit"),
    ("赵桂兰", "440106194511204210", "13700138003", "pending"),
]
# Last year's, closed: (name, ID number, mobile, outcome)
LAST_YEAR = [
    ("钱伯", "440106194707073339", "13700138004", "suspended"),
    ("孙阿婆", "44010619490101544X", "13700138005", "exempted"),
]


def _official() -> User:
    official, created = User.objects.get_or_create(
        username=OFFICIAL_USERNAME, defaults={"display_name": "人社局 社保经办 刘科员", "is_staff": True}
    )
    if created or not official.has_usable_password():
        official.set_password(DEMO_PASSWORD)
        official.save(update_fields=["password"])
    group, _ = Group.objects.get_or_create(name="社保经办 工作人员")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="benefits", codename__in=PERMISSIONS))
    official.groups.add(group)
    TOTPDevice.objects.update_or_create(
        user=official,
        name="演示身份验证器",
        defaults={"key": OFFICIAL_TOTP_KEY, "confirmed": True, "step": 30, "digits": 6},
    )
    return User.objects.get(pk=official.pk)  # permissions are cached on the instance


def _parent() -> User:
    """The demo resident's father: a real-name verified account (made if none holds his number)."""
    parent = User.objects.filter(id_number_digest=id_number_digest(PARENT_ID_NUMBER)).first()
    if parent is not None:
        return parent
    parent, created = User.objects.get_or_create(
        username=PARENT_MOBILE, defaults={"mobile": PARENT_MOBILE, "display_name": PARENT_NAME}
    )
    if created:
        parent.set_password(DEMO_PASSWORD)
    for attribute, value in id_number_columns(PARENT_ID_NUMBER).items():
        setattr(parent, attribute, value)
    parent.real_name = PARENT_NAME
    parent.assurance_level = max(parent.assurance_level, AssuranceLevel.L2)
    parent.verified_at = parent.verified_at or timezone.now()
    parent.verification_provider = parent.verification_provider or "sandbox"
    parent.save()
    return parent


def _proxy(*, parent: User, resident: User) -> None:
    active = ProxyAuthorisation.objects.filter(
        principal=parent, proxy=resident, revoked_at__isnull=True, valid_until__gt=timezone.now()
    )
    if any(grant.all_services or PENSION_CERTIFICATION_SERVICE_CODE in grant.service_codes for grant in active):
        return
    proxy_grant(
        principal=parent,
        proxy=resident,
        relationship="子女",
        service_codes=[PENSION_CERTIFICATION_SERVICE_CODE],
        valid_until=timezone.now() + datetime.timedelta(days=365 * 3),
    )


def _campaign(*, name: str, year: int, start: datetime.date, end: datetime.date, **extra) -> tuple[Campaign, bool]:
    return Campaign.objects.get_or_create(
        name=name,
        region_code=REGION_CODE,
        defaults={
            "year": year,
            "region_name": REGION_NAME,
            "group_description": "企业退休人员",
            "window_start": start,
            "window_end": end,
            **extra,
        },
    )


def _task(campaign: Campaign, *, name: str, id_number: str, mobile: str) -> tuple[CertificationTask, bool]:
    beneficiary = Beneficiary.objects.filter(id_number_digest=id_number_digest(id_number)).first()
    if beneficiary is None:
        beneficiary = services.beneficiary_upsert(
            name=name,
            id_number=id_number,
            mobile=mobile,
            region_code=REGION_CODE,
            pension_account=f"GZ{id_number[6:14]}{id_number[-3:]}",
        )
    task = CertificationTask.objects.filter(campaign=campaign, beneficiary=beneficiary).first()
    if task is not None:
        return task, False
    return services.task_create(campaign=campaign, beneficiary=beneficiary), True


@transaction.atomic
def seed() -> list[str]:
    official = _official()
    resident = User.objects.filter(username=RESIDENT_MOBILE).first()
    parent = _parent()
    if resident is not None:
        _proxy(parent=parent, resident=resident)
    for order, (name, address, hours, phone) in enumerate(HALLS):
        ServiceHall.objects.get_or_create(
            name=name,
            defaults={
                "region_code": REGION_CODE,
                "address": address,
                "opening_hours": hours,
                "phone": phone,
                "order": order,
            },
        )

    today = timezone.localdate()
    current, _ = _campaign(
        name=f"{today.year}年度养老资格认证（天河区）",
        year=today.year,
        start=today - datetime.timedelta(days=10),
        end=today + datetime.timedelta(days=50),
    )
    _task(current, name=PARENT_NAME, id_number=PARENT_ID_NUMBER, mobile=PARENT_MOBILE)
    others = [
        (_task(current, name=name, id_number=number, mobile=mobile), plan) for name, number, mobile, plan in OTHERS
    ]
    if current.status == CampaignStatus.DRAFT:
        services.campaign_open(campaign_id=current.pk, actor=official)
        current.refresh_from_db()
    for (task, created), plan in others:
        if not created:
            continue
        if plan == "hall":
            services.task_certify_in_person(task_id=task.pk, actor=official, path=Path.HALL, comment="本人持身份证到场")
        elif plan == "visit" and not HomeVisitRequest.objects.filter(task=task).exists():
            HomeVisitRequest.objects.create(
                task=task, address="广州市天河区龙口西路8号3栋502", phone="13700138002", preferred_time="工作日上午"
            )

    last_year = today.year - 1
    previous, _ = _campaign(
        name=f"{last_year}年度养老资格认证（天河区）",
        year=last_year,
        start=today - datetime.timedelta(days=400),
        end=today - datetime.timedelta(days=340),
        # Opened last year (before this demo existed): it only remains to close it.
        status=CampaignStatus.OPEN,
        opened_by=official,
        opened_at=timezone.now() - datetime.timedelta(days=400),
    )
    earlier = [
        (_task(previous, name=name, id_number=number, mobile=mobile), plan) for name, number, mobile, plan in LAST_YEAR
    ]
    services.campaign_close(campaign_id=previous.pk, today=today)  # nothing when already closed
    for (task, _created), plan in earlier:
        task.refresh_from_db()
        if task.status != TaskStatus.FLAGGED:
            continue
        if plan == "suspended":
            services.task_suspend(task_id=task.pk, actor=official, comment="逾期未认证，经核实暂停发放")
        else:
            services.task_exempt(task_id=task.pk, actor=official, reason=ExemptionReason.HOSPITAL, note="长期住院")

    return [
        f"养老资格认证 / pensioner (demo resident's father): {PARENT_MOBILE} / {DEMO_PASSWORD} → /my/benefits/ "
        f"(the demo resident {RESIDENT_MOBILE} may certify for him as family agent)",
        f"社保经办 / social-security official: {OFFICIAL_USERNAME} / {DEMO_PASSWORD}, TOTP secret "
        f"{totp_secret_base32(OFFICIAL_TOTP_KEY)}  → /admin/benefits/campaign/",
    ]
