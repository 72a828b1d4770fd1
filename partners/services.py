"""Writes for partner onboarding (合作方接入): applying, an official's decision, and the
scopes each of the partner's OAuth2 clients may ask for.

Every change locks the partner row, checks the allowed transition, is idempotent
where asking twice makes sense, and appends a :class:`~partners.models.PartnerEvent`.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import ApplicationError
from identity.models import Enterprise, EnterpriseStatus, PartnerScopeGrant, User
from identity.oauth.clients import (
    oauth_client_auth_method_set,
    oauth_client_create,
    oauth_client_key_add,
    oauth_client_key_revoke,
    oauth_client_redirect_uris_set,
    oauth_client_secret_rotate,
)
from identity.oauth.scopes import all_scope_names
from identity.oauth.selectors import oauth_client_keys, oauth_client_secret_status
from identity.oauth.services import partner_scopes_set

from .models import ClientEnvironment, Partner, PartnerClient, PartnerEvent, PartnerEventAction, PartnerStatus

# Which decisions an official may take from which status.
ALLOWED_DECISIONS = {
    PartnerStatus.APPROVED: {PartnerStatus.APPLIED, PartnerStatus.SUSPENDED, PartnerStatus.APPROVED},
    PartnerStatus.REJECTED: {PartnerStatus.APPLIED},
    PartnerStatus.SUSPENDED: {PartnerStatus.APPROVED},
}


def _record(partner: Partner, *, actor: User | None, action: str, summary: str = "") -> PartnerEvent:
    return PartnerEvent.objects.create(partner=partner, actor=actor, action=action, summary=summary[:500])


def _clean_scopes(scopes, *, field: str) -> list[str]:
    known = all_scope_names()
    unknown = sorted(set(scopes) - set(known))
    if unknown:
        raise ApplicationError(
            _("未知的权限范围：%(scopes)s") % {"scopes": " ".join(unknown)},
            code="unknown_scope",
            extra={"field": field},
        )
    chosen = [scope for scope in known if scope in set(scopes)]  # the registry's order
    if not chosen:
        raise ApplicationError(_("请至少选择一个权限范围。"), code="scopes_required", extra={"field": field})
    return chosen


def partner_apply(
    *,
    enterprise: Enterprise,
    applicant: User,
    purpose: str,
    scopes: list[str],
    contact_name: str,
    contact_mobile: str,
    contact_email: str,
) -> Partner:
    """An enterprise's legal representative applies for the partner API.

    The enterprise must be verified (核验). One partner per enterprise: applying
    again after a rejection reopens the same record for a new decision.
    """
    purpose = purpose.strip()
    if not purpose:
        raise ApplicationError(_("请说明接入用途。"), code="purpose_required", extra={"field": "purpose"})
    chosen = _clean_scopes(scopes, field="scopes")
    with transaction.atomic():
        enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
        if enterprise.legal_representative_id != applicant.pk:
            raise ApplicationError(_("只有企业的法定代表人可以申请成为合作方。"), code="not_representative", status=403)
        if enterprise.status != EnterpriseStatus.VERIFIED:
            raise ApplicationError(_("企业登记通过核验后才能申请成为合作方。"), code="enterprise_not_verified")
        partner = Partner.objects.select_for_update().filter(enterprise=enterprise).first()
        fields = {
            "purpose": purpose,
            "requested_scopes": " ".join(chosen),
            "contact_name": contact_name.strip(),
            "contact_mobile": contact_mobile.strip(),
            "contact_email": contact_email.strip(),
            "applied_by": applicant,
        }
        if partner is None:
            partner = Partner.objects.create(enterprise=enterprise, status=PartnerStatus.APPLIED, **fields)
        elif partner.status == PartnerStatus.REJECTED:
            for name, value in fields.items():
                setattr(partner, name, value)
            partner.status = PartnerStatus.APPLIED
            partner.save()
        else:
            raise ApplicationError(_("该企业已提交过合作方申请。"), code="already_applied", status=409)
        _record(partner, actor=applicant, action=PartnerEventAction.APPLIED, summary=" ".join(chosen))
    return partner


def _client_scopes(partner: Partner, environment: str) -> list[str]:
    """What a client of ``partner`` in ``environment`` may ask for now.

    Sandbox clients: what the partner asked for (they reach only sandbox providers and
    test personas) while the partner is not rejected or suspended. Production clients:
    the approved scopes, and only while the partner is approved.
    """
    if environment == ClientEnvironment.SANDBOX:
        return partner.requested_scope_list if partner.status in (PartnerStatus.APPLIED, PartnerStatus.APPROVED) else []
    return partner.approved_scope_list if partner.status == PartnerStatus.APPROVED else []


def _sync_client_scopes(partner: Partner) -> None:
    """Set every client's ``PartnerScopeGrant`` to what its environment allows now."""
    for client in PartnerClient.objects.filter(partner=partner).select_related("application"):
        scopes = _client_scopes(partner, client.environment)
        if scopes:
            partner_scopes_set(application=client.application, scopes=scopes)
        else:
            PartnerScopeGrant.objects.filter(application=client.application).update(allowed_scopes="")


