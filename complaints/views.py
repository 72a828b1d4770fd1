"""The resident's rating form (posted from the case page) and the public figures page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from applications.services_resident import application_open_for_resident
from common.exceptions import ApplicationError
from common.views import page_not_found

from . import selectors, services
from .constants import Stage
from .forms import EvaluationForm


@login_required
@require_POST
def evaluation_rate(request: HttpRequest, case_number: str) -> HttpResponse:
    application = application_open_for_resident(user=request.user, case_number=case_number)
    if application is None:
        # Returned, not raised: ATOMIC_REQUESTS would roll back the logged access attempt.
        return page_not_found(request)
    case_url = redirect("applications:case", case_number=case_number)
    stage = request.POST.get("stage", "")
    if stage not in Stage.values:
        return page_not_found(request)
    form = EvaluationForm(request.POST, prefix=stage)
    if not form.is_valid():
        messages.error(request, _("请选择评价等级，意见建议不超过500字。"))
        return case_url
    data = form.cleaned_data
    existing = selectors.evaluations_for_case(application=application).get(stage)
    try:
        if existing is None:
            services.evaluation_submit(
                application=application,
                rater=request.user,
                stage=stage,
                level=data["level"],
                tags=data["tags"],
                comment=data["comment"],
            )
        else:
            services.evaluation_update(
                evaluation_id=existing.pk,
                rater=request.user,
                level=data["level"],
                tags=data["tags"],
                comment=data["comment"],
            )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return case_url
    messages.success(request, _("感谢您的评价！"))
    return case_url


@require_safe
def evaluation_figures(request: HttpRequest) -> HttpResponse:
    return render(request, "complaints/figures.html", {"departments": selectors.figures_table()})
