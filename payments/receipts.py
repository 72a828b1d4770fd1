"""Electronic receipts (电子票据) as PDF: an embedded CJK font, the receipt number and a QR code
that opens the public check page with a keyed check code (so a receipt number alone verifies nothing)."""

from django.core import signing
from django.template.loader import render_to_string
from django.urls import reverse

_SALT = "payments.receipt"


def check_code(number: str) -> str:
    return signing.Signer(salt=_SALT).signature(number)[:16]


def check_url(receipt, *, base_url: str) -> str:
    path = reverse("payments-receipts:check", args=[receipt.number])
    return f"{base_url.rstrip('/')}{path}?c={check_code(receipt.number)}"


def code_is_valid(number: str, code: str) -> bool:
    import hmac

    return hmac.compare_digest(check_code(number), code or "")


def receipt_pdf(order, *, base_url: str) -> bytes:
    import segno
    from weasyprint import HTML

    receipt = order.receipt
    url = check_url(receipt, base_url=base_url)
    qr = segno.make(url, error="m").svg_data_uri(scale=3)
    html = render_to_string(
        "payments/receipt_pdf.html", {"order": order, "receipt": receipt, "qr": qr, "check_url": url}
    )
    return HTML(string=html, base_url=base_url).write_pdf()
