"""Writes behind the resident's pages: opening a case by number (which records
someone else's), reports of wrong prefilled data, materials picked or removed,
answering a supplement request, and purging abandoned drafts. The workflow
itself stays in :mod:`applications.services`.
"""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.context import current_client_ip
from common.exceptions import ApplicationError
from common.material_providers import holding_find

from .constants import MaterialSource, ScanStatus, Status
from .models import AccessAttempt, Application, PrefillReport, SubmittedMaterial, SupplementRequest
from .selectors import application_by_case_number, resident_may_view
from .selectors_resident import application_principal
from .services import application_transition

logger = logging.getLogger(__name__)

PREFILL_REPORT_MAX_LENGTH = 500
PURGE_BATCH_SIZE = 500


def _check_owner(application: Application, actor) -> None:
    if application.applicant_id != actor.pk:
        raise ApplicationError(_("无权修改该申请。"), code="not_yours", status=404)


def application_open_for_resident(*, user, case_number: str) -> Application | None:
    """The user's case by number, for the pages and the API alike: one they made, or one a
    family proxy made for them (see ``selectors.resident_may_view``). Someone else's case answers
    None, exactly like a missing one, and the attempt is recorded as an :class:`AccessAttempt`.

    Callers must return their 404, not raise it: with ``ATOMIC_REQUESTS`` a raised
    error would roll the record back.
    """
    application = application_by_case_number(case_number=case_number)
    if application is None:
        return None
    if not resident_may_view(user=user, application=application):
        AccessAttempt.objects.create(user=user, case_number=case_number[:64], client_ip=current_client_ip())
        return None
    return application


def prefill_report_create(*, application: Application, field: str, message: str, actor) -> PrefillReport:
    """Record that a prefilled value looks wrong. The value stays locked: the
    source's keepers correct it, and the next prefill picks the correction up."""
    _check_owner(application, actor)
    source = application.field_sources.get(field)
    if not source:
        raise ApplicationError(_("请选择有误的预填信息。"), code="not_prefilled", extra={"field": "field"})
    message = (message or "").strip()
    if not message:
        raise ApplicationError(_("请说明哪里有误。"), code="message_required", extra={"field": "message"})
    if len(message) > PREFILL_REPORT_MAX_LENGTH:
        raise ApplicationError(
            _("说明不能超过%(max)d个字。") % {"max": PREFILL_REPORT_MAX_LENGTH},
            code="message_too_long",
            extra={"field": "message"},
        )
    return PrefillReport.objects.create(
        application=application, field=field, source=source.get("source", "")[:100], message=message
    )


