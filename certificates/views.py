"""Pages: the wallet (我的证照), a certificate with its QR code, shares and use log,
the recipient's annotated copy (加注件), and the public verification page."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from common.exceptions import ApplicationError

from .documents import annotated_copy_pdf, qr_svg, render_pdf
from .forms import ShareForm
from .selectors import (
    certificate_shares,
    certificate_uses,
    materials_spared,
    partners_for_sharing,
    wallet_certificate,
    wallet_certificates,
)
from .services import certificate_set_public_fields, queue_pdf, share_create, share_open, share_withdraw
from .verification import verify_token


def _mine(request, uuid):
    certificate = wallet_certificate(user=request.user, uuid=uuid)
    if certificate is None:
        raise Http404
    return certificate


def _verification_url(request, certificate) -> str:
    return request.build_absolute_uri(reverse("certificates:verify", args=[certificate.token]))


@login_required
@never_cache
@require_safe
def wallet(request: HttpRequest) -> HttpResponse:
    certificates = list(wallet_certificates(user=request.user))
    return render(
        request,
        "certificates/wallet.html",
        {"certificates": certificates, "spared": materials_spared(user=request.user)},
    )


@login_required
@never_cache
@require_safe
def detail(request: HttpRequest, uuid) -> HttpResponse:
    certificate = _mine(request, uuid)
    url = _verification_url(request, certificate)
    return render(
        request,
        "certificates/detail.html",
        {
            "certificate": certificate,
            "rows": [
                {
                    "key": spec["key"],
                    "label": spec.get("label", spec["key"]),
                    "value": certificate.fields.get(spec["key"], ""),
                    "public": spec["key"] in certificate.public_fields,
                }
                for spec in certificate.type.fields
            ],
            "verification_url": url,
            "qr": qr_svg(url),
            "shares": list(certificate_shares(certificate=certificate)),
            "uses": list(certificate_uses(certificate=certificate)[:50]),
            "share_form": ShareForm(partners=partners_for_sharing()),
        },
    )


@login_required
@never_cache
@require_safe
def pdf(request: HttpRequest, uuid) -> HttpResponse:
    """The cached signed PDF; if the Celery task has not cached it yet, rendered now (and queued
    for caching: a GET stores nothing)."""
    certificate = _mine(request, uuid)
    content = certificate.pdf.open("rb") if certificate.pdf else io.BytesIO(render_pdf(certificate))
    if not certificate.pdf:
        queue_pdf(certificate.pk)
    return FileResponse(
        content, as_attachment=True, filename=f"{certificate.number}.pdf", content_type="application/pdf"
    )


@login_required
@require_POST
def share(request: HttpRequest, uuid) -> HttpResponse:
    certificate = _mine(request, uuid)
    form = ShareForm(request.POST, partners=partners_for_sharing())
    if form.is_valid():
        start, end = form.window()
        try:
            share_create(
                certificate=certificate,
                actor=request.user,
                **form.recipient_values(),
                purpose=form.cleaned_data["purpose"],
                valid_from=start,
                valid_until=end,
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("已授权。请把授权链接发给接收方。"))
    else:
        messages.error(request, _("请填写接收方、用途和授权天数。"))
    return redirect("certificates:detail", uuid=certificate.uuid)


@login_required
@require_POST
def public_fields(request: HttpRequest, uuid) -> HttpResponse:
    certificate = _mine(request, uuid)
    certificate_set_public_fields(certificate=certificate, keys=request.POST.getlist("public")[:50])
    messages.success(request, _("已更新核验页公开的信息。"))
    return redirect("certificates:detail", uuid=certificate.uuid)


@login_required
@require_POST
def withdraw(request: HttpRequest, uuid, share_id: int) -> HttpResponse:
    certificate = _mine(request, uuid)
    found = certificate.shares.filter(pk=share_id).first()
    if found is None:
        raise Http404
    share_withdraw(share_id=found.pk, actor=request.user)
    messages.success(request, _("已撤回授权，接收方将无法再查看。"))
    return redirect("certificates:detail", uuid=certificate.uuid)


@never_cache
@require_safe
def shared(request: HttpRequest, token: str) -> HttpResponse:
    """The recipient's view of a share: the annotated copy, while consent lasts."""
    try:
        opened = share_open(token=token[:64])
    except ApplicationError as error:
        return render(request, "certificates/share_closed.html", {"message": error.message}, status=error.status)
    if request.GET.get("format") == "pdf":
        return FileResponse(
            io.BytesIO(annotated_copy_pdf(opened)),
            as_attachment=True,
            filename=f"{opened.certificate.number}-加注件.pdf",
            content_type="application/pdf",
        )
    certificate = opened.certificate
    return render(
        request,
        "certificates/shared.html",
        {
            "share": opened,
            "certificate": certificate,
            "rows": [
                {"label": spec.get("label", spec["key"]), "value": certificate.fields.get(spec["key"], "")}
                for spec in certificate.type.fields
            ],
        },
    )


@never_cache
@require_safe
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """The public page a QR code opens: valid, expired, revoked or forged, and the public fields only."""
    result = verify_token(token)
    return render(request, "certificates/verify.html", {"result": result})
