"""Remote face checks (实人认证) and the assurance they raise.

A caller (a benefits campaign, a service that asks for L3) shows the consent form
(:class:`identity.forms.FaceConsentForm`), calls :func:`face_check_start` and sends the
browser to the URL it returns. The provider reports back through our callback view,
which calls :func:`face_check_finish`; that sends ``identity.signals.face_check_completed``
inside its transaction, so what a receiver writes commits with the result. The browser
ends at the caller's ``return_url`` with ``?face_check=<id>``; the caller reads the
check with :func:`identity.selectors.facecheck.face_check_for`.

A face check is never the only way through: callers must offer another path (a visit,
a service hall, a family agent) to anyone who cannot or will not use it.
"""

import logging
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from common.exceptions import ApplicationError

from ..constants import FACE_CHECK_TRANSITIONS, AssuranceLevel, FaceCheckDecision, FaceCheckStatus
from ..facecheck import FaceCheckError, FaceCheckOutcome, get_face_check_provider
from ..models import AssuranceChange, FaceCheck
from ..signals import face_check_completed

User = get_user_model()
logger = logging.getLogger(__name__)


def _callback_url(provider) -> str:
    """Our absolute URL the provider reports to: its server-to-server callback, or the page its
    browser comes back to (``callback_is_browser_return``)."""
    view = "facecheck:return" if provider.callback_is_browser_return else "facecheck:callback"
    return settings.FACE_CHECK_CALLBACK_BASE_URL.rstrip("/") + reverse(view, kwargs={"provider": provider.name})


def face_check_start(
    *,
    user,
    purpose: str,
    reference: str,
    consent_given: bool,
    consent_text: str,
    return_url: str,
    ip: str | None = None,
) -> tuple[FaceCheck, str]:
    """Open a face check of ``user`` (the person in front of the camera) for ``purpose`` /
    ``reference``; returns the check and the URL to send the browser to.

    ``consent_given`` must be the user's explicit, separate consent to this check, and
    ``consent_text`` the exact text they agreed to (recorded on the check with the time and
    ``ip``). ``return_url`` is a path on this site; the browser comes back to it with
    ``?face_check=<id>``.

    :raises ApplicationError: ``face_consent_required`` (nothing is recorded),
        ``real_name_required`` (the user is not L2: the provider matches against the
        registry photo of their ID number), ``face_return_url_invalid``,
        ``face_check_rate_limited`` (429: ``FACE_CHECK_DAILY_LIMIT`` checks in the last 24 hours;
        each costs a provider call), ``face_provider_unavailable`` (503; the check is recorded as
        failed with ``error``).
    """
    reference = str(reference)
    if not purpose or len(purpose) > 50 or len(reference) > 100:
        raise ValueError("A face check needs a purpose of at most 50 and a reference of at most 100 characters.")
    if not consent_given or not (consent_text or "").strip():
        raise ApplicationError(_("请先阅读并同意人脸识别告知事项。"), code="face_consent_required")
    if not user.is_real_name_verified or not user.id_number:
        raise ApplicationError(_("请先完成实名认证，再进行人脸识别认证。"), code="real_name_required", status=403)
    if not url_has_allowed_host_and_scheme(return_url, allowed_hosts=None) or not return_url.startswith("/"):
        raise ApplicationError(_("返回地址无效。"), code="face_return_url_invalid")

    now = timezone.now()
    if FaceCheck.objects.filter(user=user, created_at__gte=now - timedelta(days=1)).count() >= (
        settings.FACE_CHECK_DAILY_LIMIT
    ):
        raise ApplicationError(
            _("今日人脸识别次数已用完，请明天再试，或选择其他认证方式。"), code="face_check_rate_limited", status=429
        )

    provider = get_face_check_provider()
    check = FaceCheck.objects.create(
        user=user,
        purpose=purpose,
        reference=reference,
        provider=provider.name,
        return_url=return_url,
        consent_text=consent_text,
        consented_at=now,
        consent_ip=ip or None,
        created_at=now,
    )
    try:
        started = provider.start(check=check, return_url=return_url, callback_url=_callback_url(provider))
    except FaceCheckError as exc:
        logger.warning("face_check.start_failed", extra={"face_check": str(check.pk), "provider": provider.name})
        FaceCheck.objects.filter(pk=check.pk, status=FaceCheckStatus.PENDING).update(
            status=FaceCheckStatus.FAILED, decision=FaceCheckDecision.ERROR, completed_at=timezone.now()
        )
        raise ApplicationError(
            _("人脸识别服务暂时不可用，请稍后再试，或选择其他认证方式。"), code="face_provider_unavailable", status=503
        ) from exc
    check.provider_session_id = started.provider_session_id
    check.save(update_fields=["provider_session_id"])
    return check, started.redirect_url


