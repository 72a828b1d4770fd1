"""Private file storage for uploads: never under a public URL.

Files live under ``PRIVATE_MEDIA_ROOT`` (or in the S3-compatible bucket named
by the deployment) and are served only by permission-checked views that answer
with ``Content-Disposition: attachment`` and ``nosniff``.
"""

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import LazyObject


class PrivateStorage(LazyObject):
    def _setup(self):
        self._wrapped = FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


private_storage = PrivateStorage()


def get_private_storage():
    """For ``FileField(storage=...)``: a callable, so migrations record a
    reference instead of a settings-dependent path."""
    return private_storage
