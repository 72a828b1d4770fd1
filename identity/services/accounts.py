"""Accounts: SMS codes, registration, sign-in bookkeeping, sessions, deactivation."""

import hashlib
import hmac
import secrets
from datetime import timedelta
from http import HTTPStatus

import redis
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from common.exceptions import ApplicationError
from common.sms import SmsMessage, send_sms

from ..constants import AssuranceLevel, SmsPurpose
from ..models import SmsCode, UserSession
from ..validators import normalize_mobile

User = get_user_model()


def _code_digest(*, mobile: str, purpose: str, code: str) -> str:
    message = f"sms:{mobile}:{purpose}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _check_sms_rate_limits(*, mobile: str, client_ip: str | None) -> None:
    now = timezone.now()
    for limit, window in settings.SMS_RATE_LIMITS_PER_MOBILE:
        if SmsCode.objects.filter(mobile=mobile, created_at__gte=now - timedelta(seconds=window)).count() >= limit:
            raise ApplicationError(_("验证码发送过于频繁，请稍后再试。"), code="sms_rate_limited", status=429)
    if client_ip:
        for limit, window in settings.SMS_RATE_LIMITS_PER_IP:
            recent = SmsCode.objects.filter(client_ip=client_ip, created_at__gte=now - timedelta(seconds=window))
            if recent.count() >= limit:
                raise ApplicationError(_("验证码发送过于频繁，请稍后再试。"), code="sms_rate_limited", status=429)


def _cooldown_started(mobile: str) -> bool:
    """Start the per-number cooldown; False if one is running already.

    Without the cooldown store no code is sent (the limit must hold), but the
    resident did nothing wrong, so that is a 503, not a 429. django-redis with
    ``IGNORE_EXCEPTIONS`` answers ``None`` instead of a bool when Redis is
    unreachable; without it the connection error itself arrives.
    """
    try:
        added = cache.add(f"sms-cooldown:{mobile}", 1, timeout=settings.SMS_RATE_LIMITS_PER_MOBILE[0][1])
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
        added = None
    if added is None:
        raise ApplicationError(
            _("服务暂时不可用，请稍后再试。"), code="sms_rate_limit_unavailable", status=HTTPStatus.SERVICE_UNAVAILABLE
        )
    return added


def sms_code_send(*, mobile: str, purpose: str, client_ip: str | None) -> SmsCode:
    """Create a one-time code for ``mobile`` and send it after commit.

    The answer is the same whether or not an account exists for the number, so
    sending a code never reveals who is registered.
    """
    try:
        mobile = normalize_mobile(mobile)
    except ValidationError as exc:
        raise ApplicationError(exc.messages[0], code="invalid_mobile") from None
    purpose = SmsPurpose(purpose)
    # An atomic cache add decides between two simultaneous requests for the same
    # number; the table counts below enforce the longer windows.
    if not _cooldown_started(mobile):
        raise ApplicationError(_("验证码发送过于频繁，请稍后再试。"), code="sms_rate_limited", status=429)
    with transaction.atomic():
        _check_sms_rate_limits(mobile=mobile, client_ip=client_ip)
        code = f"{secrets.randbelow(10**6):06d}"
        now = timezone.now()
        sms_code = SmsCode.objects.create(
            mobile=mobile,
            purpose=purpose,
            code_digest=_code_digest(mobile=mobile, purpose=purpose, code=code),
            client_ip=client_ip,
            created_at=now,
            expires_at=now + timedelta(seconds=settings.SMS_CODE_TTL_SECONDS),
        )
        minutes = settings.SMS_CODE_TTL_SECONDS // 60
        message = SmsMessage(
            mobile=mobile,
            template="verification_code",
            params={"code": code, "minutes": minutes},
            text=f"【通办】您的验证码是{code}，{minutes}分钟内有效。请勿告诉他人。",
        )
        # Only a committed code is ever sent.
        transaction.on_commit(lambda: send_sms(message))
    return sms_code


