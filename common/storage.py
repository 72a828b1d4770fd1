"""Private file storage for uploads: never under a public URL.

Files live under ``PRIVATE_MEDIA_ROOT`` (or in the S3-compatible bucket named
by the deployment) and are served only by permission-checked views that answer
with ``Content-Disposition: attachment`` and ``nosniff``.
"""

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import cached_property


class PrivateStorage(FileSystemStorage):
    """``FileSystemStorage`` rooted at ``PRIVATE_MEDIA_ROOT``, with no URL.

    The location is read from settings when first used, and migrations record
    only ``common.storage.PrivateStorage()``: the machine's path never ends up
    in a migration, so every checkout and the test settings agree.
    """

    def __init__(self):
        super().__init__(location=None, base_url=None)

    @cached_property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)


private_storage = PrivateStorage()
