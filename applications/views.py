"""The resident's pages: applying online (申请) and 我的办件.

Thin views: a form shapes the input, one service function acts, and its
``ApplicationError`` is shown next to the field it concerns. Every page needs a
signed-in user and is never cached. A case, draft or file that is not the
user's answers exactly like one that does not exist (404); asking for someone
else's case by number is recorded by ``application_open_for_resident``.
"""

import functools
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from applications.bundles import application_requirements
from common.exceptions import ApplicationError
from common.fragments import render_fragment
from common.i18n import display_name, is_english
from common.views import page_not_found
from services.constants import Audience

from . import selectors_resident as selectors
from .constants import MaterialSource, ScanStatus, Status
from .forms_resident import (
    PrefillReportForm,
    WithdrawForm,
    application_form,
    draft_values,
    prefill_summary,
    review_rows,
    schema_error_message,
)
from .payments_bridge import fee_payer
from .principals import principal_choice_find, principal_choices
from .selectors import application_timeline
from .services import (
    application_missing_materials,
    application_save_draft,
    application_start,
    application_start_bundle,
    application_submit,
    application_transition,
)
from .services import material_add_upload as material_add_upload_service
from .services_resident import (
    application_open_for_resident,
    material_add_holding,
    material_remove,
    prefill_report_create,
    supplement_resubmit,
)

CASES_PER_PAGE = 20
# Files that may be handed back: scanned clean, or no scanner configured.
DOWNLOADABLE_SCAN_STATUSES = (ScanStatus.CLEAN, ScanStatus.NOT_SCANNED)


def _not_found(request: HttpRequest) -> HttpResponse:
    # Returned, not raised: ATOMIC_REQUESTS would roll back the logged access attempt.
    return page_not_found(request)


# --- Applying ------------------------------------------------------------------------


def _apply_start_page(request, target, *, bundle=None, choices, error=None, status=200) -> HttpResponse:
    return render(
        request,
        "applications/apply_start.html",
        {
            "item": target,
            "bundle": bundle,
            "choices": choices,
            # One option needs no question; none means there is nobody the user may apply for.
            "ask_principal": len(choices) > 1,
            "enterprise_only": target.audience == Audience.ENTERPRISE,
            "drafts": selectors.drafts_for_resident(user=request.user, item=None if bundle else target, bundle=bundle),
            "error": error,
        },
        status=status,
    )


def _apply(request: HttpRequest, target, *, bundle=None) -> HttpResponse:
    """GET asks “为谁办理” when there is a choice (writes nothing); the POST starts (or continues)
    the draft for the chosen principal. The choice is checked again by the service."""
    choices = principal_choices(actor=request.user, service_or_bundle=target)
    if request.method == "GET":
        return _apply_start_page(request, target, bundle=bundle, choices=choices)
    chosen = principal_choice_find(choices, request.POST.get("principal"))
    if chosen is None:
        error = _("请从列表中选择您代表的企业。") if target.audience == Audience.ENTERPRISE else _("请选择为谁办理。")
        return _apply_start_page(request, target, bundle=bundle, choices=choices, error=error, status=400)
    principal = chosen.principal
    try:
        if bundle is not None:
            draft = application_start_bundle(
                applicant=request.user,
                bundle_code=bundle.code,
                enterprise=principal.enterprise,
                principal_user=principal.user,
            )
        else:
            draft = application_start(
                applicant=request.user,
                item_code=target.code,
                enterprise=principal.enterprise,
                principal_user=principal.user,
            )
    except ApplicationError as exc:
        return render(
            request,
            "applications/apply_error.html",
            {"message": exc.message, "code": exc.code, "item": None if bundle else target},
            status=exc.status,
        )
    return redirect("applications:draft", draft_id=draft.pk)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, code: str) -> HttpResponse:
    """A service item: see :func:`_apply`."""
    item = selectors.service_item_for_apply(code=code)
    if item is None:
        return render(
            request,
            "applications/apply_error.html",
            {"message": _("该事项暂不可在线办理。"), "item": None},
            status=404,
        )
    return _apply(request, item)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def apply_bundle(request: HttpRequest, code: str) -> HttpResponse:
    """A bundle (一件事), one merged draft: see :func:`_apply`. The same “为谁办理” rule as a
    single item; an agent's mandate must cover every item of the bundle."""
    bundle = selectors.bundle_for_apply(code=code)
    if bundle is None:
        return render(
            request,
            "applications/apply_error.html",
            {"message": _("该一件事暂不可在线办理。"), "item": None},
            status=404,
        )
    return _apply(request, bundle, bundle=bundle)


