"""Signal receivers, connected in ``IdentityConfig.ready()``."""

import time

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver

from identity.models import User

from . import tasks  # noqa: F401  (registers the OAuth2 beat task with Celery)
from .services import oauth_tokens_revoke_for_user


@receiver(post_save, sender=User, dispatch_uid="identity.oauth.revoke_tokens_of_disabled_user")
def revoke_tokens_of_disabled_user(sender, instance: User, update_fields=None, **kwargs) -> None:
    """A disabled account keeps no OAuth2 access: its tokens go the moment it is saved inactive.

    Runs on every save of an inactive user, not only on the change, so no
    token survives however the flag was set; it costs a few indexed deletes.
    ``QuerySet.update(is_active=False)`` sends no signal: call
    ``oauth_tokens_revoke_for_user`` after such a bulk update.
    """
    if update_fields is not None and "is_active" not in update_fields:
        return
    if not instance.is_active:
        oauth_tokens_revoke_for_user(user=instance)


@receiver(user_logged_in, dispatch_uid="identity.oauth.record_auth_time")
def record_auth_time(sender, request, user, **kwargs) -> None:
    """Note when this session signed in: the authorization endpoint honours a partner's ``max_age`` with it."""
    from .views import AUTH_TIME_SESSION_KEY

    if request is not None and hasattr(request, "session"):
        request.session[AUTH_TIME_SESSION_KEY] = int(time.time())
