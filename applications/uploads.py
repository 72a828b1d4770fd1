"""Checking uploaded materials before anything is stored.

* the type comes from the content (libmagic), never from the name or the
  browser's Content-Type: PDF, PNG and JPEG only;
* a size limit (``UPLOAD_MAX_BYTES``);
* archives and anything carrying markup (HTML, SVG, script — polyglots) are refused;
* images are decoded and re-encoded, which drops metadata and trailing bytes;
* PDFs must parse, have pages and carry no JavaScript, launch or automatic
  actions, embedded files or forms that submit: decided by walking every object of
  the parsed document (names decoded, object streams resolved), never the bytes;
* the resident's file name is checked and kept as data only; storage names are generated.

:func:`check_upload` raises :class:`~common.exceptions.ApplicationError` with a
message for the resident, or returns the bytes to store.
"""

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass

import magic
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from common.exceptions import ApplicationError

ALLOWED_TYPES = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
# Markup that a browser would render if the file were ever served inline.
_MARKUP = re.compile(rb"<\s*(html|script|svg|iframe|body|!doctype|\?xml)", re.IGNORECASE)
# Decided on the parsed document (names decoded, object streams resolved), never on bytes.
_PDF_ACTIVE_KEYS = frozenset(
    {"/JavaScript", "/JS", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia", "/XFA", "/OpenAction", "/AA"}
)
_PDF_ACTIVE_ACTIONS = frozenset(
    {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToE", "/GoToR", "/RichMediaExecute", "/Rendition"}
)
# A document with more objects than this is refused rather than walked.
_PDF_MAX_OBJECTS = 200_000
_ARCHIVE_MAGIC = (b"PK\x03\x04", b"Rar!", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b", b"BZh")


@dataclass(frozen=True)
class CheckedUpload:
    content: bytes
    content_type: str
    original_name: str
    sha256: str


def _refuse(message, code: str) -> ApplicationError:
    return ApplicationError(message, code=code, status=400)


def clean_filename(name: str) -> str:
    """The resident's file name, refused if it tries to be a path or hide something."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if (
        not name
        or len(name) > 150
        or "/" in name
        or "\\" in name
        or ".." in name
        or name.startswith(".")
        or any(unicodedata.category(char).startswith("C") for char in name)
    ):
        raise _refuse(_("文件名无效，请改用普通的文件名后重新上传。"), "bad_filename")
    return name


def check_upload(uploaded) -> CheckedUpload:
    """Validate an uploaded file completely, in memory, before anything is written."""
    name = clean_filename(getattr(uploaded, "name", ""))
    if uploaded.size > settings.UPLOAD_MAX_BYTES:
        raise _refuse(
            _("文件过大：单个文件不能超过%(mb)d MB。") % {"mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}, "too_large"
        )
    content = uploaded.read(settings.UPLOAD_MAX_BYTES + 1)
    if len(content) > settings.UPLOAD_MAX_BYTES:
        raise _refuse(_("文件过大。"), "too_large")
    if not content:
        raise _refuse(_("文件是空的。"), "empty")
    if content.startswith(_ARCHIVE_MAGIC):
        raise _refuse(_("不接受压缩包，请分别上传PDF或图片文件。"), "archive")
    detected = magic.from_buffer(content[:8192], mime=True)
    if detected not in ALLOWED_TYPES:
        raise _refuse(_("只接受PDF、PNG或JPEG文件（按文件内容识别，与扩展名无关）。"), "type_not_allowed")
    if _MARKUP.search(content):
        raise _refuse(_("文件中含有网页代码，已拒绝。请重新导出后上传。"), "polyglot")

    content = _check_pdf(content) if detected == "application/pdf" else _reencode_image(content, detected)
    return CheckedUpload(
        content=content, content_type=detected, original_name=name, sha256=hashlib.sha256(content).hexdigest()
    )


def _check_pdf(content: bytes) -> bytes:
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted or len(reader.pages) == 0:
            raise _refuse(_("PDF无法读取（加密或没有页面）。"), "bad_pdf")
        active = _pdf_has_active_content(reader)
    except ApplicationError:
        raise
    except Exception:  # pypdf raises many kinds of errors on hostile input; all mean "unreadable"
        raise _refuse(_("PDF文件已损坏，无法读取。"), "bad_pdf") from None
    if active:
        raise _refuse(_("PDF中含有脚本或自动执行内容，已拒绝。"), "pdf_active_content")
    return content


def _pdf_has_active_content(reader: PdfReader) -> bool:
    """Walk every object reachable from the trailer, and every object the
    cross-reference tables list (object streams included), looking for active
    keys (``/JS``, ``/OpenAction``, ``/AA``...) and dangerous action types."""
    stack: list = [reader.trailer]
    for generation, numbers in reader.xref.items():
        stack.extend(IndirectObject(number, generation, reader) for number in numbers)
    stack.extend(IndirectObject(number, 0, reader) for number in reader.xref_objStm)
    seen: set[tuple[int, int]] = set()
    visited = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        visited += 1
        if visited > _PDF_MAX_OBJECTS:
            raise _refuse(_("PDF结构过于复杂，无法检查。"), "bad_pdf")
        if isinstance(item, DictionaryObject):  # streams too: their dictionary is walked
            for name, value in dict.items(item):
                if name in _PDF_ACTIVE_KEYS:
                    return True
                if name == "/S" and value in _PDF_ACTIVE_ACTIONS:
                    return True
                stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(list.__iter__(item))
    return False


def _reencode_image(content: bytes, content_type: str) -> bytes:
    limit = settings.UPLOAD_MAX_IMAGE_PIXELS
    too_large = _refuse(_("图片尺寸过大：最多%(mp)d百万像素。") % {"mp": limit // 1_000_000}, "image_too_large")
    try:
        # Pillow reads only the header here; its own bomb check raises for huge images.
        with Image.open(io.BytesIO(content)) as image:
            if image.width * image.height > limit:
                raise too_large
            image.verify()
        with Image.open(io.BytesIO(content)) as image:
            out = io.BytesIO()
            if content_type == "image/png":
                image.save(out, format="PNG", optimize=True)
            else:
                image.convert("RGB").save(out, format="JPEG", quality=90)
    except Image.DecompressionBombError:
        raise too_large from None
    except ApplicationError:
        raise
    except Exception:
        # Pillow's decoders raise more than their documented errors on a malformed file: the
        # fuzz test found an IndexError from a PNG chunk with no type (PngStream.crc). Whatever
        # they raise, the file is a damaged image, not a server error.
        raise _refuse(_("图片文件已损坏，无法读取。"), "bad_image") from None
    return out.getvalue()


def save_with_file(instance, content: bytes) -> None:
    """Write ``content`` to ``instance.file`` under a generated name, then save the
    row; if the row cannot be saved the file is removed, so nothing half-written stays."""
    instance.file.save("upload", ContentFile(content), save=False)
    try:
        instance.save()
    except Exception:
        instance.file.delete(save=False)
        raise
