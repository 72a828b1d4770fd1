"""identity's background work, run by Celery; the work itself is in services."""

from celery import shared_task


@shared_task(name="identity.purge_axes_logs")
def purge_axes_logs() -> dict[str, int]:
    """Run by beat, daily: delete sign-in records older than AXES_LOG_RETENTION_DAYS."""
    from .services.retention import axes_logs_purge

    return axes_logs_purge()


@shared_task(name="identity.keep_eid_signing_key")
def keep_eid_signing_key() -> str:
    """Run by beat, hourly: make sure an e-ID signing key exists and rotate it when due.

    Without it the first key would appear only when the first resident opened their e-ID
    page, so a partner fetching the JWKS of a fresh deployment would find none, and a
    rotation would wait for the next token. Returns the current key's kid.
    """
    from .services.eid import current_signing_key

    return current_signing_key().kid


@shared_task(name="identity.expire_face_checks")
def expire_face_checks() -> int:
    """Run by beat, every few minutes: pending face checks past FACE_CHECK_PENDING_TTL_MINUTES expire."""
    from .services.facecheck import face_checks_expire

    return face_checks_expire()


@shared_task(name="identity.poll_face_checks")
def poll_face_checks() -> int:
    """Run by beat, every two minutes: ask providers about pending face checks whose callback has not come."""
    from .services.facecheck import face_checks_poll

    return face_checks_poll()


@shared_task(name="identity.lower_expired_assurance")
def lower_expired_assurance() -> int:
    """Run by beat, hourly: a raised assurance (L3 after a face check) past its expiry goes back to L2."""
    from .services.facecheck import assurance_lower_expired

    return assurance_lower_expired()
