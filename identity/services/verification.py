"""Real-name verification of a resident (实名认证)."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import ApplicationError

from ..constants import AssuranceLevel, VerificationOutcome
from ..models import RealNameVerification
from ..personal_data import id_number_columns, mask_id_number
from ..validators import normalize_id_number
from ..verification import get_verifier

User = get_user_model()


def real_name_verify(*, user, name: str, id_number: str) -> User:
    """Verify ``user`` as the holder of (``name``, ``id_number``) and raise them to L2.

    The checksum is checked first; then the configured verifier must confirm the
    pair. A checksum-valid number the verifier does not confirm never becomes
    verified. Every attempt is recorded (with the masked number only).
    """
    name = (name or "").strip()
    if not 2 <= len(name) <= 50:
        raise ApplicationError(_("请输入与身份证一致的姓名。"), code="name_invalid")
    try:
        id_number = normalize_id_number(id_number)
    except ValidationError as exc:
        raise ApplicationError(exc.messages[0], code=exc.code or "id_number_invalid") from None

    since = timezone.now() - timedelta(days=1)
    if RealNameVerification.objects.filter(user=user, created_at__gte=since).count() >= (
        settings.IDENTITY_VERIFICATION_DAILY_LIMIT
    ):
        raise ApplicationError(_("今日核验次数已用完，请明天再试。"), code="verification_rate_limited", status=429)

    verifier = get_verifier()
    result = verifier.verify(name=name, id_number=id_number)
    outcome = (
        VerificationOutcome.ERROR
        if result.error
        else (VerificationOutcome.MATCHED if result.matched else VerificationOutcome.MISMATCHED)
    )
    RealNameVerification.objects.create(
        user=user,
        provider=verifier.identifier,
        outcome=outcome,
        name=name,
        id_number_masked=mask_id_number(id_number),
        reference=result.reference,
    )
    if result.error:
        raise ApplicationError(_("核验服务暂时不可用，请稍后再试。"), code="verifier_unavailable", status=503)
    if not result.matched:
        raise ApplicationError(_("姓名与身份证号码核验不一致，请核对后重试。"), code="verification_mismatch")

    columns = id_number_columns(id_number)
    try:
        with transaction.atomic():
            locked = User.objects.select_for_update().get(pk=user.pk)
            if User.objects.filter(id_number_digest=columns["id_number_digest"]).exclude(pk=user.pk).exists():
                raise ApplicationError(
                    _("该身份证号码已绑定其他账号。如非本人操作，请联系客服。"), code="id_number_bound"
                )
            for attribute, value in columns.items():
                setattr(locked, attribute, value)
            locked.real_name = name
            locked.display_name = locked.display_name or name
            locked.assurance_level = max(locked.assurance_level, AssuranceLevel.L2)
            locked.verified_at = timezone.now()
            locked.verification_provider = verifier.identifier
            locked.save(
                update_fields=[
                    *columns,
                    "real_name",
                    "display_name",
                    "assurance_level",
                    "verified_at",
                    "verification_provider",
                ]
            )
    except IntegrityError:
        raise ApplicationError(
            _("该身份证号码已绑定其他账号。如非本人操作，请联系客服。"), code="id_number_bound"
        ) from None
    return locked
