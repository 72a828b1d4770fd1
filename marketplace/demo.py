"""Demo data of the intermediary marketplace (中介超市) for ``seed_demo``. DEMO ONLY.

Reads ``fixtures/demo.yaml``: qualification and service types (linked to the demo
catalogue's approvals), seven agencies — each a verified demo enterprise whose legal
representative is a demo account (password ``tongban-demo``) — and postings of the demo
enterprise (通办演示餐饮管理有限公司, 13800138000): open ones (a random draw nobody has
quoted on yet, so two demo agencies can quote in the browser), one with its result in
the objection period, and concluded ones with contracts and ratings.

Agencies, qualifications and postings go through the services (the platform admin
reviews), so every transition is recorded as in real use; only the quote deadlines and
objection periods of concluded postings are moved into the past. Idempotent: whatever
exists (by USCC, by posting title) is left as it is.
"""

import datetime
from pathlib import Path

import yaml
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from common.identifiers import id_number_check_character, uscc_check_character
from identity.constants import AssuranceLevel
from identity.demo import DEMO_PASSWORD
from identity.demo_enterprises import DEMO_ENTERPRISE_USCC, sandbox_enterprise
from identity.models import Enterprise, EnterpriseStatus, User
from identity.personal_data import id_number_columns, uscc_columns, uscc_digest
from services.models import ServiceItem

from . import services
from .constants import AgencyStatus, PostingStatus, QualificationStatus, SelectionMethod
from .models import Agency, Posting, Qualification, QualificationType, Quote, ServiceType

FIXTURE = Path(__file__).parent / "fixtures" / "demo.yaml"
OFFICIALS_GROUP = "中介超市监管人员"
OFFICIAL_PERMISSIONS = [
    "review_agency",
    "decide_objection",
    "view_agency",
    "view_qualification",
    "view_posting",
    "view_objection",
    "view_rating",
    "view_servicetype",
    "change_servicetype",
    "view_qualificationtype",
]


def _fen(yuan: int) -> int:
    return int(yuan) * 100


def demo_uscc(serial: int) -> str:
    first17 = f"91440101MA5D{serial:05d}"
    return first17 + uscc_check_character(first17)


def demo_id_number(serial: int) -> str:
    first17 = f"440104198501{serial:02d}2{serial:02d}"
    return first17 + id_number_check_character(first17)


def _representative(mobile: str, name: str, serial: int) -> User:
    user, created = User.objects.get_or_create(username=mobile, defaults={"mobile": mobile, "display_name": name})
    if created or not user.has_usable_password():
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    if not user.is_real_name_verified:
        for attribute, value in id_number_columns(demo_id_number(serial)).items():
            setattr(user, attribute, value)
        user.real_name = name
        user.assurance_level = AssuranceLevel.L2
        user.verified_at = timezone.now()
        user.verification_provider = "sandbox"
        user.save()
    return user


def _enterprise(*, serial: int, name: str, representative: User) -> Enterprise:
    uscc = demo_uscc(serial)
    sandbox_enterprise(
        name=name,
        uscc=uscc,
        representative_name=representative.real_name,
        representative_id_number=demo_id_number(serial),
        note="中介超市演示机构",
    )
    enterprise = Enterprise.objects.filter(uscc_digest=uscc_digest(uscc)).first()
    if enterprise is None:
        enterprise = Enterprise.objects.create(
            name=name,
            legal_representative=representative,
            status=EnterpriseStatus.VERIFIED,
            verified_at=timezone.now(),
            verification_provider="sandbox",
            **uscc_columns(uscc),
        )
    return enterprise


def _catalogue(data: dict) -> dict[str, ServiceType]:
    qualification_types = {}
    for row in data["qualification_types"]:
        qualification_types[row["code"]], _created = QualificationType.objects.get_or_create(
            code=row["code"], defaults={"name": row["name"], "issuer": row.get("issuer", "")}
        )
    kinds = {}
    for order, row in enumerate(data["service_types"], start=1):
        kind, _created = ServiceType.objects.get_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "description": row["description"],
                "qualification_type": qualification_types.get(row["qualification"]),
                "min_grade": row["min_grade"],
                "order": order * 10,
            },
        )
        kind.service_items.add(*ServiceItem.objects.filter(code__in=row["items"]))
        kinds[row["code"]] = kind
    return kinds


def _agency(row: dict, *, kinds: dict[str, ServiceType], admin: User) -> Agency:
    representative = _representative(row["mobile"], row["representative"], row["serial"])
    enterprise = _enterprise(serial=row["serial"], name=row["name"], representative=representative)
    agency = Agency.objects.filter(enterprise=enterprise).first()
    if agency is not None:
        return agency
    agency = services.agency_register(
        actor=representative,
        enterprise=enterprise,
        contact_name=row["representative"],
        contact_phone=f"020-8{row['serial']:03d}0000",
        description=f"{row['name']}：" + "、".join(kinds[code].name for code in row["services"]),
        address="广州市天河区演示大道1号",
        region_code="440106",
    )
    for code, (low, high) in row["services"].items():
        services.agency_service_set(
            actor=representative, agency=agency, service_type=kinds[code], fee_min_fen=_fen(low), fee_max_fen=_fen(high)
        )
    today = timezone.localdate()
    for index, held in enumerate(row["qualifications"], start=1):
        qualification = services.qualification_add(
            actor=representative,
            agency=agency,
            qualification_type=kinds[held["type"]].qualification_type,
            grade=held["grade"],
            number=f"DEMO-{row['serial']:02d}-{index:02d}",
            valid_from=today - datetime.timedelta(days=365),
            valid_until=today + datetime.timedelta(days=held["days"]),
            certificate_reference=f"DZZZ-DEMO-{row['serial']:02d}{index:02d}",
        )
        if row["status"] == AgencyStatus.APPROVED:
            services.qualification_review(official=admin, qualification=qualification, approve=True)
    if row["status"] == AgencyStatus.APPROVED:
        services.agency_review(official=admin, agency=agency, approve=True, note="演示数据：资料齐全")
    agency.refresh_from_db()
    return agency