def _own_draft(request: HttpRequest, draft_id: int):
    application = selectors.draft_for_resident(user=request.user, draft_id=draft_id)
    if application is None:
        raise Http404
    return application


def _render_draft(
    request: HttpRequest,
    application,
    *,
    form=None,
    report_form=None,
    upload_errors=None,
    missing=None,
    error=None,
    status=200,
) -> HttpResponse:
    form = form if form is not None else application_form(application)
    upload_errors = upload_errors or {}
    requirements = selectors.application_requirements(application=application, user=request.user)
    for row in requirements:
        row.error = upload_errors.get(row.requirement.pk)
    context = {
        "application": application,
        "item": application.service_item or application.bundle,
        "version": application.service_version,
        "fee_payer": fee_payer(application),
        "promised_days": (
            application.service_version.promised_limit_days
            if application.service_version_id
            else application.bundle.promised_limit_days
        ),
        "form": form,
        "prefill": prefill_summary(application, form),
        "report_form": report_form or PrefillReportForm(application=application),
        "requirements": requirements,
        "upload_max_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
        "draft_retention_days": settings.APPLICATION_DRAFT_RETENTION_DAYS,
        "missing": missing or [],
        "error": error,
    }
    return render(request, "applications/draft.html", context, status=status)


def _redirect_if_submitted(application):
    if application.status != Status.DRAFT:
        if application.case_number:
            return redirect("applications:case", case_number=application.case_number)
        raise Http404
    return None


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def draft(request: HttpRequest, draft_id: int) -> HttpResponse:
    """The application form: “保存草稿” saves what was typed, “提交申请” saves and submits."""
    application = _own_draft(request, draft_id)
    if response := _redirect_if_submitted(application):
        return response
    if request.method == "GET":
        return _render_draft(request, application)

    form = application_form(application, request.POST)
    application = application_save_draft(application=application, data=draft_values(form), actor=request.user)
    action = request.POST.get("action")
    if action not in ("review", "submit"):
        messages.success(request, _("草稿已保存。"))
        return redirect("applications:draft", draft_id=application.pk)

    if not form.is_valid():
        return _render_draft(
            request, application, form=form, error=_("表单填写不完整或有误，请按提示修改。"), status=400
        )
    if action == "review":
        missing = application_missing_materials(application)
        if missing:
            return _render_draft(
                request, application, form=form, missing=missing, error=_("还缺少必要材料。"), status=400
            )
        return redirect("applications:review", draft_id=application.pk)
    # “提交申请” straight from the form (clients without the review screen): the same checks.
    return _submit(request, application, form)


def _submit(request: HttpRequest, application, form) -> HttpResponse:
    try:
        application = application_submit(application=application, actor=request.user)
    except ApplicationError as exc:
        for problem in exc.extra.get("errors", []):
            field = problem.get("field")
            if field in form.fields and field not in form.errors:
                form.add_error(field, schema_error_message(problem.get("message", "")))
        return _render_draft(
            request, application, form=form, missing=exc.extra.get("missing"), error=exc.message, status=exc.status
        )
    messages.success(request, _("申请已提交，办件编号：%(number)s。") % {"number": application.case_number})
    return redirect("applications:case", case_number=application.case_number)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, draft_id: int) -> HttpResponse:
    """核对: the answers and materials on one screen before submitting; “提交申请” submits what was saved."""
    application = _own_draft(request, draft_id)
    if response := _redirect_if_submitted(application):
        return response
    form = application_form(application)
    if request.method == "POST":
        # Validated against what was saved, as the submission itself is.
        return _submit(request, application, application_form(application, _saved_as_posted(application, form)))
    return render(
        request,
        "applications/review.html",
        {
            "application": application,
            "item": application.service_item or application.bundle,
            "rows": review_rows(application, form),
            "prefill": prefill_summary(application, form),
            "requirements": selectors.application_requirements(application=application, user=request.user),
            "missing": application_missing_materials(application),
        },
    )


