"""The policies: what Tongban deletes, after how long. Registered when the app loads.

Where an app already had its purge (drafts with their files, sign-in records, the webhook
log, idempotency keys), the policy calls it and counts with the same selection; the rest
are plain batched deletes of expired rows.
"""

from datetime import datetime

from django.conf import settings

from .retention import RetentionPolicy, days_setting, hours_setting, registry


def _drafts(cutoff: datetime):
    from applications.services_resident import stale_drafts

    return {"applications.Application": stale_drafts(cutoff=cutoff)}


def _purge_drafts(now: datetime) -> int:
    from applications.services_resident import applications_purge_drafts

    return applications_purge_drafts(now=now)


def _sms_codes(cutoff: datetime):
    from identity.models import SmsCode

    return {"identity.SmsCode": SmsCode.objects.filter(expires_at__lt=cutoff)}


def _delivered_outbox(cutoff: datetime):
    from notifications.constants import OutboxStatus
    from notifications.models import OutboxMessage

    return {
        "notifications.OutboxMessage": OutboxMessage.objects.filter(
            status=OutboxStatus.DELIVERED, delivered_at__lt=cutoff
        )
    }


def _expired_sessions(cutoff: datetime):
    from django.contrib.sessions.models import Session

    return {"sessions.Session": Session.objects.filter(expire_date__lt=cutoff)}


def _ended_user_sessions(cutoff: datetime):
    from identity.models import UserSession

    return {"identity.UserSession": UserSession.objects.filter(ended_at__lt=cutoff)}


def _axes_logs(cutoff: datetime):
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    return {
        model._meta.label: model.objects.filter(attempt_time__lt=cutoff)
        for model in (AccessAttempt, AccessLog, AccessFailureLog)
    }


def _purge_axes_logs(now: datetime) -> dict[str, int]:
    from identity.services.retention import axes_logs_purge

    return {f"axes.{name}": count for name, count in axes_logs_purge(now=now).items()}


def _webhook_log(cutoff: datetime):
    from partners.models import DeliveryStatus, WebhookDelivery, WebhookEvent

    finished = [DeliveryStatus.DELIVERED, DeliveryStatus.FAILED]
    return {
        "partners.WebhookDelivery": WebhookDelivery.objects.filter(status__in=finished, created_at__lt=cutoff),
        # An event goes once none of its deliveries is left (none pending, none recent).
        "partners.WebhookEvent": WebhookEvent.objects.filter(created_at__lt=cutoff)
        .exclude(deliveries__status=DeliveryStatus.PENDING)
        .exclude(deliveries__created_at__gte=cutoff),
    }


def _purge_webhook_log(now: datetime) -> int:
    from partners.webhooks.services import webhook_log_purge

    return webhook_log_purge(now=now)


def _idempotency_keys(cutoff: datetime):
    from common.models import IdempotencyKey

    return {"common.IdempotencyKey": IdempotencyKey.objects.filter(created_at__lt=cutoff)}


def _purge_idempotency_keys(now: datetime) -> int:
    from common.idempotency import idempotency_keys_purge

    return idempotency_keys_purge(now=now)


POLICIES = (
    RetentionPolicy(
        name="drafts",
        description="未提交的申请草稿及其材料文件",
        age_setting="APPLICATION_DRAFT_RETENTION_DAYS",
        age=days_setting("APPLICATION_DRAFT_RETENTION_DAYS"),
        candidates=_drafts,
        purge=_purge_drafts,
    ),
    RetentionPolicy(
        name="sms-codes",
        description="已过期的短信验证码",
        age_setting="SMS_CODE_RETENTION_DAYS",
        age=days_setting("SMS_CODE_RETENTION_DAYS"),
        candidates=_sms_codes,
    ),
    RetentionPolicy(
        name="delivered-outbox",
        description="已投递的发件箱消息",
        age_setting="OUTBOX_DELIVERED_RETENTION_DAYS",
        age=days_setting("OUTBOX_DELIVERED_RETENTION_DAYS"),
        candidates=_delivered_outbox,
    ),
    RetentionPolicy(
        name="expired-sessions",
        description="已过期的会话",
        age_setting="EXPIRED_SESSION_RETENTION_DAYS",
        age=days_setting("EXPIRED_SESSION_RETENTION_DAYS"),
        candidates=_expired_sessions,
    ),
    RetentionPolicy(
        name="ended-user-sessions",
        description="已结束的登录会话记录",
        age_setting="USER_SESSION_RETENTION_DAYS",
        age=days_setting("USER_SESSION_RETENTION_DAYS"),
        candidates=_ended_user_sessions,
    ),
    RetentionPolicy(
        name="sign-in-records",
        description="登录记录（django-axes）",
        age_setting="AXES_LOG_RETENTION_DAYS",
        age=days_setting("AXES_LOG_RETENTION_DAYS"),
        candidates=_axes_logs,
        purge=_purge_axes_logs,
    ),
    RetentionPolicy(
        name="webhook-log",
        description="已结束的合作方通知投递及其事件",
        age_setting="WEBHOOK_LOG_RETENTION_DAYS",
        age=days_setting("WEBHOOK_LOG_RETENTION_DAYS"),
        candidates=_webhook_log,
        purge=_purge_webhook_log,
        also_deletes=("partners.WebhookDeliveryAttempt",),
    ),
    RetentionPolicy(
        name="idempotency-keys",
        description="过期的幂等键",
        age_setting="IDEMPOTENCY_KEY_TTL_HOURS",
        age=hours_setting("IDEMPOTENCY_KEY_TTL_HOURS"),
        candidates=_idempotency_keys,
        purge=_purge_idempotency_keys,
    ),
)


def register_all() -> None:
    for policy in POLICIES:
        registry.register(policy)
    _check_sms_code_age()


def _check_sms_code_age() -> None:
    """Codes count towards the sending limits for their longest window: keep them that long."""
    from django.core.exceptions import ImproperlyConfigured

    windows = [window for _count, window in settings.SMS_RATE_LIMITS_PER_MOBILE + settings.SMS_RATE_LIMITS_PER_IP]
    if windows and max(windows) > settings.SMS_CODE_RETENTION_DAYS * 86400:
        raise ImproperlyConfigured("SMS_CODE_RETENTION_DAYS is shorter than the longest SMS sending-limit window")