def partner_decide(*, partner_id: int, official: User, decision: str, scopes=(), note: str = "") -> Partner:
    """An official approves (with ``scopes``, a subset of what was asked), rejects or suspends.

    Approving again with other scopes adjusts them. Every client's allowed scopes follow
    at once; a suspended partner's clients may ask for nothing (tokens already issued
    expire within the access-token lifetime). Idempotent for the same decision and scopes.
    """
    if decision not in ALLOWED_DECISIONS:
        raise ApplicationError(_("未知的审核决定。"), code="unknown_decision")
    note = note.strip()
    with transaction.atomic():
        partner = Partner.objects.select_for_update().get(pk=partner_id)
        approved = []
        if decision == PartnerStatus.APPROVED:
            approved = _clean_scopes(scopes, field="approved_scopes")
            beyond = sorted(set(approved) - set(partner.requested_scope_list))
            if beyond:
                raise ApplicationError(
                    _("批准的权限范围超出了申请范围：%(scopes)s") % {"scopes": " ".join(beyond)},
                    code="scopes_beyond_request",
                    extra={"field": "approved_scopes"},
                )
        elif not note:
            raise ApplicationError(
                _("驳回或暂停时请填写理由。"), code="note_required", extra={"field": "decision_note"}
            )
        if partner.status == decision and partner.approved_scope_list == approved:
            return partner
        if partner.status not in ALLOWED_DECISIONS[decision]:
            raise ApplicationError(
                _("当前状态（%(status)s）不能执行该操作。") % {"status": partner.get_status_display()},
                code="transition_not_allowed",
                status=409,
            )
        action = {
            PartnerStatus.APPROVED: (
                PartnerEventAction.SCOPES_CHANGED
                if partner.status == PartnerStatus.APPROVED
                else PartnerEventAction.APPROVED
            ),
            PartnerStatus.REJECTED: PartnerEventAction.REJECTED,
            PartnerStatus.SUSPENDED: PartnerEventAction.SUSPENDED,
        }[decision]
        partner.status = decision
        partner.approved_scopes = " ".join(approved) if decision == PartnerStatus.APPROVED else partner.approved_scopes
        partner.decided_by = official
        partner.decided_at = timezone.now()
        partner.decision_note = note
        partner.save(
            update_fields=["status", "approved_scopes", "decided_by", "decided_at", "decision_note", "updated_at"]
        )
        _sync_client_scopes(partner)
        _record(partner, actor=official, action=action, summary=" ".join(approved) or note)
    return partner


# --- The partner's own OAuth2 clients ------------------------------------------------------


def client_environment_open(partner: Partner, environment: str) -> bool:
    """Whether ``partner`` may create a client in ``environment`` now."""
    return environment in ClientEnvironment.values and bool(_client_scopes(partner, environment))


def _client_allowed(partner: Partner, environment: str) -> None:
    if environment not in ClientEnvironment.values:
        raise ApplicationError(_("未知的环境。"), code="unknown_environment", extra={"field": "environment"})
    if not client_environment_open(partner, environment):
        if environment == ClientEnvironment.PRODUCTION:
            message = _("审核批准后才能创建正式环境应用。")
        else:
            message = _("合作方已被驳回或暂停，不能创建应用。")
        raise ApplicationError(message, code="environment_not_allowed", status=403, extra={"field": "environment"})


