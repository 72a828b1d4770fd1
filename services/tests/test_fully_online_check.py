"""A guide marked fully online (0 visits) that asks for an original or an in-person step is refused,
by the catalogue import and by the publish path the admin uses."""

import json

import pytest

from common.exceptions import ApplicationError
from services import demo_data, transfer
from services.consistency import fully_online_contradictions
from services.models import ServiceItem
from services.services import service_item_version_create_draft, service_item_version_publish

pytestmark = pytest.mark.django_db

ITEM = "440100-SCJG-005"  # 食品经营许可证核发: fully online in the demo


def _record(**changes) -> dict:
    record = next(r for r in json.loads(transfer.catalogue_export(fmt="json")) if r["code"] == ITEM)
    assert record["on_site_visits"] == 0
    return {**record, **changes}


def _import(record: dict) -> transfer.CatalogueImportError:
    text = "[\n" + json.dumps(record, ensure_ascii=False) + "\n]\n"
    with pytest.raises(transfer.CatalogueImportError) as refused:
        transfer.catalogue_import(content=text, fmt="json")
    return refused.value


def test_the_demo_catalogue_has_no_fully_online_guide_that_contradicts_itself():
    fully_online = [item for item in demo_data.ITEMS if item["on_site_visits"] == 0]
    assert len(fully_online) > 30
    for item in fully_online:
        assert not fully_online_contradictions(
            on_site_visits=0, materials=item["materials"], steps=item["steps"], faqs=item["faqs"]
        ), item["code"]
        assert all(material["form"] not in ("original", "original_and_copy") for material in item["materials"])


def test_import_refuses_a_fully_online_item_that_requires_an_original(catalogue):
    record = _record()
    record["materials"][1] = {**record["materials"][1], "form": "original"}
    problem = _import(record).problems[0]
    assert problem.line == 2
    assert "全程网办（0 次跑动）的事项不能要求提交原件" in problem.message
    assert record["materials"][1]["name"] in problem.message
    # Nothing was published.
    assert ServiceItem.objects.get(code=ITEM).published_version.version == 1


def test_import_refuses_a_fully_online_item_with_an_in_person_step_or_answer(catalogue):
    step = _record(steps=[{"name": "窗口受理", "description": "携带材料到窗口提交"}])
    assert "办理流程「窗口受理」" in _import(step).problems[0].message
    faq = _record(faqs=[{"question": "可以委托他人办理吗？", "answer": "可以，受托人须携带本人身份证件和委托书。"}])
    message = _import(faq).problems[0].message
    assert "常见问题「可以委托他人办理吗？」" in message and "「携带」" in message


def test_a_negated_visit_and_an_item_with_visits_are_accepted(catalogue):
    online = _record(faqs=[{"question": "要到窗口吗？", "answer": "无需到窗口，也不必携带纸质材料。"}])
    assert transfer.catalogue_import(content=json.dumps([online], ensure_ascii=False), fmt="json").updated == 1
    counter = _record(on_site_visits=1, online_depth="3")
    counter["materials"][1] = {**counter["materials"][1], "form": "original"}
    assert transfer.catalogue_import(content=json.dumps([counter], ensure_ascii=False), fmt="json").updated == 1


def test_publishing_a_draft_that_contradicts_itself_is_refused(catalogue):
    item = ServiceItem.objects.get(code=ITEM)
    draft = service_item_version_create_draft(item=item)
    material = draft.materials.order_by("order").first()
    material.form = "original"
    material.save(update_fields=["form"])
    with pytest.raises(ApplicationError) as refused:
        service_item_version_publish(version=draft)
    assert refused.value.code == "fully_online_contradiction"
    assert material.name in refused.value.message
    item.refresh_from_db()
    assert item.published_version.version == 1
