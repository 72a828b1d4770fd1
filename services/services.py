"""Writes to the catalogue: versions, publishing, the search document.

Every change that alters what the portal shows ends by invalidating the
catalogue's cached pages once the transaction commits.
"""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import ApplicationError

from . import search
from .cache import catalogue_changed
from .consistency import fully_online_contradictions
from .constants import VersionStatus
from .models import FAQ, Fee, Material, ProcessStep, ServiceItem, ServiceItemVersion, SpecialStep, split_terms

# The rows copied with a version, as (model, related name).
VERSION_PARTS = (
    (Material, "materials"),
    (Fee, "fees"),
    (ProcessStep, "steps"),
    (SpecialStep, "special_steps"),
    (FAQ, "faqs"),
)


def service_item_search_texts(*, item: ServiceItem, version: ServiceItemVersion | None) -> tuple[str, str]:
    """The (name, body) search documents of an item and its published guide."""
    # The English name too, so English pages' visitors can search in English.
    name = search.document([item.name, *split_terms(item.aliases), item.name_en])
    body_texts = [*split_terms(item.keywords), item.department.name]
    if version is not None:
        body_texts += [version.result_name, version.conditions]
        body_texts += [material.name for material in version.materials.all()]
        body_texts += [faq.question for faq in version.faqs.all()]
    return name, search.document(body_texts)


def service_item_reindex(*, item: ServiceItem) -> None:
    """Rewrite an item's search document, e.g. after its aliases changed."""
    item.search_name, item.search_body = service_item_search_texts(item=item, version=item.published_version)
    item.save(update_fields=["search_name", "search_body", "updated_at"])
    transaction.on_commit(catalogue_changed)


def service_item_version_create_draft(*, item: ServiceItem) -> ServiceItemVersion:
    """A draft to edit: the open draft if there is one, else a copy of the newest version."""
    with transaction.atomic():
        item = ServiceItem.objects.select_for_update().get(pk=item.pk)
        draft = item.versions.filter(status=VersionStatus.DRAFT).first()
        if draft is not None:
            return draft
        source = item.versions.order_by("-version").first()
        if source is None:
            raise ApplicationError(_("该事项还没有任何版本，请先新建版本。"), code="no_version")
        parts = {related: list(getattr(source, related).all()) for _model, related in VERSION_PARTS}
        draft = source
        draft.pk = None
        draft._state.adding = True
        draft.version = item.versions.aggregate(latest=Max("version"))["latest"] + 1
        draft.status = VersionStatus.DRAFT
        draft.published_at = None
        draft.published_by = None
        draft.save()
        for model, related in VERSION_PARTS:
            for row in parts[related]:
                row.pk = None
                row._state.adding = True
                row.version = draft
            model.objects.bulk_create(parts[related])
        return draft


def service_item_version_publish(*, version: ServiceItemVersion, published_by=None) -> ServiceItemVersion:
    """Publish a draft version: it becomes what the portal shows and applications use.

    The previously published version is marked superseded, never changed, so
    applications that point at it keep the rules they were judged by.
    Publishing the published version again changes nothing.
    """
    with transaction.atomic():
        item = ServiceItem.objects.select_for_update().select_related("department").get(pk=version.item_id)
        version = ServiceItemVersion.objects.select_for_update().get(pk=version.pk)
        if version.status == VersionStatus.PUBLISHED:
            return version
        if version.status != VersionStatus.DRAFT:
            raise ApplicationError(_("只能发布草稿版本。"), code="not_a_draft", status=409)
        if not version.steps.exists():
            raise ApplicationError(_("发布前请填写办理流程。"), code="no_steps")
        contradictions = fully_online_contradictions(
            on_site_visits=version.on_site_visits,
            materials=version.materials.all(),
            steps=version.steps.all(),
            faqs=version.faqs.all(),
        )
        if contradictions:
            raise ApplicationError(" ".join(contradictions), code="fully_online_contradiction")

        item.versions.filter(status=VersionStatus.PUBLISHED).update(
            status=VersionStatus.SUPERSEDED, updated_at=timezone.now()
        )
        version.status = VersionStatus.PUBLISHED
        version.published_at = timezone.now()
        version.published_by = published_by
        version.save(update_fields=["status", "published_at", "published_by", "updated_at"])

        item.published_version = version
        item.search_name, item.search_body = service_item_search_texts(item=item, version=version)
        item.save(update_fields=["published_version", "search_name", "search_body", "updated_at"])
        transaction.on_commit(catalogue_changed)
        return version


def service_item_unpublish(*, item: ServiceItem) -> None:
    """Take an item off the portal. Its versions stay for the applications that used them."""
    with transaction.atomic():
        item = ServiceItem.objects.select_for_update().get(pk=item.pk)
        if item.published_version_id is None:
            return
        item.versions.filter(pk=item.published_version_id).update(
            status=VersionStatus.WITHDRAWN, updated_at=timezone.now()
        )
        item.published_version = None
        item.save(update_fields=["published_version", "updated_at"])
        transaction.on_commit(catalogue_changed)
