"""Signals identity sends, and receivers that keep the session registry in step with Django's auth events."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_save, pre_save
from django.dispatch import Signal, receiver
from django.utils import timezone

from .models import UserSession
from .security import client_ip
from .services.accounts import session_record_login, sessions_end_all, user_note_language

User = get_user_model()

# A face check (实人认证) ended: passed, failed or expired. Sent once per check by
# identity.services.facecheck (face_check_finish, face_checks_expire) INSIDE the transaction
# that records the result, with ``sender=FaceCheck`` and ``face_check=<the FaceCheck>``: what a
# receiver writes commits or rolls back with it, and a receiver that raises undoes the result
# (the provider then retries its callback). Receivers pick their checks by ``face_check.purpose``
# and ``face_check.reference``; side effects (SMS, inbox) go through the outbox.
face_check_completed = Signal()


@receiver(user_logged_in, dispatch_uid="identity.record_session")
def record_session(sender, request, user, **kwargs):
    session_record_login(
        user=user,
        session=request.session,
        client_ip=client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
    )


@receiver(user_logged_in, dispatch_uid="identity.note_language")
def note_language(sender, request, user, **kwargs):
    if request is not None:
        user_note_language(user=user, language=getattr(request, "LANGUAGE_CODE", ""))


@receiver(user_logged_out, dispatch_uid="identity.close_session")
def close_session(sender, request, user, **kwargs):
    if user is not None and request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key, ended_at__isnull=True).update(
            ended_at=timezone.now()
        )


@receiver(pre_save, sender=User, dispatch_uid="identity.note_deactivation")
def note_deactivation(sender, instance, **kwargs):
    if instance.pk and not instance.is_active:
        was_active = User.objects.filter(pk=instance.pk, is_active=True).exists()
        instance._deactivated_now = was_active


@receiver(post_save, sender=User, dispatch_uid="identity.end_sessions_of_disabled_user")
def end_sessions_of_disabled_user(sender, instance, **kwargs):
    """However an account is disabled (admin, service, shell), its sessions end at once."""
    if getattr(instance, "_deactivated_now", False):
        sessions_end_all(user=instance)
        instance._deactivated_now = False
