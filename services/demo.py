"""Demo catalogue for ``seed_demo`` and synthetic items for performance work."""

import itertools

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from . import demo_data, demo_forms, search
from .cache import catalogue_changed
from .constants import Audience, ItemType, OnlineDepth, ResultType, VersionStatus
from .models import (
    Bundle,
    BundleItem,
    Department,
    LifeEvent,
    ProcessStep,
    ServiceItem,
    ServiceItemVersion,
    Topic,
    TopicItem,
)
from .services import catalogue_search_reindex, synonym_groups_add_defaults
from .transfer import catalogue_import_records

SYNTHETIC_PREFIX = "SYN-"


def seed(*, services: int = 0) -> list[str]:
    """Load the demo catalogue (idempotent) and, if asked, ``services`` synthetic items.

    Returns lines for ``seed_demo`` to print.
    """
    with transaction.atomic():
        seed_navigation()
        # Each item's form travels with its record: the import creates the version with it, then publishes.
        records = [
            {**item, "form_schema": demo_forms.form_for(code=item["code"], audience=item["audience"])}
            for item in demo_data.ITEMS
        ]
        result = catalogue_import_records(records=list(enumerate(records, start=1)))

        items = dict(ServiceItem.objects.filter(code__startswith=demo_data.REGION_CODE).values_list("code", "pk"))
        for order, (code, name, name_en, description, codes) in enumerate(demo_data.TOPICS, start=1):
            topic, _ = Topic.objects.update_or_create(
                code=code, defaults={"name": name, "name_en": name_en, "description": description, "order": order}
            )
            for position, item_code in enumerate(codes, start=1):
                TopicItem.objects.update_or_create(topic=topic, item_id=items[item_code], defaults={"order": position})
        for order, (code, name, name_en, audience, days, description, codes) in enumerate(demo_data.BUNDLES, start=1):
            bundle, _ = Bundle.objects.update_or_create(
                code=code,
                defaults={
                    "name": name,
                    "name_en": name_en,
                    "audience": audience,
                    "promised_limit_days": days,
                    "description": description,
                    "order": order,
                },
            )
            for position, item_code in enumerate(codes, start=1):
                BundleItem.objects.update_or_create(
                    bundle=bundle, item_id=items[item_code], defaults={"order": position}
                )
        # Topics and bundles joined items after they were published: their names
        # belong in the items' search documents. Only the demo items: synthetic
        # ones (a re-run with --services) keep the documents they were generated with.
        catalogue_search_reindex(item_ids=list(items.values()))
        transaction.on_commit(catalogue_changed)

    lines = [
        f"服务目录 / catalogue: {len(demo_data.ITEMS)} 项事项 items "
        f"(新增 created {result.created}, 更新 updated {result.updated}), "
        f"{len(demo_data.DEPARTMENTS)} 个部门 departments, {len(demo_data.TOPICS)} 个专栏 topics, "
        f"{len(demo_data.BUNDLES)} 件一件事 bundles"
    ]
    if services:
        created = generate_synthetic_items(count=services)
        lines.append(f"合成事项 / synthetic items: {created} 项新增 created (共 total {services})")
    return lines


def seed_navigation() -> None:
    """Departments, life events and synonyms: what items hang from (idempotent)."""
    for order, (code, name, name_en, phone) in enumerate(demo_data.DEPARTMENTS, start=1):
        Department.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "region": demo_data.REGION,
                "region_code": demo_data.REGION_CODE,
                "phone": phone,
                "address": f"{demo_data.REGION}政务服务中心",
                "office_hours": "工作日 9:00-12:00，13:00-17:00",
                "order": order,
            },
        )
    for order, (code, kind, name, name_en) in enumerate(demo_data.LIFE_EVENTS, start=1):
        LifeEvent.objects.update_or_create(
            code=code, defaults={"kind": kind, "name": name, "name_en": name_en, "order": order}
        )
    synonym_groups_add_defaults()


