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