def _lock_for_materials(application: Application, actor) -> tuple[Application, SupplementRequest | None]:
    """Lock the case; materials may change in a draft or while a supplement request is open."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    _check_owner(application, actor)
    if application.status == Status.DRAFT:
        return application, None
    if application.status == Status.SUPPLEMENT_REQUESTED:
        request = application.supplement_requests.filter(fulfilled_at__isnull=True).order_by("-created_at").first()
        if request is not None:
            return application, request
    raise ApplicationError(_("当前状态不能修改材料。"), code="materials_locked", status=409)


def material_remove(*, application: Application, material_id: int, actor) -> None:
    """Remove a material from a draft, or one added to the open supplement request.
    Materials already submitted stay: the case was judged with them."""
    with transaction.atomic():
        application, request = _lock_for_materials(application, actor)
        materials = SubmittedMaterial.objects.filter(application=application, pk=material_id)
        materials = (
            materials.filter(supplement__isnull=True) if request is None else materials.filter(supplement=request)
        )
        material = materials.first()
        if material is None:
            raise ApplicationError(_("找不到该材料。"), code="material_not_found", status=404)
        name = material.file.name
        material.delete()
        if name:
            transaction.on_commit(lambda: material.file.storage.delete(name))


def material_add_holding(*, application: Application, requirement, choice: str, actor) -> SubmittedMaterial:
    """Use something the applicant already holds, such as an e-certificate, for ``requirement`` (少报).

    ``choice`` is ``"<provider>:<reference>"`` as the draft page offered it; the
    provider is asked again, so a posted reference the applicant does not hold is
    refused. See :mod:`common.material_providers` for the contract.
    """
    with transaction.atomic():
        application, request = _lock_for_materials(application, actor)
        if request is not None or application.status != Status.DRAFT:
            raise ApplicationError(_("当前状态不能修改材料。"), code="materials_locked", status=409)
        if requirement.version_id != application.service_version_id or not requirement.certificate_type_code:
            raise ApplicationError(_("该材料不能用电子证照提交。"), code="no_certificate_type")
        principal = application_principal(application)
        found = holding_find(
            user=actor, principal=principal, type_code=requirement.certificate_type_code, choice=choice or ""
        )
        if found is None:
            raise ApplicationError(_("您的电子证照库中没有这张证照。"), code="certificate_not_held", status=404)
        provider, holding = found
        reference = f"{provider.identifier}:{holding.reference}"
        existing = application.materials.filter(requirement=requirement, certificate_reference=reference).first()
        if existing is not None:
            return existing
        material = SubmittedMaterial.objects.create(
            application=application,
            requirement=requirement,
            source=MaterialSource.CERTIFICATE,
            certificate_reference=reference,
            original_name=holding.name[:200],
            scan_status=ScanStatus.CLEAN,
            uploaded_by=actor,
        )
        provider.holding_used(user=actor, principal=principal, holding=holding, case_reference=str(application.pk))
        return material


def supplement_resubmit(*, application: Application, actor) -> Application:
    """Answer the open supplement request with the materials added to it (补正)."""
    with transaction.atomic():
        application, request = _lock_for_materials(application, actor)
        if request is None:
            raise ApplicationError(_("当前没有需要补正的内容。"), code="no_open_supplement", status=409)
        if not application.materials.filter(supplement=request).exists():
            raise ApplicationError(_("请先上传补正材料，再提交补正。"), code="supplement_empty")
        return application_transition(application_id=application.pk, to_status=Status.RESUBMITTED, actor=actor)


def stale_drafts(*, cutoff: datetime.datetime):
    """Drafts neither saved nor given a material since ``cutoff``: what the purge deletes
    (the retention registry counts them for a dry run, monitoring/retention_policies.py)."""
    return Application.objects.filter(status=Status.DRAFT, updated_at__lt=cutoff).exclude(
        materials__created_at__gte=cutoff
    )


def applications_purge_drafts(*, now: datetime.datetime | None = None) -> int:
    """Delete drafts nobody touched for ``APPLICATION_DRAFT_RETENTION_DAYS``, with their files.

    A draft counts as touched when its form was saved or a material was added.
    Submitted cases are never purged here. Files are deleted after commit.
    """
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.APPLICATION_DRAFT_RETENTION_DAYS)
    stale = stale_drafts(cutoff=cutoff).values_list("pk", flat=True).order_by("pk")
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(stale[:PURGE_BATCH_SIZE])
            if not ids:
                break
            # Lock, and check again: a resident saving right now keeps their draft.
            ids = list(
                Application.objects.select_for_update(skip_locked=True)
                .filter(pk__in=ids, status=Status.DRAFT, updated_at__lt=cutoff)
                .values_list("pk", flat=True)
            )
            if not ids:
                break
            files = [
                name
                for name in SubmittedMaterial.objects.filter(application_id__in=ids).values_list("file", flat=True)
                if name
            ]
            Application.objects.filter(pk__in=ids).delete()
            deleted += len(ids)
            transaction.on_commit(lambda files=files: _delete_files(files))
    if deleted:
        logger.info("purged %d abandoned drafts", deleted)
    return deleted


def _delete_files(names: list[str]) -> None:
    storage = SubmittedMaterial._meta.get_field("file").storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("could not delete a purged draft's file")
