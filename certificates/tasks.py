"""Celery tasks: thin wrappers around the document service."""

from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def certificate_render_pdf(certificate_id: int) -> str:
    """Render and sign the certificate's PDF once; later calls return the cached file."""
    from .documents import certificate_pdf
    from .models import Certificate

    if not Certificate.objects.filter(pk=certificate_id).exists():
        return ""  # issued in a transaction that was rolled back
    return certificate_pdf(certificate_id=certificate_id).pdf.name
