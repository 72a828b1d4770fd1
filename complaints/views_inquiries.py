"""The resident's inquiry pages (咨询投诉): submit, 我的咨询投诉, an item's page, and for anyone
the anonymous report form and the progress lookup by reference and query code (查询码).

Thin views: a form shapes the input, one service acts, and its ``ApplicationError`` is
shown on the field it concerns. The query code is shown once, on the page that answers
the submission (rendered, never a redirect: the code must not appear in a URL), and is
only ever sent back in POST bodies. Pages without a sign-in that check or take
submissions are limited per client address with the cache; without the cache they
refuse (503) rather than allow an unlimited number.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from common.exceptions import ApplicationError
from common.views import error_response, page_not_found
from identity.security import client_ip
from services.selectors import published_items

from . import selectors_inquiries as selectors
from . import services_inquiries as services
from .constants import InquiryAction, InquiryStatus, Kind
from .forms_inquiries import ERROR_FIELDS, InquiryForm, ReopenForm, TrackForm

INQUIRIES_PER_PAGE = 20
_RATE_SALT = "complaints.inquiry-rate-limit"
# Timeline steps that name the department the item went to, and those whose comment the resident reads.
_DEPARTMENT_ACTIONS = (InquiryAction.ROUTE, InquiryAction.ASSIGN, InquiryAction.TRANSFER)
_COMMENT_ACTIONS = (InquiryAction.ANSWER, InquiryAction.TRANSFER, InquiryAction.REOPEN, InquiryAction.ESCALATE)


# --- Helpers --------------------------------------------------------------------------------


def _rate_limited(request: HttpRequest, *, scope: str, per_hour: int) -> HttpResponse | None:
    """Count one attempt for the client's address; an error page when over ``per_hour`` within
    the hour since the first counted attempt (429), or when the count cannot be kept (503)."""
    address = client_ip(request) or "unknown"
    key = f"inquiry-rate:{scope}:{salted_hmac(_RATE_SALT, address).hexdigest()[:32]}"
    try:
        # django-redis with IGNORE_EXCEPTIONS answers None instead of raising when Redis is down.
        added = cache.add(key, 0, timeout=3600)
        count = cache.incr(key) if added is not None else None
    except (RedisConnectionError, RedisTimeoutError, ValueError):  # ValueError: the key expired in between
        count = None
    if count is None:
        return error_response(request, 503, "rate_limit_unavailable", _("服务暂时不可用，请稍后再试。"))
    if count > per_hour:
        return error_response(
            request, 429, "rate_limited", _("操作过于频繁，请一小时后再试。如情况紧急，请拨打12345政务服务热线。")
        )
    return None


def _timeline(inquiry) -> list[dict]:
    """The steps the resident sees: what, when, to which department, the comment where it is
    meant for them. Never who did it: officials' names stay inside."""
    rows = []
    for step in selectors.inquiry_timeline(inquiry=inquiry):
        department = step.to_department if step.action in _DEPARTMENT_ACTIONS else None
        rows.append(
            {
                "label": step.get_action_display(),
                "at": step.created_at,
                "status": step.get_to_status_display(),
                "department": department.display_name if department is not None else "",
                "comment": step.comment if step.action in _COMMENT_ACTIONS else "",
            }
        )
    return rows


def _item_context(inquiry, **extra) -> dict:
    answered = inquiry.status == InquiryStatus.ANSWERED
    return {
        "inquiry": inquiry,
        "timeline": _timeline(inquiry),
        "attachments": list(inquiry.attachments.all()),
        "answered": answered,
        "may_reopen": answered and services.may_reopen(inquiry),
        "reopen_deadline": services.reopen_deadline(inquiry) if answered else None,
        "reopen_form": ReopenForm(),
        **extra,
    }


def _submit(request: HttpRequest, form: InquiryForm, *, anonymous_only: bool) -> HttpResponse:
    """Validate, submit through the service and answer the page with the reference and query code."""
    template = "complaints/inquiry_report.html" if anonymous_only else "complaints/inquiry_form.html"
    if not form.is_valid():
        return render(request, template, _form_context(form), status=400)
    data = form.cleaned_data
    case = data.get("case")
    try:
        inquiry, query_code = services.inquiry_submit(
            kind=Kind.REPORT if anonymous_only else data["kind"],
            subject=data["subject"],
            content=data["content"],
            submitter=None if anonymous_only else request.user,
            anonymous=anonymous_only or data.get("anonymous", False),
            enterprise=data.get("enterprise"),
            category=data.get("category"),
            service_item=data.get("item") or (case.service_item if case is not None else None),
            about_department=data.get("department"),
            application=case,
            region_code=data.get("region") or "",
            contact_phone=data.get("contact_phone") or "",
            attachments=data.get("attachments") or [],
        )
    except ApplicationError as exc:
        field = ERROR_FIELDS.get(exc.code)
        form.add_error(field if field in form.fields else None, exc.message)
        return render(request, template, _form_context(form), status=400)
    return render(request, "complaints/inquiry_submitted.html", {"inquiry": inquiry, "query_code": query_code})


def _form_context(form: InquiryForm, **extra) -> dict:
    code = form.data.get("item") if form.is_bound else form.initial.get("item")
    item = published_items().filter(code=code).first() if code else None
    return {"form": form, "item": item, "files_lost": form.is_bound and bool(form.files), **extra}


# --- Signed-in resident ---------------------------------------------------------------------


