"""The partner space (合作方空间): apply, follow the decision, manage clients.

Thin views: the rules are in :mod:`partners.services`; who may see which partner
is :func:`partners.selectors.partners_for_user`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from common.exceptions import ApplicationError

from . import selectors, services
from .forms import PartnerApplyForm


def _attach_error(form, error: ApplicationError) -> None:
    field = error.extra.get("field")
    form.add_error(field if field in form.fields else None, str(error.message))


def partner_for_request(request: HttpRequest, pk: int):
    """The partner ``pk`` if the signed-in user may manage it, else 404 (never 403: no probing)."""
    return get_object_or_404(selectors.partners_for_user(user=request.user), pk=pk)


@login_required
@require_GET
def partner_home(request: HttpRequest) -> HttpResponse:
    """合作方接入: the partners I manage, and whether I can apply for another enterprise."""
    return render(
        request,
        "partners/home.html",
        {
            "partners": selectors.partners_for_user(user=request.user),
            "may_apply": selectors.enterprises_that_may_apply(user=request.user).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def partner_apply(request: HttpRequest) -> HttpResponse:
    enterprises = list(selectors.enterprises_that_may_apply(user=request.user))
    form = PartnerApplyForm(request.POST or None, enterprises=enterprises)
    if request.method == "POST" and form.is_valid():
        enterprise = next(item for item in enterprises if item.pk == form.cleaned_data["enterprise"])
        try:
            partner = services.partner_apply(
                enterprise=enterprise,
                applicant=request.user,
                purpose=form.cleaned_data["purpose"],
                scopes=form.cleaned_data["scopes"],
                contact_name=form.cleaned_data["contact_name"],
                contact_mobile=form.cleaned_data["contact_mobile"],
                contact_email=form.cleaned_data["contact_email"],
            )
        except ApplicationError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("申请已提交。审核期间您可以先创建测试环境应用，对接沙箱服务与测试人员。"))
            return redirect("partners:detail", pk=partner.pk)
    return render(
        request,
        "partners/apply.html",
        {"form": form, "enterprises": enterprises},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partner = partner_for_request(request, pk)
    return render(
        request,
        "partners/detail.html",
        {
            "partner": partner,
            "clients": selectors.partner_clients(partner=partner),
            "events": selectors.partner_events(partner=partner, limit=20),
        },
    )
