"""The resident's pension certification pages (资格认证): my tasks and those of the people I
hold a family proxy for, the certify page (face check with its separate consent, and always
the other ways: home visit, a service hall, a family agent), the face check's result, and
the home-visit request.

Thin views: one selector reads, one service writes, its ``ApplicationError`` is shown.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from common.exceptions import ApplicationError
from common.views import page_not_found
from identity.forms import FaceConsentForm
from identity.security import client_ip

from . import selectors, services
from .constants import CERTIFIABLE_STATUSES, PENSION_CERTIFICATION_SERVICE_CODE, AttemptStatus, CampaignStatus
from .forms import HomeVisitForm
from .models import CertificationAttempt, HomeVisitRequest


def _task_or_none(request: HttpRequest, task_id: int):
    return selectors.task_for_resident(user=request.user, task_id=task_id)


def _may_certify(task) -> bool:
    return task.campaign.status != CampaignStatus.DRAFT and task.status in CERTIFIABLE_STATUSES


def _detail_context(request: HttpRequest, task, **extra) -> dict:
    return {
        "task": task,
        "may_certify": _may_certify(task),
        "consent_form": FaceConsentForm(),
        "halls": selectors.service_halls(region_code=task.beneficiary.region_code or task.campaign.region_code),
        "open_visit": HomeVisitRequest.objects.filter(task=task, status="requested").first(),
        "service_code": PENSION_CERTIFICATION_SERVICE_CODE,
        **extra,
    }


@login_required
@never_cache
@require_safe
def task_list(request: HttpRequest) -> HttpResponse:
    tasks = selectors.tasks_for_resident(user=request.user)
    return render(
        request,
        "benefits/task_list.html",
        {"tasks": tasks, "verified": request.user.is_real_name_verified},
    )


@login_required
@never_cache
@require_safe
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _task_or_none(request, task_id)
    if task is None:
        return page_not_found(request)
    return render(request, "benefits/task_detail.html", _detail_context(request, task))


@login_required
@never_cache
@require_POST
def task_certify(request: HttpRequest, task_id: int) -> HttpResponse:
    """Start a face check with the consent just given; identity's provider takes over."""
    task = _task_or_none(request, task_id)
    if task is None:
        return page_not_found(request)
    form = FaceConsentForm(request.POST)
    consent_given = form.is_valid() and form.cleaned_data["consent"]
    try:
        _attempt, redirect_url = services.certification_face_start(
            task_id=task.pk,
            actor=request.user,
            consent_given=consent_given,
            consent_text=form.consent_text,
            return_url=reverse("benefits:result", args=[task.pk]),
            ip=client_ip(request),
        )
    except ApplicationError as exc:
        if consent_given:
            form.add_error(None, exc.message)
        return render(
            request, "benefits/task_detail.html", _detail_context(request, task, consent_form=form), status=400
        )
    return redirect(redirect_url)


@login_required
@never_cache
@require_safe
def task_result(request: HttpRequest, task_id: int) -> HttpResponse:
    """Where the face check sends the browser back (``?face_check=<id>``): the attempt's result."""
    task = _task_or_none(request, task_id)
    if task is None:
        return page_not_found(request)
    attempt = None
    try:
        face_check_id = uuid.UUID(request.GET.get("face_check", ""))
    except ValueError:
        face_check_id = None
    if face_check_id is not None:
        attempt = CertificationAttempt.objects.filter(
            task=task, actor=request.user, face_check_id=face_check_id
        ).first()
    if attempt is None:
        return redirect("benefits:task", task_id=task.pk)
    return render(
        request,
        "benefits/task_result.html",
        _detail_context(
            request,
            task,
            attempt=attempt,
            passed=attempt.status == AttemptStatus.PASSED,
            waiting=attempt.status == AttemptStatus.STARTED,
        ),
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def home_visit(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _task_or_none(request, task_id)
    if task is None:
        return page_not_found(request)
    if request.method == "POST":
        form = HomeVisitForm(request.POST)
        if form.is_valid():
            try:
                services.home_visit_request(task_id=task.pk, user=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("已提交上门认证申请，工作人员会电话联系您约定时间。"))
                return redirect("benefits:task", task_id=task.pk)
        return render(request, "benefits/home_visit.html", {"task": task, "form": form}, status=400)
    initial = {"phone": task.beneficiary.mobile or getattr(request.user, "mobile", "") or ""}
    return render(request, "benefits/home_visit.html", {"task": task, "form": HomeVisitForm(initial=initial)})
