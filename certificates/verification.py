"""Verifying a certificate: from its QR token, or from the signed content a PDF carries.

The answer is one :class:`~certificates.constants.Outcome`, checked in this
order: unknown certificate, unknown key, a signature that does not cover the
content (``tampered`` when the content differs from what was issued,
``forged`` when the signature itself is not ours), then the status (revoked,
superseded, expired) and finally ``valid``. Only the fields the holder made
public are returned.
"""

from dataclasses import dataclass, field

from .constants import Outcome
from .models import Certificate
from .signing import UnknownKey, certificate_payload, signature_valid

TOKEN_MAX_LENGTH = 300


@dataclass
class Verification:
    outcome: str
    certificate: Certificate | None = None
    public: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return str(Outcome(self.outcome).label)

    def as_dict(self) -> dict:
        return {"outcome": self.outcome, "message": self.label, **({"certificate": self.public} if self.public else {})}


def public_view(certificate: Certificate) -> dict:
    """What anyone verifying may see: type, number, issuer, dates, status and the public fields only."""
    labels = {spec["key"]: spec.get("label", spec["key"]) for spec in certificate.type.fields}
    return {
        "number": certificate.number,
        "type": certificate.type.code,
        "type_name": certificate.type.name,
        "issuer": certificate.department_name,
        "issued_on": certificate.issued_on.isoformat(),
        "valid_until": certificate.valid_until.isoformat() if certificate.valid_until else None,
        "status": certificate.state(),
        "fields": [
            {"key": key, "label": labels.get(key, key), "value": certificate.fields.get(key, "")}
            for key in certificate.public_fields
            if key in certificate.fields
        ],
    }


def _find(number: str) -> Certificate | None:
    return Certificate.objects.select_related("type", "type__department").filter(number=number).first()


def _status(certificate: Certificate) -> Verification:
    return Verification(outcome=certificate.state(), certificate=certificate, public=public_view(certificate))


def verify_token(token: str) -> Verification:
    """A QR token ``<number>.<kid>.<signature>``."""
    parts = (token or "").strip()[:TOKEN_MAX_LENGTH].split(".")
    if len(parts) != 3 or not all(parts):
        return Verification(outcome=Outcome.FORGED)
    number, kid, signature = parts
    certificate = _find(number)
    if certificate is None:
        return Verification(outcome=Outcome.UNKNOWN)
    try:
        covers = signature_valid(certificate_payload(certificate), kid=kid, signature=signature)
    except UnknownKey:
        return Verification(outcome=Outcome.UNKNOWN_KEY, certificate=certificate)
    if not covers:
        # Our record no longer matches what its own signature covered: someone changed a field.
        if (kid, signature) == (certificate.kid, certificate.signature):
            return Verification(outcome=Outcome.TAMPERED, certificate=certificate)
        return Verification(outcome=Outcome.FORGED, certificate=certificate)
    return _status(certificate)


def verify_signed_content(*, payload: dict, kid: str, signature: str) -> Verification:
    """Content carried by a document (the PDF's embedded ``certificate.json``) with its detached signature."""
    if not isinstance(payload, dict) or not isinstance(kid, str) or not isinstance(signature, str):
        return Verification(outcome=Outcome.FORGED)
    try:
        covers = signature_valid(payload, kid=kid, signature=signature)
    except UnknownKey:
        return Verification(outcome=Outcome.UNKNOWN_KEY)
    if not covers:
        return Verification(outcome=Outcome.TAMPERED)
    certificate = _find(str(payload.get("number", "")))
    if certificate is None:
        return Verification(outcome=Outcome.UNKNOWN)
    if certificate_payload(certificate) != payload:
        return Verification(outcome=Outcome.TAMPERED, certificate=certificate)
    return _status(certificate)