def partner_client_create(
    *,
    partner: Partner,
    actor: User,
    environment: str,
    name: str,
    grant_type: str,
    auth_method: str,
    redirect_uris: list[str],
) -> tuple[PartnerClient, str | None]:
    """Register a client for ``partner``; returns it and its secret (shown once), or ``None``
    for a ``private_key_jwt`` client, which registers public keys instead.

    Sandbox clients may be created as soon as the partner applied; production clients once it
    is approved. The client may ask for the scopes its environment allows (``_client_scopes``).
    """
    with transaction.atomic():
        partner = Partner.objects.select_for_update().get(pk=partner.pk)
        _client_allowed(partner, environment)
        application, secret = oauth_client_create(
            owner=actor,
            name=name.strip(),
            grant_type=grant_type,
            auth_method=auth_method,
            redirect_uris=redirect_uris,
            actor=actor,
        )
        client = PartnerClient.objects.create(partner=partner, application=application, environment=environment)
        partner_scopes_set(application=application, scopes=_client_scopes(partner, environment))
        _record(
            partner,
            actor=actor,
            action=PartnerEventAction.CLIENT_CREATED,
            summary=f"{application.client_id} ({environment}, {grant_type}, {auth_method})",
        )
    return client, secret


def partner_client_redirect_uris_set(*, client: PartnerClient, actor: User, redirect_uris: list[str]) -> None:
    with transaction.atomic():
        oauth_client_redirect_uris_set(application=client.application, redirect_uris=redirect_uris, actor=actor)
        _record(
            client.partner,
            actor=actor,
            action=PartnerEventAction.REDIRECT_URIS_CHANGED,
            summary=f"{client.application.client_id}: {' '.join(redirect_uris)}",
        )


def partner_client_secret_rotate(*, client: PartnerClient, actor: User) -> str:
    """A new secret, shown once; the previous one keeps working for the overlap period."""
    with transaction.atomic():
        secret = oauth_client_secret_rotate(application=client.application, actor=actor)
        _record(
            client.partner, actor=actor, action=PartnerEventAction.SECRET_ROTATED, summary=client.application.client_id
        )
    return secret


def partner_client_key_add(*, client: PartnerClient, actor: User, public_jwk: dict):
    with transaction.atomic():
        key = oauth_client_key_add(application=client.application, public_jwk=public_jwk, actor=actor)
        _record(
            client.partner,
            actor=actor,
            action=PartnerEventAction.KEY_ADDED,
            summary=f"{client.application.client_id}: kid {key.kid}",
        )
    return key


def partner_client_key_revoke(*, client: PartnerClient, actor: User, key_id: int) -> None:
    with transaction.atomic():
        key = oauth_client_keys(application=client.application).filter(pk=key_id).first()
        if key is None:
            raise ApplicationError(_("未找到该公钥。"), code="not_found", status=404)
        oauth_client_key_revoke(key_id=key.pk, actor=actor)
        _record(
            client.partner,
            actor=actor,
            action=PartnerEventAction.KEY_REVOKED,
            summary=f"{client.application.client_id}: kid {key.kid}",
        )


def partner_client_use_private_key_jwt(*, client: PartnerClient, actor: User) -> None:
    """Move a client from a shared secret to ``private_key_jwt``: every secret stops working at once.

    Refused until the client has an active public key, so the switch never locks the partner out.
    Idempotent: a client already on ``private_key_jwt`` is left as it is.
    """
    with transaction.atomic():
        if oauth_client_secret_status(application=client.application)["auth_method"] == "private_key_jwt":
            return
        if not oauth_client_keys(application=client.application).exists():
            raise ApplicationError(_("请先登记至少一个公钥，再改用私钥签名认证。"), code="no_public_key")
        oauth_client_auth_method_set(application=client.application, auth_method="private_key_jwt", actor=actor)
        _record(
            client.partner,
            actor=actor,
            action=PartnerEventAction.AUTH_METHOD_CHANGED,
            summary=f"{client.application.client_id}: private_key_jwt",
        )
