import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from common.exceptions import ApplicationError
from identity.tests.factories import UserFactory
from services import selectors, services
from services.constants import VersionStatus
from services.models import ServiceItem, ServiceItemVersion

pytestmark = pytest.mark.django_db


def _item(code="440100-SCJG-001"):
    return ServiceItem.objects.select_related("published_version").get(code=code)


def test_publishing_a_new_version_keeps_the_old_one_unchanged(catalogue):
    item = _item()
    old = item.published_version
    old_materials = list(old.materials.values_list("name", flat=True))

    draft = services.service_item_version_create_draft(item=item)
    assert draft.version == old.version + 1
    assert list(draft.materials.values_list("name", flat=True)) == old_materials
    draft.promised_limit_days = 0
    draft.save(update_fields=["promised_limit_days"])
    draft.materials.all().delete()

    official = UserFactory(official=True)
    services.service_item_version_publish(version=draft, published_by=official)

    item.refresh_from_db()
    old.refresh_from_db()
    assert item.published_version == draft
    assert old.status == VersionStatus.SUPERSEDED
    assert old.promised_limit_days == 1
    assert list(old.materials.values_list("name", flat=True)) == old_materials
    draft.refresh_from_db()
    assert (draft.status, draft.published_by) == (VersionStatus.PUBLISHED, official)


def test_publishing_twice_changes_nothing_and_only_drafts_publish(catalogue):
    version = _item().published_version
    published_at = version.published_at
    assert services.service_item_version_publish(version=version).published_at == published_at
    ServiceItemVersion.objects.filter(pk=version.pk).update(status=VersionStatus.WITHDRAWN)
    with pytest.raises(ApplicationError) as refused:
        services.service_item_version_publish(version=version)
    assert refused.value.code == "not_a_draft"


def test_an_open_draft_is_reused_rather_than_copied_again(catalogue):
    item = _item()
    first = services.service_item_version_create_draft(item=item)
    assert services.service_item_version_create_draft(item=item) == first


def test_promised_limit_may_not_exceed_statutory(catalogue):
    draft = services.service_item_version_create_draft(item=_item())
    draft.promised_limit_days = draft.statutory_limit_days + 1
    # The admin form validates the constraint; the database enforces it.
    with pytest.raises(ValidationError):
        draft.full_clean()
    with pytest.raises(IntegrityError):
        draft.save()


def test_unpublished_items_leave_lists_and_search(catalogue):
    item = _item()
    services.service_item_unpublish(item=item)
    assert item.code not in {i.code for i in selectors.service_item_list()}
    assert item.code not in {i.code for i in selectors.service_item_search(query="营业执照")}
    assert ServiceItemVersion.objects.get(item=item).status == VersionStatus.WITHDRAWN
    assert selectors.service_item_guide(code=item.code) is None


def test_demo_catalogue_meets_the_issue(catalogue):
    from services.models import Bundle, Department, LifeEvent, Topic

    items = selectors.service_item_list()
    assert items.count() >= 60
    assert Department.objects.filter(items__published_version__isnull=False).distinct().count() >= 12
    assert Topic.objects.count() >= 4
    assert Bundle.objects.count() >= 3
    for bundle in Bundle.objects.prefetch_related("items__department"):
        assert len({item.department_id for item in bundle.items.all()}) > 1
    assert set(LifeEvent.objects.values_list("name", flat=True)) >= {
        "出生",
        "入学",
        "就业",
        "婚育",
        "住房",
        "社保",
        "出行",
        "退休",
        "身后事",
        "开办",
        "经营",
        "变更",
        "注销",
    }
    for version in ServiceItemVersion.objects.filter(status=VersionStatus.PUBLISHED):
        assert version.promised_limit_days <= version.statutory_limit_days


def test_reindexing_after_an_alias_change_makes_the_item_findable(catalogue):
    assert "内地居民结婚登记" not in [i.name for i in selectors.service_item_search(query="扯证")]
    item = _item("440100-MZ-001")
    item.aliases = "领证,登记结婚,扯证"
    item.save(update_fields=["aliases"])
    services.service_item_reindex(item=item)
    assert selectors.service_item_search(query="扯证").first().name == "内地居民结婚登记"