def _saved_as_posted(application, form) -> dict:
    """The saved answers in the shape a posted form has, so the form reports errors by field."""
    return {name: application.form_data.get(name, "") for name in form.fields}


@login_required
@never_cache
@require_POST
def autosave(request: HttpRequest, draft_id: int) -> JsonResponse:
    """Called by application-draft.js while the resident types; the same save as “保存草稿”."""
    application = selectors.draft_for_resident(user=request.user, draft_id=draft_id)
    if application is None:
        return JsonResponse({"saved": False, "error": _("找不到该申请。")}, status=404)
    form = application_form(application, request.POST)
    try:
        application = application_save_draft(application=application, data=draft_values(form), actor=request.user)
    except ApplicationError as exc:
        return JsonResponse({"saved": False, "error": str(exc.message)}, status=exc.status)
    saved_at = timezone.localtime(application.updated_at)
    return JsonResponse(
        {
            "saved": True,
            "saved_at": saved_at.isoformat(),
            "message": _("草稿已自动保存（%(time)s）") % {"time": saved_at.strftime("%H:%M")},
        }
    )


def _requirement(application, requirement_id):
    try:
        wanted = int(requirement_id)
    except (TypeError, ValueError):
        return None
    return next((r for r in application_requirements(application) if r.pk == wanted), None)


def _wants_json(request: HttpRequest) -> bool:
    """application-materials.js asks for JSON; a form posted without the script gets a page."""
    return "application/json" in request.headers.get("Accept", "")


def _material_answer(request, application, requirement_pk, *, message="", error=None, status=200) -> JsonResponse:
    """The material's row rendered afresh, for the script to put in place of the old one."""
    rows = selectors.application_requirements(application=application, user=request.user)
    row = next((r for r in rows if r.requirement.pk == requirement_pk), None)
    html = ""
    if row is not None:
        row.error = error
        html = render_to_string(
            "applications/_material_row.html", {"row": row, "application": application}, request=request
        )
    return JsonResponse({"ok": error is None, "message": str(message or error or ""), "row_html": html}, status=status)


@login_required
@never_cache
@require_POST
def material_upload(request: HttpRequest, draft_id: int) -> HttpResponse:
    """One or several files for one material, each checked completely as it arrives."""
    application = _own_draft(request, draft_id)
    if response := _redirect_if_submitted(application):
        return response
    requirement = _requirement(application, request.POST.get("requirement"))
    if requirement is None:
        raise Http404
    uploaded_files = request.FILES.getlist("file")
    names, errors = [], []
    if not uploaded_files:
        errors.append(_("请选择要上传的文件。"))
    for uploaded in uploaded_files:
        try:
            material = material_add_upload_service(
                application=application, requirement=requirement, uploaded=uploaded, actor=request.user
            )
        except ApplicationError as exc:
            errors.append(_("%(name)s：%(reason)s") % {"name": uploaded.name[:100], "reason": exc.message})
        else:
            names.append(material.original_name)
    error = "；".join(str(e) for e in errors) if errors else None
    done = _("已上传：%(name)s。") % {"name": "、".join(names)} if names else ""
    if _wants_json(request):
        return _material_answer(
            request, application, requirement.pk, message=done, error=error, status=400 if error else 200
        )
    if error:
        if names:
            messages.success(request, done)
        return _render_draft(request, application, upload_errors={requirement.pk: error}, status=400)
    messages.success(request, done)
    return redirect(reverse("applications:draft", kwargs={"draft_id": application.pk}) + f"#material-{requirement.pk}")


