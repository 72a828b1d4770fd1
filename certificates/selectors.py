"""Reads for e-certificates: the wallet, what a user may use, shares and the use log."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from identity.models import Enterprise
from identity.selectors_enterprises import enterprises_for_user

from .constants import CertificateStatus, HolderKind, UseKind
from .models import Certificate, CertificateType, Share, UseLog


def wallet_certificates(*, user) -> QuerySet[Certificate]:
    """The user's own certificates and those of the enterprises they act for, newest first."""
    return (
        Certificate.objects.filter(
            Q(holder_user=user) | Q(holder_enterprise__in=enterprises_for_user(user=user).values("pk"))
        )
        .select_related("type", "holder_enterprise")
        .order_by("type__name", "-issued_on", "-pk")
    )


def wallet_certificate(*, user, uuid) -> Certificate | None:
    return wallet_certificates(user=user).filter(uuid=uuid).first()


def types_standing_for(type_code: str) -> list[CertificateType]:
    return [t for t in CertificateType.objects.all() if type_code in t.material_codes]


def certificates_usable_by(*, user, holder, type_code: str) -> list[Certificate]:
    """Valid certificates that can stand in for a material of ``type_code``, held by ``holder``
    (the user themself, or an enterprise the user acts for)."""
    if isinstance(holder, Enterprise):
        if not enterprises_for_user(user=user).filter(pk=holder.pk).exists():
            return []
        # The enterprise's certificates, and the acting person's own (法定代表人/经办人身份证明).
        held = Certificate.objects.filter(
            Q(holder_enterprise=holder) | Q(holder_user=user, type__holder_kind=HolderKind.RESIDENT)
        )
    else:
        if holder.pk != user.pk:
            return []
        held = Certificate.objects.filter(holder_user=user)
    today = timezone.localdate()
    type_ids = [t.pk for t in types_standing_for(type_code)]
    return list(
        held.filter(type_id__in=type_ids, status=CertificateStatus.VALID)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .select_related("type")
        .order_by("-issued_on", "-pk")
    )


def certificate_shares(*, certificate: Certificate) -> QuerySet[Share]:
    return certificate.shares.order_by("-created_at")


def certificate_uses(*, certificate: Certificate) -> QuerySet[UseLog]:
    return certificate.uses.select_related("share").order_by("-created_at", "-pk")


def materials_spared(*, user) -> int:
    """How many materials the user did not have to upload because a certificate stood in (少报)."""
    return UseLog.objects.filter(
        kind=UseKind.APPLICATION, certificate__in=wallet_certificates(user=user).values("pk")
    ).count()


def partners_for_sharing() -> list:
    """Partner systems (OAuth2 applications) granted ``certificates:verify``: a holder may share with them."""
    from oauth2_provider.models import get_application_model

    applications = (
        get_application_model()
        .objects.filter(partner_scope_grant__allowed_scopes__contains="certificates:verify")
        .select_related("partner_scope_grant")
    )
    return [
        app
        for app in applications.order_by("name")
        if "certificates:verify" in app.partner_scope_grant.allowed_scopes.split()
    ]
