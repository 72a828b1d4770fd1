"""Service guides are cached as rendered pages (portal/caching.py) and say which intermediary
services an approval needs (中介超市): a change to the service types, or to the approvals
linked to them, invalidates the cached catalogue pages once committed."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from services.cache import catalogue_changed

from .models import ServiceType


def _catalogue_changed_on_commit(**kwargs) -> None:
    if kwargs.get("raw"):
        return  # loading a fixture
    if kwargs.get("action", "post_").startswith("post_"):
        transaction.on_commit(catalogue_changed)


def connect() -> None:
    post_save.connect(_catalogue_changed_on_commit, sender=ServiceType, dispatch_uid="marketplace-type-saved")
    post_delete.connect(_catalogue_changed_on_commit, sender=ServiceType, dispatch_uid="marketplace-type-deleted")
    m2m_changed.connect(
        _catalogue_changed_on_commit,
        sender=ServiceType.service_items.through,
        dispatch_uid="marketplace-type-items-changed",
    )