@login_required
@never_cache
@require_POST
def material_certificate(request: HttpRequest, draft_id: int) -> HttpResponse:
    """Use something the applicant holds (an e-certificate from a material provider) for a material (少报)."""
    application = _own_draft(request, draft_id)
    if response := _redirect_if_submitted(application):
        return response
    requirement = _requirement(application, request.POST.get("requirement"))
    if requirement is None:
        raise Http404
    try:
        material = material_add_holding(
            application=application,
            requirement=requirement,
            choice=request.POST.get("holding", "")[:100],
            actor=request.user,
        )
    except ApplicationError as exc:
        if _wants_json(request):
            return _material_answer(request, application, requirement.pk, error=exc.message, status=exc.status)
        return _render_draft(request, application, upload_errors={requirement.pk: exc.message}, status=exc.status)
    done = _("已使用电子证照：%(name)s。") % {"name": material.original_name}
    if _wants_json(request):
        return _material_answer(request, application, requirement.pk, message=done)
    messages.success(request, done)
    return redirect("applications:draft", draft_id=application.pk)


@login_required
@never_cache
@require_POST
def material_delete(request: HttpRequest, draft_id: int, material_id: int) -> HttpResponse:
    application = _own_draft(request, draft_id)
    # The script gets the material's row back: which row is read before the file goes.
    answer_row = _wants_json(request) and application.status == Status.DRAFT
    if answer_row:
        requirement_pk = application.materials.filter(pk=material_id).values_list("requirement_id", flat=True).first()
    try:
        material_remove(application=application, material_id=material_id, actor=request.user)
    except ApplicationError as exc:
        if exc.status == 404:
            raise Http404 from None
        if answer_row:
            return _material_answer(request, application, requirement_pk, error=exc.message, status=exc.status)
        messages.error(request, exc.message)
    else:
        if answer_row:
            return _material_answer(request, application, requirement_pk, message=_("材料已删除。"))
        messages.success(request, _("材料已删除。"))
    if application.status == Status.DRAFT:
        return redirect("applications:draft", draft_id=application.pk)
    return redirect("applications:case", case_number=application.case_number)


@login_required
@never_cache
@require_POST
def prefill_report(request: HttpRequest, draft_id: int) -> HttpResponse:
    """“信息有误？”: the resident reports a wrong prefilled value; the field stays locked."""
    application = _own_draft(request, draft_id)
    if response := _redirect_if_submitted(application):
        return response
    report_form = PrefillReportForm(request.POST, application=application)
    if report_form.is_valid():
        try:
            prefill_report_create(
                application=application,
                field=report_form.cleaned_data["field"],
                message=report_form.cleaned_data["message"],
                actor=request.user,
            )
        except ApplicationError as exc:
            report_form.add_error(exc.extra.get("field"), exc.message)
        else:
            messages.success(request, _("已收到您的反馈，我们会核实并更正来源数据。"))
            return redirect("applications:draft", draft_id=application.pk)
    return _render_draft(request, application, report_form=report_form, status=400)


# --- 我的办件 -------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRow:
    """A row of 我的办件 as the page shows it."""

    url: str
    name: str
    note: str
    case_number: str
    status: str
    status_label: str
    submitted: str
    deadline: str
    provisional: bool


def _case_rows(applications, *, viewer, status_labels: dict[str, str]) -> list[CaseRow]:
    # Built here in plain Python, with the language, the URLs and the status labels looked up
    # once a page rather than once a row: the template's {% url %}, date filters, translations
    # and get_status_display() per row were half of this page's rendering in a profile.
    placeholder = "__key__"
    case_url = reverse("applications:case", kwargs={"case_number": placeholder})
    draft_url = reverse("applications:draft", kwargs={"draft_id": 0}).replace("/0/", f"/{placeholder}/")
    english = is_english()

    def note(application) -> str:
        enterprise = application.enterprise
        if not application.acted_on_behalf:
            return enterprise.name if enterprise else ""
        if application.applicant_id == viewer.pk:
            return _("为%(name)s代办") % {"name": application.principal_name}
        on_behalf = _("由%(name)s代办") % {"name": application.applicant.real_name}
        return f"{enterprise.name} · {on_behalf}" if enterprise else on_behalf

    rows = []
    for application in applications:
        target = application.service_item or application.bundle
        deadline = application.promised_deadline
        submitted = application.submitted_at
        rows.append(
            CaseRow(
                url=case_url.replace(placeholder, quote(application.case_number, safe=""))
                if application.case_number
                else draft_url.replace(placeholder, str(application.pk)),
                name=display_name(target, english=english) if target else "",
                note=note(application),
                case_number=application.case_number or "—",
                status=application.status,
                status_label=status_labels.get(application.status, application.status),
                submitted=timezone.localtime(submitted).strftime("%Y-%m-%d %H:%M") if submitted else "—",
                deadline=deadline.isoformat() if deadline else "—",
                provisional=bool(deadline and application.deadline_provisional),
            )
        )
    return rows