# Parts that combine into plausible names: 广州市 + 个体工商户 + 营业执照 + 变更登记.
_PLACES = ["", "市级", "区级", "天河区", "越秀区", "海珠区", "白云区", "黄埔区", "番禺区", "花都区"]
_SUBJECTS = [
    "个体工商户",
    "农民专业合作社",
    "外商投资企业",
    "分支机构",
    "社会团体",
    "民办非企业单位",
    "建设工程",
    "港澳居民",
    "外国人",
    "残疾人",
    "退役军人",
    "老年人",
    "新就业人员",
    "高校毕业生",
    "灵活就业人员",
    "困难群众",
    "道路运输企业",
    "医疗机构",
    "药品零售企业",
    "食品小作坊",
]
_OBJECTS = [
    "营业执照",
    "许可证",
    "资格证书",
    "登记证书",
    "备案",
    "补贴",
    "津贴",
    "证明",
    "档案",
    "执业证",
    "社会保险",
    "住房公积金",
    "户籍",
    "居住证",
    "职称",
    "技能等级",
    "医疗保险",
    "养老保险",
    "税务",
    "不动产权证书",
    "排污许可",
    "消防验收",
    "节能审查",
    "广告发布",
    "价格监测",
]
_ACTIONS = ["申领", "变更", "注销", "补办", "延续", "查询", "核发", "年检", "备案", "转移", "认定", "确认"]


def synthetic_names() -> itertools.product:
    return itertools.product(_ACTIONS, _OBJECTS, _SUBJECTS, _PLACES)


def generate_synthetic_items(*, count: int) -> int:
    """Make sure ``count`` published synthetic items exist; returns how many were added.

    Built with ``bulk_create`` so 10,000 items take seconds. The search
    document is assembled from each name part's document, computed once.
    """
    existing = ServiceItem.objects.filter(code__startswith=SYNTHETIC_PREFIX).count()
    if existing >= count:
        return 0
    departments = list(Department.objects.order_by("code"))
    if not departments:
        raise ValueError("Seed the demo departments before generating synthetic items.")

    part_documents: dict[str, str] = {}

    def doc(part: str) -> str:
        if part not in part_documents:
            part_documents[part] = search.document([part])
        return part_documents[part]

    names = itertools.islice(synthetic_names(), existing, count)
    audiences = [Audience.RESIDENT, Audience.ENTERPRISE, Audience.BOTH]
    item_types = list(ItemType.values)
    now = timezone.now()
    with transaction.atomic():
        items = []
        for number, (action, obj, subject, place) in enumerate(names, start=existing + 1):
            name = f"{place}{subject}{obj}{action}"
            items.append(
                ServiceItem(
                    code=f"{SYNTHETIC_PREFIX}{number:06d}",
                    name=name,
                    name_en=f"Synthetic service {number}",
                    item_type=item_types[number % len(item_types)],
                    audience=audiences[number % 3],
                    department=departments[number % len(departments)],
                    popularity=(number * 7919) % 5000,
                    search_name=" ".join(filter(None, (doc(place), doc(subject), doc(obj), doc(action)))),
                    search_body=doc(departments[number % len(departments)].name),
                )
            )
        ServiceItem.objects.bulk_create(items, batch_size=2000)
        versions = [
            ServiceItemVersion(
                item=item,
                version=1,
                status=VersionStatus.PUBLISHED,
                legal_basis="合成数据，仅用于性能测试",
                conditions="合成数据。",
                statutory_limit_days=20,
                promised_limit_days=5,
                on_site_visits=item.pk % 2,
                online_depth=OnlineDepth.FULLY_ONLINE,
                channels=["web"],
                result_type=ResultType.OTHER,
                result_name=item.name,
                contact_phone="020-12345",
                complaint_phone="020-12345",
                published_at=now,
            )
            for item in items
        ]
        ServiceItemVersion.objects.bulk_create(versions, batch_size=2000)
        ProcessStep.objects.bulk_create(
            [ProcessStep(version=version, order=1, name="网上申请") for version in versions], batch_size=2000
        )
        ServiceItem.objects.filter(code__startswith=SYNTHETIC_PREFIX, published_version__isnull=True).update(
            published_version=Subquery(
                ServiceItemVersion.objects.filter(item=OuterRef("pk"), status=VersionStatus.PUBLISHED).values("pk")[:1]
            )
        )
        transaction.on_commit(catalogue_changed)
    return len(items)
