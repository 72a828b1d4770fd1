"""Signal receivers, connected in ``IdentityConfig.ready()``."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from identity.models import User

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