# A read: no transaction, so no BEGIN and COMMIT round trips around its queries.
@transaction.non_atomic_requests
@login_required
@never_cache
@require_safe
def case_list(request: HttpRequest) -> HttpResponse:
    page = selectors.resident_case_page(user=request.user, page=request.GET.get("page"), per_page=CASES_PER_PAGE)
    text = _case_list_text(get_language())
    rows = render_fragment(
        "applications/case_rows.html",
        {"rows": _case_rows(page.object_list, viewer=request.user, status_labels=text["statuses"]), "labels": text},
    )
    return render(request, "applications/case_list.html", {"page": page, "rows": rows})


@functools.cache
def _case_list_text(language: str) -> dict:
    # Translated once per process and language, not once a page (a couple of dozen lookups): the
    # statuses' names, and the cells' labels (a phone shows them beside each value in place of
    # the table's header row), which the rows' fragment holds none of its own.
    return {
        "statuses": {value: str(label) for value, label in Status.choices},
        "item": _("事项"),
        "number": _("办件编号"),
        "status": _("状态"),
        "submitted": _("提交时间"),
        "deadline": _("预计办结"),
        "continue": _("继续填写"),
        "supplement": _("需要您补正材料"),
        "provisional": _("暂定"),
    }


def _case_context(request, application, **extra) -> dict:
    # The person a proxy applied for sees the case; only the one who applied acts on it.
    is_applicant = application.applicant_id == request.user.pk
    open_request = selectors.open_supplement_request(application=application) if is_applicant else None
    materials = list(selectors.application_materials(application=application))
    return {
        "application": application,
        "timeline": list(application_timeline(application=application)),
        "next_step": selectors.application_next_step(application=application),
        "may_withdraw": is_applicant and selectors.application_may_withdraw(application=application),
        "is_applicant": is_applicant,
        "open_request": open_request,
        "materials": materials,
        # 少报: the materials an e-certificate stood in for, so the applicant submitted no paper or scan.
        "spared_materials": sum(1 for m in materials if m.source == MaterialSource.CERTIFICATE),
        "supplement_materials": [m for m in materials if open_request and m.supplement_id == open_request.pk],
        "requirements": list(application.service_version.materials.order_by("order", "pk"))
        if application.service_version_id
        else [],
        "results": list(selectors.application_results(application=application)),
        "downloadable": DOWNLOADABLE_SCAN_STATUSES,
        "supplement_error": None,
        **extra,
    }


def _case_to_act_on(request: HttpRequest, case_number: str):
    """The case, for its applicant only: the person a proxy applied for may read it, not act on it."""
    application = application_open_for_resident(user=request.user, case_number=case_number)
    if application is None or application.applicant_id != request.user.pk:
        return None
    return application


@login_required
@never_cache
@require_safe
def case_detail(request: HttpRequest, case_number: str) -> HttpResponse:
    application = application_open_for_resident(user=request.user, case_number=case_number)
    if application is None:
        return _not_found(request)
    return render(request, "applications/case_detail.html", _case_context(request, application))


