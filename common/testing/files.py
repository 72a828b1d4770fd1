"""Files for tests: one small valid PDF (bytes, an upload, a file on disk) and a
private media root a test may point storage at.

The PDF is made with pypdf, so it passes ``check_upload`` (a parsed document,
not a ``%PDF`` prefix). Nothing here imports a domain app.
"""

import io
from contextlib import contextmanager
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.functional import empty
from pypdf import PdfWriter


def pdf_bytes(*, pages: int = 1) -> bytes:
    """A minimal valid PDF of ``pages`` blank A4 pages."""
    writer = PdfWriter()
    for _page in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_upload(name: str = "材料.pdf", *, pages: int = 1) -> SimpleUploadedFile:
    """The PDF as a form upload named ``name``."""
    return SimpleUploadedFile(name, pdf_bytes(pages=pages), content_type="application/pdf")


def pdf_file(path, *, pages: int = 1) -> str:
    """The PDF written to ``path`` (for a browser's file chooser); returns the path as a string."""
    Path(path).write_bytes(pdf_bytes(pages=pages))
    return str(path)


@contextmanager
def private_media_root(settings, path):
    """Point private storage at ``path`` (a test's own folder) for the duration.

    The storage is set up lazily, once: it is reset so it reads the setting again."""
    from common.storage import private_storage

    settings.PRIVATE_MEDIA_ROOT = path
    private_storage._wrapped = empty
    try:
        yield path
    finally:
        private_storage._wrapped = empty