@login_required
@never_cache
@require_safe
def inquiry_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.inquiries_for_resident(user=request.user), INQUIRIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "complaints/inquiry_list.html", {"page": page})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def inquiry_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = InquiryForm(request.POST, request.FILES, user=request.user)
        return _submit(request, form, anonymous_only=False)
    initial = {"contact_phone": getattr(request.user, "mobile", "") or ""}
    item_code = request.GET.get("item", "").strip()[:64]
    if item_code and published_items().filter(code=item_code).exists():
        initial["item"] = item_code
    case_number = request.GET.get("case", "").strip()[:64]
    if case_number:
        initial["case"] = case_number
        initial["kind"] = Kind.COMPLAINT
    form = InquiryForm(initial=initial, user=request.user)
    case_refused = bool(case_number) and case_number not in dict(form.fields["case"].choices)
    if case_refused:
        form.initial.pop("case")
    return render(request, "complaints/inquiry_form.html", _form_context(form, case_refused=case_refused))


@login_required
@never_cache
@require_safe
def inquiry_detail(request: HttpRequest, reference: str) -> HttpResponse:
    inquiry = selectors.inquiry_for_resident(user=request.user, reference=reference)
    if inquiry is None:
        return page_not_found(request)
    return render(request, "complaints/inquiry_detail.html", _item_context(inquiry))


@login_required
@never_cache
@require_POST
def inquiry_close(request: HttpRequest, reference: str) -> HttpResponse:
    inquiry = selectors.inquiry_for_resident(user=request.user, reference=reference)
    if inquiry is None:
        return page_not_found(request)
    satisfied = request.POST.get("satisfied") == "1"
    try:
        services.inquiry_close(inquiry_id=inquiry.pk, satisfied=satisfied, user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已办结，感谢您的反馈。"))
    return redirect("complaints:inquiry", reference=inquiry.reference)


@login_required
@never_cache
@require_POST
def inquiry_reopen(request: HttpRequest, reference: str) -> HttpResponse:
    inquiry = selectors.inquiry_for_resident(user=request.user, reference=reference)
    if inquiry is None:
        return page_not_found(request)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.inquiry_reopen(inquiry_id=inquiry.pk, reason=form.cleaned_data["reason"], user=request.user)
        except ApplicationError as exc:
            if not exc.code.startswith("reason"):
                # Not about what was typed (the window closed, the status moved): the page says why.
                messages.error(request, exc.message)
                return redirect("complaints:inquiry", reference=inquiry.reference)
            form.add_error("reason", exc.message)
    if form.errors:
        context = _item_context(inquiry, reopen_form=form)
        return render(request, "complaints/inquiry_detail.html", context, status=400)
    messages.success(request, _("已申请重新办理，承办部门将重新答复。"))
    return redirect("complaints:inquiry", reference=inquiry.reference)


# --- Without a sign-in ----------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def inquiry_report(request: HttpRequest) -> HttpResponse:
    """The anonymous report form (匿名举报): no account, no contact details; followed by query code."""
    if request.method == "POST":
        limited = _rate_limited(request, scope="report", per_hour=settings.INQUIRY_ANONYMOUS_PER_HOUR)
        if limited is not None:
            return limited
        form = InquiryForm(request.POST, request.FILES, anonymous_only=True)
        return _submit(request, form, anonymous_only=True)
    form = InquiryForm(anonymous_only=True)
    return render(request, "complaints/inquiry_report.html", _form_context(form))


@never_cache
@require_http_methods(["GET", "POST"])
def inquiry_track(request: HttpRequest) -> HttpResponse:
    """Progress by reference and query code (查询办理进度); the holder may close or reopen it here.
    A wrong reference and a wrong code get the same answer."""
    if request.method != "POST":
        return render(request, "complaints/inquiry_track.html", {"form": TrackForm()})
    limited = _rate_limited(request, scope="track", per_hour=settings.INQUIRY_TRACK_PER_HOUR)
    if limited is not None:
        return limited
    form = TrackForm(request.POST)
    inquiry = None
    if form.is_valid():
        inquiry = selectors.inquiry_by_query_code(
            reference=form.cleaned_data["reference"], query_code=form.cleaned_data["query_code"]
        )
        if inquiry is None:
            form.add_error(None, _("受理编号或查询码不正确，请核对后重试。"))
    if inquiry is None:
        return render(request, "complaints/inquiry_track.html", {"form": form}, status=400)

    query_code = form.cleaned_data["query_code"]
    action = request.POST.get("action", "")
    reopen_form = ReopenForm()
    status = 200
    try:
        if action == "close":
            services.inquiry_close(
                inquiry_id=inquiry.pk, satisfied=request.POST.get("satisfied") == "1", query_code=query_code
            )
            messages.success(request, _("已办结，感谢您的反馈。"))
        elif action == "reopen":
            reopen_form = ReopenForm(request.POST)
            if reopen_form.is_valid():
                services.inquiry_reopen(
                    inquiry_id=inquiry.pk, reason=reopen_form.cleaned_data["reason"], query_code=query_code
                )
                messages.success(request, _("已申请重新办理，承办部门将重新答复。"))
                reopen_form = ReopenForm()
            else:
                status = 400
    except ApplicationError as exc:
        messages.error(request, exc.message)
        status = 400
    inquiry.refresh_from_db()
    context = _item_context(
        inquiry,
        form=form,
        reopen_form=reopen_form,
        reference=inquiry.reference,
        query_code=query_code,
    )
    return render(request, "complaints/inquiry_track.html", context, status=status)
