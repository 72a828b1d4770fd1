"""Verification as a recorded use: what the verify API and the hotel check-in call."""

from django.conf import settings
from django.utils.translation import gettext as _

from common.exceptions import ApplicationError

from .constants import Outcome, UseKind
from .documents import NotACertificatePdf, pdf_signature_intact, read_signed_content
from .services import use_record
from .verification import Verification, verify_signed_content, verify_token


def verify_pdf(content: bytes) -> Verification:
    """An uploaded certificate PDF: its PDF signature must cover the untouched file, and the
    content it carries must verify and match what was issued."""
    try:
        document = read_signed_content(content)
    except NotACertificatePdf:
        raise ApplicationError(
            _("上传的文件不是电子证照PDF，或其中没有证照签名信息。"), code="not_a_certificate_pdf"
        ) from None
    result = verify_signed_content(
        payload=document.get("payload"), kid=document.get("kid"), signature=document.get("signature")
    )
    if result.outcome in (Outcome.UNKNOWN_KEY, Outcome.FORGED, Outcome.UNKNOWN):
        return result
    try:
        intact = pdf_signature_intact(content)
    except Exception:  # pyhanko refuses a broken signature structure: the file was altered
        intact = False
    if not intact:
        return Verification(outcome=Outcome.TAMPERED, certificate=result.certificate)
    return result


def certificate_verify(
    *, token: str = "", pdf: bytes | None = None, party: str, purpose: str = "", kind: str = UseKind.VERIFIED
) -> Verification:
    """Verify by token or PDF and, when the certificate is ours, put the check in the holder's use log."""
    if bool(token) == (pdf is not None):
        raise ApplicationError(_("请提供证照二维码内容（token）或证照PDF文件之一。"), code="token_or_file")
    if pdf is not None and len(pdf) > settings.UPLOAD_MAX_BYTES:
        raise ApplicationError(_("文件过大。"), code="too_large", status=413)
    result = verify_token(token) if token else verify_pdf(pdf)
    if result.certificate is not None:
        use_record(certificate=result.certificate, kind=kind, party=party, purpose=purpose, outcome=result.outcome)
    return result
