"""Certificate documents: the PDF (WeasyPrint, embedded CJK font, QR code, signed
content attached, PDF signature by pyhanko) and the annotated copy (加注件).

The PDF carries:

- the certificate rendered from its type's HTML template, in Noto Sans/Serif
  CJK (Debian ``fonts-noto-cjk``), which WeasyPrint subsets and embeds;
- a QR code (segno) of the public verification URL with the signed token;
- ``certificate.json``, an embedded file holding the signed payload, its
  ``kid`` and detached Ed25519 signature, so the content verifies offline;
- a PDF signature (pyhanko, PAdES baseline) by the document-signing
  certificate. SANDBOX: that certificate is self-signed
  (:func:`document_credential`), standing in for one issued by a government CA.

Rendering is done once per certificate, in Celery, and the file is cached on
the certificate; rendering again produces the same signed content.
"""

import asyncio
import datetime
import hashlib
import io
import json
from concurrent.futures import ThreadPoolExecutor

import segno
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template import Context, Template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Certificate, DocumentSigningCredential, Share
from .signing import certificate_payload

ATTACHMENT_NAME = "certificate.json"
CREDENTIAL_LABEL = "sandbox-document-signer"
FIXED_METADATA_DATE = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def verification_url(certificate: Certificate) -> str:
    base = settings.CERTIFICATES_PUBLIC_BASE_URL.rstrip("/")
    return base + reverse("certificates:verify", args=[certificate.token])


def qr_svg(data: str, *, scale: int = 4) -> str:
    buffer = io.BytesIO()
    segno.make(data, error="m", micro=False).save(buffer, kind="svg", scale=scale, xmldecl=False, svgns=True)
    return buffer.getvalue().decode("utf-8")


def qr_png_data_uri(data: str, *, scale: int = 6) -> str:
    """The QR code as a PNG data URI: printed as an image in the PDF, so scanners (and tests) read it."""
    return segno.make(data, error="m", micro=False).png_data_uri(scale=scale, border=2)


def signed_content(certificate: Certificate) -> bytes:
    document = {"payload": certificate_payload(certificate), "kid": certificate.kid, "signature": certificate.signature}
    return json.dumps(document, sort_keys=True, ensure_ascii=False, indent=1).encode("utf-8")


# --- The sandbox document-signing credential --------------------------------------------------


def document_credential() -> DocumentSigningCredential:
    """The PDF-signing certificate and key; generated (self-signed, SANDBOX CA) on first use."""
    found = DocumentSigningCredential.objects.filter(label=CREDENTIAL_LABEL).first()
    if found is not None:
        return found
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "通办 电子证照（沙箱 SANDBOX）"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Tongban e-certificate document signer (SANDBOX)"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    try:
        with transaction.atomic():
            return DocumentSigningCredential.objects.create(
                label=CREDENTIAL_LABEL,
                certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
                private_key_pem=key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                ).decode("ascii"),
            )
    except IntegrityError:
        return DocumentSigningCredential.objects.get(label=CREDENTIAL_LABEL)


def _asn1_certificate(credential: DocumentSigningCredential) -> asn1_x509.Certificate:
    der = x509.load_pem_x509_certificate(credential.certificate_pem.encode()).public_bytes(serialization.Encoding.DER)
    return asn1_x509.Certificate.load(der)


def _outside_any_event_loop(function, /, *args, **kwargs):
    """Call pyHanko's synchronous API, which wraps ``asyncio.run``: in a thread of its own
    when this thread already runs an event loop (an ASGI server, a test driving a browser),
    where ``asyncio.run`` would refuse to start."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def _sign_pdf(pdf: bytes) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    credential = document_credential()
    certificate = _asn1_certificate(credential)
    key = serialization.load_pem_private_key(credential.private_key_pem.encode(), password=None)
    key_der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    signer = signers.SimpleSigner(
        signing_cert=certificate,
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([certificate]),
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(field_name="CertificateSignature", reason="电子证照签章", name="通办")
    output = _outside_any_event_loop(signers.sign_pdf, writer, meta, signer=signer)
    return output.getvalue()


def pdf_signature_intact(pdf: bytes) -> bool | None:
    """Whether the PDF's signature by our document signer covers the whole, untouched file.
    None when the file carries no signature."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    if not reader.embedded_signatures:
        return None
    context = ValidationContext(trust_roots=[_asn1_certificate(document_credential())])
    signature = reader.embedded_signatures[-1]
    status = _outside_any_event_loop(validate_pdf_signature, signature, context)
    return bool(status.intact and status.valid and status.trusted and status.coverage.name == "ENTIRE_FILE")


# --- Rendering ----------------------------------------------------------------------------------


