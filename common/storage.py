"""Private file storage for uploads and generated PDFs: never under a public URL.

``FILE_STORAGE`` chooses where files live, the same for every web node and worker:

* ``local`` (default): under ``PRIVATE_MEDIA_ROOT`` on the local disk (with several
  nodes, a shared mount such as NFS);
* ``s3``: an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, ...) through
  django-storages, configured by ``S3_BUCKET``, ``S3_ENDPOINT_URL``,
  ``S3_ACCESS_KEY_ID``, ``S3_SECRET_ACCESS_KEY`` and ``S3_REGION`` (see
  docs/deployment.md). Objects are written with the ``private`` ACL under the
  ``private/`` prefix; the bucket itself must not allow anonymous reads.

Either way files are served only by permission-checked views that read them
through this storage and answer with ``Content-Disposition: attachment`` and
``nosniff``; no URL of the storage itself is ever handed out.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage
from django.utils.functional import LazyObject


def s3_options(*, location: str) -> dict:
    """Options of an ``storages.backends.s3.S3Storage`` for a private prefix of the bucket."""
    if not settings.S3_BUCKET:
        raise ImproperlyConfigured("FILE_STORAGE=s3 needs S3_BUCKET (and S3_ENDPOINT_URL for MinIO).")
    return {
        "bucket_name": settings.S3_BUCKET,
        "endpoint_url": settings.S3_ENDPOINT_URL or None,
        "access_key": settings.S3_ACCESS_KEY_ID or None,
        "secret_key": settings.S3_SECRET_ACCESS_KEY or None,
        "region_name": settings.S3_REGION or None,
        "location": location,
        # Private objects: no public ACL, and a URL (never handed out) would need a signature.
        "default_acl": "private",
        "querystring_auth": True,
        "querystring_expire": 300,
        # Two uploads with the same name must not replace each other.
        "file_overwrite": False,
        # MinIO and most self-hosted servers address buckets by path, not by host name.
        "addressing_style": settings.S3_ADDRESSING_STYLE,
        "signature_version": "s3v4",
    }


def build_private_storage():
    if settings.FILE_STORAGE == "s3":
        from storages.backends.s3 import S3Storage

        return S3Storage(**s3_options(location="private"))
    if settings.FILE_STORAGE != "local":
        raise ImproperlyConfigured(f"FILE_STORAGE must be 'local' or 's3', not {settings.FILE_STORAGE!r}.")
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


class PrivateStorage(LazyObject):
    def _setup(self):
        self._wrapped = build_private_storage()


private_storage = PrivateStorage()


def get_private_storage():
    """For ``FileField(storage=...)``: a callable, so migrations record a
    reference instead of a settings-dependent path."""
    return private_storage
