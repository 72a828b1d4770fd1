"""Writes to the catalogue: versions, publishing, the search document.

Every change that alters what the portal shows ends by invalidating the
catalogue's cached pages once the transaction commits.
"""

from pathlib import Path

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import ApplicationError

from . import search, selectors
from .cache import catalogue_changed
from .consistency import fully_online_contradictions
from .constants import VersionStatus
from .models import (
    FAQ,
    Fee,
    Material,
    ProcessStep,
    ServiceItem,
    ServiceItemVersion,
    SpecialStep,
    SynonymGroup,
    split_terms,
)

# The rows copied with a version, as (model, related name).
VERSION_PARTS = (
    (Material, "materials"),
    (Fee, "fees"),
    (ProcessStep, "steps"),
    (SpecialStep, "special_steps"),
    (FAQ, "faqs"),
)


DEFAULT_SYNONYMS_FILE = Path(__file__).resolve().parent / "data" / "synonyms.txt"


def synonym_groups_add_defaults(*, path: Path = DEFAULT_SYNONYMS_FILE) -> int:
    """Add the default synonym groups of ``path`` that are missing (idempotent).

    Returns how many groups were added. Groups officials changed or switched
    off stay as they are.
    """
    added = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        _group, created = SynonymGroup.objects.get_or_create(terms=",".join(split_terms(line)))
        added += created
    if added:
        transaction.on_commit(catalogue_changed)
    return added


def service_item_search_texts(
    *, item: ServiceItem, version: ServiceItemVersion | None, synonym_groups: list[list[str]] | None = None
) -> tuple[str, str]:
    """The (name, body) search documents of an item and its published guide.

    The body holds the names of the topics, bundles and life events the item
    belongs to, so 企业开办 finds the items of the 企业开办 topic in any word
    order; both documents hold the synonyms of the terms they mention.
    """
    if synonym_groups is None:
        synonym_groups = selectors.active_synonym_groups()
    # The English name too, so English pages' visitors can search in English.
    name = search.document([item.name, *split_terms(item.aliases), item.name_en], synonym_groups)
    body_texts = [*split_terms(item.keywords), item.department.name]
    for related in (item.topics.all(), item.bundles.all(), item.life_events.all()):
        body_texts += [row.name for row in related]
    if version is not None:
        body_texts += [version.result_name, version.conditions]
        body_texts += [material.name for material in version.materials.all()]
        body_texts += [faq.question for faq in version.faqs.all()]
    return name, search.document(body_texts, synonym_groups)


def service_item_reindex(*, item: ServiceItem) -> None:
    """Rewrite an item's search document, e.g. after its aliases changed."""
    item.search_name, item.search_body = service_item_search_texts(item=item, version=item.published_version)
    item.save(update_fields=["search_name", "search_body", "updated_at"])
    transaction.on_commit(catalogue_changed)


def catalogue_search_reindex(*, item_ids: list[int] | None = None, batch_size: int = 500) -> int:
    """Rewrite the search documents of published items (all, or those in ``item_ids``).

    Run after a topic, bundle, life event or synonym list changes, or with
    ``manage.py search_reindex`` after an upgrade. On PostgreSQL the stored
    ``search_vector`` follows the text by itself. Returns how many items were rewritten.
    """
    groups = selectors.active_synonym_groups()
    items = (
        ServiceItem.objects.filter(published_version__isnull=False)
        .select_related("department", "published_version")
        .prefetch_related("topics", "bundles", "life_events", "published_version__materials", "published_version__faqs")
        .order_by("pk")
    )
    if item_ids is not None:
        items = items.filter(pk__in=item_ids)
    batch: list[ServiceItem] = []
    rewritten = 0
    with transaction.atomic():
        for item in items.iterator(chunk_size=batch_size):
            item.search_name, item.search_body = service_item_search_texts(
                item=item, version=item.published_version, synonym_groups=groups
            )
            batch.append(item)
            if len(batch) >= batch_size:
                ServiceItem.objects.bulk_update(batch, ["search_name", "search_body"])
                rewritten += len(batch)
                batch = []
        ServiceItem.objects.bulk_update(batch, ["search_name", "search_body"])
        transaction.on_commit(catalogue_changed)
    return rewritten + len(batch)


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
