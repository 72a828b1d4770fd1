"""Private storage (common/storage.py): local disk by default, an S3-compatible
bucket when FILE_STORAGE=s3, never public either way."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from storages.backends.s3 import S3Storage

from common.storage import build_private_storage


def test_local_disk_is_the_default(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    storage = build_private_storage()
    assert isinstance(storage, FileSystemStorage)
    name = storage.save("materials/a.pdf", ContentFile(b"%PDF-1.7"))
    assert (tmp_path / name).read_bytes() == b"%PDF-1.7"


def test_s3_storage_for_minio_is_private_and_signed(settings):
    settings.FILE_STORAGE = "s3"
    settings.S3_BUCKET = "tongban-private"
    settings.S3_ENDPOINT_URL = "http://minio.internal:9000"
    settings.S3_ACCESS_KEY_ID = "tongban"
    settings.S3_SECRET_ACCESS_KEY = "secret-key-for-the-test"
    settings.S3_REGION = "us-east-1"
    storage = build_private_storage()
    assert isinstance(storage, S3Storage)
    assert (storage.bucket_name, storage.endpoint_url) == ("tongban-private", "http://minio.internal:9000")
    assert (storage.default_acl, storage.location, storage.file_overwrite) == ("private", "private", False)
    # A URL, were one ever made, is signed and short-lived; path-style addressing for MinIO.
    url = storage.url("materials/a.pdf")
    assert url.startswith("http://minio.internal:9000/tongban-private/private/materials/a.pdf?")
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url


def test_s3_without_a_bucket_or_an_unknown_backend_is_refused(settings):
    settings.FILE_STORAGE = "s3"
    settings.S3_BUCKET = ""
    with pytest.raises(ImproperlyConfigured, match="S3_BUCKET"):
        build_private_storage()
    settings.FILE_STORAGE = "nfs"
    with pytest.raises(ImproperlyConfigured, match="FILE_STORAGE"):
        build_private_storage()