SCORE_STEP = Decimal("0.01")


def _score(outcome: FaceCheckOutcome) -> Decimal | None:
    """The provider's score to two places, or None if it has none or one outside 0-100."""
    score = outcome.match_score
    if score is None or not score.is_finite() or not Decimal(0) <= score <= Decimal(100):
        return None
    return score.quantize(SCORE_STEP, rounding=ROUND_DOWN)


def _passes(outcome: FaceCheckOutcome, score: Decimal | None) -> bool:
    return (
        outcome.liveness_passed
        and outcome.decision == FaceCheckDecision.PASS
        and score is not None
        and score >= settings.FACE_CHECK_MIN_SCORE
    )


def face_check_finish(*, provider_name: str, outcome: FaceCheckOutcome) -> FaceCheck:
    """Record how the provider's session ended, once.

    Locks the check; a check already finished is returned unchanged (a replayed callback
    changes nothing and sends no signal). Passed only with liveness passed, the decision
    ``pass`` and a score of at least ``FACE_CHECK_MIN_SCORE``; anything else (a spoof above
    all) is failed. Then sends ``face_check_completed`` inside the transaction.

    :raises FaceCheck.DoesNotExist: no check of this provider has that session id.
    """
    if not outcome.provider_session_id:
        raise FaceCheck.DoesNotExist("A face check outcome without a session id.")
    with transaction.atomic():
        check = FaceCheck.objects.select_for_update().get(
            provider=provider_name, provider_session_id=outcome.provider_session_id
        )
        if check.is_finished:
            return check
        score = _score(outcome)
        status = FaceCheckStatus.PASSED if _passes(outcome, score) else FaceCheckStatus.FAILED
        if status not in FACE_CHECK_TRANSITIONS[check.status]:  # pragma: no cover - the table allows it
            raise ApplicationError(_("该人脸识别认证已结束。"), code="transition_not_allowed")
        decision = outcome.decision
        if status == FaceCheckStatus.FAILED and decision == FaceCheckDecision.PASS:
            # The provider said "pass" but the score or liveness falls short of ours.
            decision = FaceCheckDecision.NO_MATCH if outcome.liveness_passed else FaceCheckDecision.LIVENESS_FAILED
        check.status = status
        check.decision = decision
        check.liveness_passed = outcome.liveness_passed
        check.match_score = score
        check.completed_at = timezone.now()
        check.save(update_fields=["status", "decision", "liveness_passed", "match_score", "completed_at"])
        face_check_completed.send(sender=FaceCheck, face_check=check)
    logger.info(
        "face_check.finished",
        extra={"face_check": str(check.pk), "provider": provider_name, "status": status, "decision": decision},
    )
    return check