@login_required
@never_cache
@require_POST
def supplement_upload(request: HttpRequest, case_number: str) -> HttpResponse:
    application = _case_to_act_on(request, case_number)
    if application is None:
        return _not_found(request)
    open_request = selectors.open_supplement_request(application=application)
    if open_request is None:
        messages.error(request, _("当前没有需要补正的内容。"))
        return redirect("applications:case", case_number=case_number)
    requirement = (
        _requirement(application, request.POST.get("requirement")) if request.POST.get("requirement") else None
    )
    uploaded = request.FILES.get("file")
    try:
        if uploaded is None:
            raise ApplicationError(_("请选择要上传的文件。"), code="no_file")
        material = material_add_upload_service(
            application=application,
            requirement=requirement,
            uploaded=uploaded,
            actor=request.user,
            supplement=open_request,
        )
    except ApplicationError as exc:
        context = _case_context(request, application, supplement_error=exc.message)
        return render(request, "applications/case_detail.html", context, status=400)
    messages.success(
        request, _("已上传：%(name)s。请上传完全部材料后点击“提交补正”。") % {"name": material.original_name}
    )
    return redirect(reverse("applications:case", kwargs={"case_number": case_number}) + "#supplement")


@login_required
@never_cache
@require_POST
def supplement_submit(request: HttpRequest, case_number: str) -> HttpResponse:
    application = _case_to_act_on(request, case_number)
    if application is None:
        return _not_found(request)
    try:
        supplement_resubmit(application=application, actor=request.user)
    except ApplicationError as exc:
        context = _case_context(request, application, supplement_error=exc.message)
        return render(request, "applications/case_detail.html", context, status=400)
    messages.success(request, _("补正材料已提交，等待工作人员审查。"))
    return redirect("applications:case", case_number=case_number)


@login_required
@never_cache
@require_POST
def supplement_material_delete(request: HttpRequest, case_number: str, material_id: int) -> HttpResponse:
    application = _case_to_act_on(request, case_number)
    if application is None:
        return _not_found(request)
    try:
        material_remove(application=application, material_id=material_id, actor=request.user)
    except ApplicationError as exc:
        if exc.status == 404:
            return _not_found(request)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("材料已删除。"))
    return redirect("applications:case", case_number=case_number)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, case_number: str) -> HttpResponse:
    """Withdraw before a decision, after an explicit confirmation."""
    application = _case_to_act_on(request, case_number)
    if application is None:
        return _not_found(request)
    if not selectors.application_may_withdraw(application=application):
        messages.error(request, _("该办件已作出决定或已结束，不能撤回。"))
        return redirect("applications:case", case_number=case_number)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            application_transition(
                application_id=application.pk,
                to_status=Status.WITHDRAWN,
                actor=request.user,
                comment=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("申请已撤回。"))
            return redirect("applications:case", case_number=case_number)
    status = 400 if request.method == "POST" else 200
    return render(request, "applications/withdraw.html", {"application": application, "form": form}, status=status)


def _attachment(field_file, *, filename: str, content_type: str) -> FileResponse:
    response = FileResponse(field_file.open("rb"), as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@never_cache
@require_safe
def material_download(request: HttpRequest, case_number: str, material_id: int) -> HttpResponse:
    application = application_open_for_resident(user=request.user, case_number=case_number)
    if application is None:
        return _not_found(request)
    material = application.materials.filter(pk=material_id, scan_status__in=DOWNLOADABLE_SCAN_STATUSES).first()
    if material is None or not material.file:
        return _not_found(request)
    return _attachment(material.file, filename=material.original_name, content_type=material.content_type)


@login_required
@never_cache
@require_safe
def draft_material_download(request: HttpRequest, draft_id: int, material_id: int) -> HttpResponse:
    application = _own_draft(request, draft_id)
    material = application.materials.filter(pk=material_id, scan_status__in=DOWNLOADABLE_SCAN_STATUSES).first()
    if material is None or not material.file:
        raise Http404
    return _attachment(material.file, filename=material.original_name, content_type=material.content_type)


@login_required
@never_cache
@require_safe
def result_download(request: HttpRequest, case_number: str, result_id: int) -> HttpResponse:
    application = application_open_for_resident(user=request.user, case_number=case_number)
    if application is None:
        return _not_found(request)
    result = application.results.filter(pk=result_id).first()
    if result is None:
        return _not_found(request)
    extension = ".pdf" if result.content_type == "application/pdf" else ""
    return _attachment(result.file, filename=f"{result.name}{extension}", content_type=result.content_type)
