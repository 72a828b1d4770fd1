"""Celery tasks of the OAuth2 provider, registered through identity/oauth/receivers.py (imported in ``ready()``)."""

from celery import shared_task


@shared_task(name="identity.purge_used_authorization_codes")
def purge_used_authorization_codes() -> int:
    """Run by beat, daily: forget used authorization codes nothing alive was issued from,
    and used ``private_key_jwt`` assertions that have expired."""
    from .clients import used_client_assertions_purge
    from .services import used_authorization_codes_purge

    return used_authorization_codes_purge() + used_client_assertions_purge()