def face_checks_expire(*, now: datetime | None = None) -> int:
    """Mark pending checks older than ``FACE_CHECK_PENDING_TTL_MINUTES`` expired (run by beat).

    Each is locked and re-checked, so a callback arriving at the same moment wins or loses
    cleanly; an expired check sends ``face_check_completed`` too. Returns how many expired.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.FACE_CHECK_PENDING_TTL_MINUTES)
    expired = 0
    for pk in FaceCheck.objects.filter(status=FaceCheckStatus.PENDING, created_at__lt=cutoff).values_list(
        "pk", flat=True
    )[:1000]:
        with transaction.atomic():
            check = FaceCheck.objects.select_for_update().filter(pk=pk, status=FaceCheckStatus.PENDING).first()
            if check is None:
                continue
            check.status = FaceCheckStatus.EXPIRED
            check.completed_at = now
            check.save(update_fields=["status", "completed_at"])
            face_check_completed.send(sender=FaceCheck, face_check=check)
            expired += 1
    return expired


def face_checks_poll(*, older_than_minutes: int = 2) -> int:
    """Ask the provider about pending checks its callback has not settled yet (run by beat).

    Only providers that implement ``query``; returns how many were finished."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    finished = 0
    pending = (
        FaceCheck.objects.filter(status=FaceCheckStatus.PENDING, created_at__lt=cutoff)
        .exclude(provider_session_id="")
        .values_list("provider", "provider_session_id")[:200]
    )
    for provider_name, session_id in pending:
        try:
            provider = get_face_check_provider(provider_name)
            outcome = provider.query(session_id)
        except Exception:  # one provider's failure must not stop the sweep
            logger.warning("face_check.query_failed", extra={"provider": provider_name})
            continue
        if outcome is None or outcome.provider_session_id != session_id:
            continue
        try:
            face_check_finish(provider_name=provider_name, outcome=outcome)
        except Exception:  # a receiver's failure rolled this one back; the next sweep retries it
            logger.exception("face_check.finish_failed", extra={"provider": provider_name})
            continue
        finished += 1  # face_check_finish never leaves a check pending
    return finished


def assurance_raise(*, user, level: int, until: datetime | None, reason: str) -> User:
    """Raise ``user``'s assurance to ``level`` until ``until`` (None: no expiry), recorded.

    Never lowers: a user already at or above ``level`` keeps their level, and their expiry
    is extended to ``until`` if later (or cleared if ``until`` is None). Every change is an
    :class:`identity.models.AssuranceChange` row (and a row of the user's change history).
    ``identity.lower_expired_assurance`` brings an expired raise back to L2.
    """
    level = AssuranceLevel(level)
    reason = (reason or "").strip()[:300]
    if not reason:
        raise ValueError("An assurance raise needs a reason.")
    if until is not None and until <= timezone.now():
        raise ApplicationError(_("有效期必须晚于当前时间。"), code="assurance_until_past")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if level > AssuranceLevel.L2 and locked.assurance_level < AssuranceLevel.L2:
            raise ApplicationError(_("请先完成实名认证。"), code="real_name_required", status=403)
        before_level, before_until = locked.assurance_level, locked.assurance_expires_at
        if before_level > level:
            return locked  # never lowered by a raise
        if before_level == level:
            if before_until is None:
                return locked  # already at this level, for good
            until = None if until is None else max(until, before_until)
            if until == before_until:
                return locked
        locked.assurance_level = level
        locked.assurance_expires_at = until
        locked.save(update_fields=["assurance_level", "assurance_expires_at"])
        AssuranceChange.objects.create(user=locked, from_level=before_level, to_level=level, until=until, reason=reason)
    user.assurance_level, user.assurance_expires_at = locked.assurance_level, locked.assurance_expires_at
    return locked


def assurance_lower_expired(*, now: datetime | None = None) -> int:
    """Bring users whose raised assurance has expired back to L2 (run by beat), recorded.
    Returns how many were lowered."""
    now = now or timezone.now()
    lowered = 0
    for pk in User.objects.filter(assurance_expires_at__lte=now).values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            locked = User.objects.select_for_update().filter(pk=pk, assurance_expires_at__lte=now).first()
            if locked is None:
                continue
            before = locked.assurance_level
            locked.assurance_level = min(before, AssuranceLevel.L2)
            locked.assurance_expires_at = None
            locked.save(update_fields=["assurance_level", "assurance_expires_at"])
            if before != locked.assurance_level:
                AssuranceChange.objects.create(
                    user=locked, from_level=before, to_level=locked.assurance_level, reason="expired"
                )
                lowered += 1
    return lowered
