"""How long identity keeps sign-in records.

django-axes writes a row for every sign-in (``AccessLog``), every failure
(``AccessFailureLog``) and every account or address being counted towards a
lockout (``AccessAttempt``), each with the username typed (often a mobile
number) and the client address. They are kept ``AXES_LOG_RETENTION_DAYS``
(default 180: the Cybersecurity Law, art. 21, asks for at least six months of
network logs), then deleted by the daily ``identity.purge_axes_logs`` task.
"""

from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.db import transaction
from django.utils import timezone


def axes_logs_purge(*, now=None) -> dict[str, int]:
    """Delete axes records older than the retention period; return how many of each."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.AXES_LOG_RETENTION_DAYS)
    deleted = {}
    with transaction.atomic():
        for model in (AccessAttempt, AccessLog, AccessFailureLog):
            count, _per_model = model.objects.filter(attempt_time__lt=cutoff).delete()
            deleted[model.__name__] = count
    return deleted