def _past(posting: Posting, **fields) -> None:
    Posting.objects.filter(pk=posting.pk).update(**fields)
    posting.refresh_from_db()


def _posting(row: dict, *, buyer: User, enterprise: Enterprise, kinds, agencies: dict[int, Agency]) -> Posting:
    existing = Posting.objects.filter(buyer_enterprise=enterprise, title=row["title"]).first()
    if existing is not None:
        return existing
    now = timezone.now()
    posting = services.posting_create(
        actor=buyer,
        enterprise=enterprise,
        service_type=kinds[row["service_type"]],
        title=row["title"],
        scope=row["scope"],
        budget_fen=_fen(row["budget"]),
        quote_deadline=now + datetime.timedelta(days=7),
        selection_method=row["method"],
        objection_period_days=row.get("objection_days", 3),
        required_min_grade=row.get("min_grade"),
        service_item=ServiceItem.objects.filter(code=row.get("item", "")).first(),
        publish=True,
    )
    for serial, amount in row["quotes"].items():
        agency = agencies[serial]
        services.quote_submit(
            actor=agency.enterprise.legal_representative, posting=posting, agency=agency, amount_fen=_fen(amount)
        )
    if row["stage"] == PostingStatus.OPEN:
        return posting
    # The project's story moves back a week as a whole: published and its draw seed recorded
    # eight days ago, quoted two days ago, quotes closed yesterday; never a seed dated after
    # the deadline it must precede.
    week_ago = now - datetime.timedelta(days=8)
    _past(
        posting,
        quote_deadline=now - datetime.timedelta(days=1),
        published_at=week_ago,
        **({"draw_seed_recorded_at": week_ago} if posting.draw_seed_recorded_at else {}),
    )
    Quote.objects.filter(posting=posting).update(
        created_at=now - datetime.timedelta(days=2), updated_at=now - datetime.timedelta(days=2)
    )
    direct = agencies[row["direct"]] if row["method"] == SelectionMethod.DIRECT else None
    result = services.posting_select(actor=buyer, posting=posting, agency=direct)
    if row["stage"] == PostingStatus.SELECTED:
        return posting
    _past(posting, objection_deadline=now - datetime.timedelta(minutes=1))
    today = timezone.localdate()
    services.contract_record(
        actor=buyer,
        posting=posting,
        amount_fen=_fen(row["contract"]) or result.amount_fen,
        start_date=today - datetime.timedelta(days=1),
        end_date=today + datetime.timedelta(days=60),
    )
    services.delivery_confirm(actor=buyer, posting=posting, note="成果已提交并通过内部验收")
    score, comment = row["rating"]
    services.rating_submit(actor=buyer, posting=posting, score=score, comment=comment)
    return posting


def _officials(official: User | None) -> None:
    group, _created = Group.objects.get_or_create(name=OFFICIALS_GROUP)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="marketplace", codename__in=OFFICIAL_PERMISSIONS)
    )
    if official is not None:
        official.groups.add(group)


def seed() -> list[str]:
    data = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    admin = User.objects.filter(username="admin", is_superuser=True).first()
    enterprise = Enterprise.objects.filter(uscc_digest=uscc_digest(DEMO_ENTERPRISE_USCC)).first()
    if admin is None or enterprise is None:
        return []
    _officials(User.objects.filter(username="official-amr").first())
    kinds = _catalogue(data)
    agencies = {row["serial"]: _agency(row, kinds=kinds, admin=admin) for row in data["agencies"]}
    buyer = enterprise.legal_representative
    postings = [
        _posting(row, buyer=buyer, enterprise=enterprise, kinds=kinds, agencies=agencies) for row in data["postings"]
    ]
    draw = next(p for p in postings if p.selection_method == SelectionMethod.RANDOM_DRAW and p.status == "open")
    lines = [
        f"中介超市 / marketplace: {len(kinds)} 类服务, {len(agencies)} 家中介机构, {len(postings)} 个项目公告; "
        f"{buyer.username} 可为{enterprise.name}发布项目; 随机抽取待报价 / open random draw: {draw.reference}",
    ]
    for row in data["agencies"]:
        agency = agencies[row["serial"]]
        valid = Qualification.objects.filter(agency=agency, status=QualificationStatus.APPROVED).count()
        lines.append(
            f"中介机构 / agency: {row['mobile']} / {DEMO_PASSWORD}  {row['name']} "
            f"({AgencyStatus(agency.status).label}, {valid} 项有效资质)"
        )
    lines.append(f"中介超市监管 / marketplace review: official-amr ({OFFICIALS_GROUP}) → /admin/marketplace/")
    return lines
