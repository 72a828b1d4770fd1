from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .crypto import EncryptedTextField


class TimeStampedModel(models.Model):
    """Abstract base for every domain model: when a row was created and last changed."""

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class SigningKeyBase(models.Model):
    """Abstract base for a rotating signing key, one row per key.

    The newest unretired key signs; rotating sets ``retired_at`` and creates a
    new one; a retired key keeps verifying. Each family adds its public half in
    the form it publishes it, and decides how long a retired key stays in its
    JWKS (certificates: forever; e-ID tokens: until their tokens expired).
    """

    kid = models.CharField(max_length=64, unique=True)
    private_key = EncryptedTextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.kid