def sms_code_consume(*, mobile: str, purpose: str, code: str) -> bool:
    """Use up the newest valid code for ``mobile`` if ``code`` matches it.

    Codes are single use and expire after ``SMS_CODE_TTL_SECONDS``; after
    ``SMS_CODE_MAX_ATTEMPTS`` wrong guesses a code is dead.
    """
    try:
        mobile = normalize_mobile(mobile)
    except ValidationError:
        return False
    code = (code or "").strip()
    with transaction.atomic():
        sms_code = (
            SmsCode.objects.select_for_update()
            .filter(mobile=mobile, purpose=purpose, used_at__isnull=True, expires_at__gt=timezone.now())
            .order_by("-created_at")
            .first()
        )
        if sms_code is None or sms_code.failed_attempts >= settings.SMS_CODE_MAX_ATTEMPTS:
            return False
        expected = _code_digest(mobile=mobile, purpose=purpose, code=code)
        if not hmac.compare_digest(expected, sms_code.code_digest):
            sms_code.failed_attempts += 1
            sms_code.save(update_fields=["failed_attempts"])
            return False
        sms_code.used_at = timezone.now()
        sms_code.save(update_fields=["used_at"])
    return True


def resident_register(*, mobile: str, sms_code: str, password: str) -> User:
    """Create a resident account (assurance L1) after proving the mobile number."""
    mobile = normalize_mobile(mobile)
    if not sms_code_consume(mobile=mobile, purpose=SmsPurpose.REGISTER, code=sms_code):
        raise ApplicationError(_("短信验证码错误或已过期。"), code="sms_code_invalid")
    # The number is proven: telling its owner that it already has an account leaks nothing.
    if User.objects.filter(mobile=mobile).exists():
        raise ApplicationError(_("该手机号码已注册，请直接登录。"), code="mobile_registered")
    user = User(username=mobile, mobile=mobile, assurance_level=AssuranceLevel.L1)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages), code="weak_password") from None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ApplicationError(_("该手机号码已注册，请直接登录。"), code="mobile_registered") from None
    return user


def user_note_language(*, user, language: str) -> None:
    """Remember the page language ``user`` signed in or registered with: their messages are written in it."""
    language = (language or "").lower()
    if language not in dict(settings.LANGUAGES) or user.preferred_language == language:
        return
    user.preferred_language = language
    User.objects.filter(pk=user.pk).update(preferred_language=language)


def session_record_login(*, user, session: SessionBase, client_ip: str | None, user_agent: str) -> UserSession:
    """Note a new signed-in session (after Django rotated its key) and its start time."""
    now = timezone.now()
    session["auth_started_at"] = now.timestamp()
    session["last_activity_at"] = now.timestamp()
    if session.session_key is None:
        session.save()
    record, _created = UserSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "user": user,
            "client_ip": client_ip,
            "user_agent": user_agent[:300],
            "created_at": now,
            "last_seen_at": now,
            "ended_at": None,
        },
    )
    return record


def _session_store():
    return import_string(settings.SESSION_ENGINE + ".SessionStore")


def session_end(*, record: UserSession) -> None:
    """End one session server-side: its data is deleted, its cookie becomes useless."""
    _session_store()(session_key=record.session_key).delete()
    if record.ended_at is None:
        record.ended_at = timezone.now()
        record.save(update_fields=["ended_at"])


def sessions_end_all(*, user, keep_session_key: str | None = None) -> int:
    """End every open session of ``user`` (except the current one, if given)."""
    records = UserSession.objects.filter(user=user, ended_at__isnull=True)
    if keep_session_key:
        records = records.exclude(session_key=keep_session_key)
    ended = 0
    for record in records:
        session_end(record=record)
        ended += 1
    return ended


def totp_device_start(*, user):
    """The user's unconfirmed TOTP device, created if there is none: the secret the setup page shows
    until one code confirms it. Called from a POST only; returns None once TOTP is already on."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with transaction.atomic():
        # Lock the user so two clicks at once make one device.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            return None
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, confirmed=False, name=_("身份验证器"))
        return device
