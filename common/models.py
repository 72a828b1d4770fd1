import functools

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.choices import CallableChoiceIterator
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _

from .crypto import EncryptedTextField


@functools.cache
def _fixed_choice_labels(field) -> dict:
    return dict(field.flatchoices)


def _choice_labels(field) -> dict:
    if isinstance(field.choices, CallableChoiceIterator):  # choices computed per call stay so
        return dict(field.flatchoices)
    return _fixed_choice_labels(field)


class ChoiceLabelsMixin:
    """``get_<field>_display()`` from a dict of the field's choices built once per process.

    Django's own builds that dict on every call, hashing each lazily translated label (one
    translation lookup per choice): ten rows showing two such fields cost a tenth of a page's
    render time. The labels stay lazy here, so each call still answers in the active language.
    """

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        try:
            label = _choice_labels(field).get(value, value)
        except TypeError:  # an unhashable value (a list in a JSON field): Django's own way
            return super()._get_FIELD_display(field)
        return force_str(label, strings_only=True)


class TimeStampedModel(ChoiceLabelsMixin, models.Model):
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


class IdempotencyKey(models.Model):
    """One ``Idempotency-Key`` a caller sent with a POST to the partner API (common/idempotency.py).

    Scoped to the caller: the OAuth2 client (``client``, its ``client_id``; empty for a session) and the
    user (none for a client-credentials token), so two partners never see each other's answers. Holds the
    request's fingerprint and, once the request finished, the answer given, replayed to a retry.
    """

    client = models.CharField(max_length=255, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=128)
    fingerprint = models.CharField(max_length=64)
    in_flight = models.BooleanField(default=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_content_type = models.CharField(max_length=100, blank=True)
    # The rendered answer; it may carry personal data (an e-ID's released fields), so encrypted.
    response_body = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = (
            models.UniqueConstraint(
                fields=["client", "user", "key"], name="common_idempotency_key_unique", nulls_distinct=False
            ),
        )

    def __str__(self) -> str:
        return self.key