def _labels(certificate: Certificate) -> list[dict]:
    return [
        {"label": spec.get("label", spec["key"]), "value": certificate.fields.get(spec["key"], "")}
        for spec in certificate.type.fields
    ]


def _html(certificate: Certificate, *, stamp: dict | None = None) -> str:
    context = {
        "certificate": certificate,
        "rows": _labels(certificate),
        "qr_png": qr_png_data_uri(verification_url(certificate)),
        "verification_url": verification_url(certificate),
        "stamp": stamp,
    }
    if certificate.type.template_html:
        body = Template(certificate.type.template_html).render(Context(context))
        css = certificate.type.template_css
        return render_to_string("certificates/pdf/custom.html", {**context, "body": body, "css": css})
    return render_to_string("certificates/pdf/certificate.html", context)


def render_pdf(certificate: Certificate, *, stamp: dict | None = None) -> bytes:
    from weasyprint import HTML, Attachment

    html = HTML(string=_html(certificate, stamp=stamp), base_url=str(settings.BASE_DIR))
    document = html.render()
    document.metadata.title = f"{certificate.type.name} {certificate.number}"
    document.metadata.authors = [certificate.department_name]
    document.metadata.created = FIXED_METADATA_DATE.isoformat()
    document.metadata.modified = FIXED_METADATA_DATE.isoformat()
    pdf = document.write_pdf(
        attachments=[Attachment(string=signed_content(certificate).decode("utf-8"), name=ATTACHMENT_NAME)],
    )
    return _sign_pdf(pdf)


def certificate_pdf(*, certificate_id: int, force: bool = False) -> Certificate:
    """The certificate with its signed PDF, rendered once and cached on the row."""
    certificate = Certificate.objects.select_related("type").get(pk=certificate_id)
    if certificate.pdf and not force:
        return certificate
    pdf = render_pdf(certificate)
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate_id)
        if locked.pdf and not force:
            return locked
        locked.pdf.save(f"{locked.uuid}.pdf", ContentFile(pdf), save=False)
        locked.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        locked.save(update_fields=["pdf", "pdf_sha256"])
    locked.type = certificate.type
    return locked


def annotated_copy_data(share: Share) -> dict:
    """The annotated copy as data (for a partner's system): every field, and the stamp."""
    certificate = share.certificate
    return {
        "number": certificate.number,
        "type": certificate.type.code,
        "type_name": certificate.type.name,
        "holder": certificate.holder_name,
        "issuer": certificate.department_name,
        "issued_on": certificate.issued_on.isoformat(),
        "valid_until": certificate.valid_until.isoformat() if certificate.valid_until else None,
        "status": certificate.state(),
        "fields": [
            {"key": row["key"], "label": row["label"], "value": row["value"]} for row in _keyed_rows(certificate)
        ],
        "annotation": _stamp(share),
        "token": certificate.token,
    }


def _keyed_rows(certificate: Certificate) -> list[dict]:
    return [
        {"key": spec["key"], "label": spec.get("label", spec["key"]), "value": certificate.fields.get(spec["key"], "")}
        for spec in certificate.type.fields
    ]


def annotated_copy_pdf(share: Share) -> bytes:
    """The annotated copy (加注件): the certificate stamped with purpose, recipient and time."""
    return render_pdf(share.certificate, stamp=_stamp(share))


def _stamp(share: Share) -> dict:
    now = timezone.localtime()
    return {
        "purpose": share.purpose,
        "recipient": share.recipient,
        "at": now.strftime("%Y-%m-%d %H:%M"),
        "until": timezone.localtime(share.valid_until).strftime("%Y-%m-%d %H:%M"),
        "text": _("仅供%(recipient)s用于%(purpose)s，%(at)s 提供，%(until)s 前有效，他用无效。")
        % {
            "recipient": share.recipient,
            "purpose": share.purpose,
            "at": now.strftime("%Y-%m-%d %H:%M"),
            "until": timezone.localtime(share.valid_until).strftime("%Y-%m-%d %H:%M"),
        },
    }


# --- Reading an uploaded PDF -------------------------------------------------------------------


class NotACertificatePdf(Exception):
    pass


def read_signed_content(pdf: bytes) -> dict:
    """The ``certificate.json`` a certificate PDF carries; raises :class:`NotACertificatePdf`."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(pdf))
        attachments = reader.attachments
        content = attachments.get(ATTACHMENT_NAME)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, AttributeError, IndexError, RecursionError) as exc:
        # Whatever a malformed file makes the parser raise is bad input, never a 500.
        raise NotACertificatePdf(str(exc)) from exc
    if not content:
        raise NotACertificatePdf("no certificate.json")
    try:
        document = json.loads(content[-1].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotACertificatePdf(str(exc)) from exc
    if not isinstance(document, dict):
        raise NotACertificatePdf("certificate.json is not an object")
    return document
