"""The marketplace's pages (中介超市).

Public, without a sign-in: the agency directory (approved agencies, their currently valid
qualifications, services with fee ranges and rating), open project postings, a posting's
page and the published results, with everything needed to re-run a random draw.

My space, signed in: as a buyer (项目业主), post a project for an enterprise the user may
act for, publish it, select after the quote deadline, record the contract, confirm the
delivery and rate; as an agency (中介机构), register, add services and qualifications,
quote on matching postings before the deadline and object to a result.

Thin views: a form shapes the input, one service acts and has the last word (who may act
for which enterprise is checked there, through identity's acting rules), its
``ApplicationError`` is shown on the field it concerns or above the form. Every POST
answers with a redirect (POST-redirect-GET), or the page again with its errors (400).
What a page may show of quotes is decided by ``selectors.quotes_visible_to`` only.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from common.exceptions import ApplicationError
from common.money import yuan

from . import draw, selectors, services
from .constants import PostingStatus
from .forms import (
    AgencyRegisterForm,
    AgencyServiceForm,
    CancelForm,
    ContractForm,
    DeliveryForm,
    ObjectionForm,
    PostingForm,
    QualificationForm,
    QuoteForm,
    RatingForm,
    SelectForm,
    fen,
)

PER_PAGE = 20
LATEST_OPEN = 5


def _page(request: HttpRequest, queryset):
    return Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))


def _service_type_filter(request: HttpRequest):
    """The ``?type=`` filter: the service type, and the code as typed (for the form)."""
    code = request.GET.get("type", "").strip()[:40]
    return selectors.service_type_by_code(code=code), code


# --- Public -----------------------------------------------------------------------------------


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The marketplace's front page: what it is, the service types, the latest open postings."""
    context = {
        "service_types": list(selectors.service_types()),
        "latest": list(selectors.postings_public(status=PostingStatus.OPEN)[:LATEST_OPEN]),
    }
    return render(request, "marketplace/home.html", context)


@require_safe
def agency_list(request: HttpRequest) -> HttpResponse:
    """The directory: approved agencies, of one service type if asked."""
    service_type, code = _service_type_filter(request)
    agencies = selectors.agencies_public(service_type=service_type) if service_type or not code else None
    context = {
        "page": _page(request, agencies) if agencies is not None else None,
        "service_types": list(selectors.service_types()),
        "service_type": service_type,
        "type_code": code,
    }
    return render(request, "marketplace/agency_list.html", context, status=200 if agencies is not None else 404)


@require_safe
def agency_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agency = selectors.agency_public(agency_id=pk)
    if agency is None:
        raise Http404
    context = {"agency": agency, "ratings": list(selectors.agency_ratings_public(agency=agency))}
    return render(request, "marketplace/agency_detail.html", context)


@require_safe
def posting_list(request: HttpRequest) -> HttpResponse:
    """Open postings (报价中), newest first, of one service type if asked."""
    service_type, code = _service_type_filter(request)
    postings = selectors.postings_public(service_type=service_type, status=PostingStatus.OPEN)
    context = {
        "page": _page(request, postings),
        "service_types": list(selectors.service_types()),
        "service_type": service_type,
        "type_code": code,
        "now": timezone.now(),
    }
    return render(request, "marketplace/posting_list.html", context)


@require_safe
def result_list(request: HttpRequest) -> HttpResponse:
    """Postings with a published result (选取结果公示)."""
    service_type, code = _service_type_filter(request)
    context = {
        "page": _page(request, selectors.postings_concluded(service_type=service_type)),
        "service_types": list(selectors.service_types()),
        "service_type": service_type,
        "type_code": code,
    }
    return render(request, "marketplace/result_list.html", context)


def _result_context(posting, *, user=None) -> dict:
    """The published result and how to check it: the result chain, the bidders (once a result is
    published) and the random draw re-run from its published seed."""
    results = list(selectors.results_of(posting=posting))
    if not results:
        return {"results": []}
    checks = {check.result_id: check for check in selectors.verify_draw(posting)}
    # The seed committed when the posting opened (a re-draw's seed derives from it: draw.round_seed).
    root = next((result.seed for result in results if result.sequence == 1 and result.seed), "")
    quotes = list(selectors.quotes_visible_to(posting=posting, user=user)) if posting.result_id else []
    rows = []
    for result in results:
        check = checks.get(result.pk)
        rows.append(
            {
                "result": result,
                "current": result.pk == posting.result_id,
                "check": check,
                # For the shell command that re-runs the draw: printf '3\n7\n12' (a backslash and n).
                "candidates_text": "\\n".join(str(candidate) for candidate in check.candidates) if check else "",
                "index": draw.draw_index(check.seed, check.candidates) if check and check.candidates else None,
                "root_seed": root if result.sequence > 1 else "",
            }
        )
    return {"results": rows, "bidders": quotes}


@require_safe
def posting_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """A posting's public page. Before the deadline: no quote, not even how many; after it, the
    number of quotes; once a result is published, the bidders, their amounts and the result."""
    posting = selectors.posting_public(reference=reference)
    if posting is None:
        raise Http404
    now = timezone.now()
    user = request.user
    context = {
        "posting": posting,
        "deadline_passed": posting.deadline_passed(now),
        "quote_count": selectors.quote_count_public(posting=posting, now=now),
        "objection_open": selectors.objection_open(posting=posting, now=now),
        **_result_context(posting),
    }
    if user.is_authenticated:
        context["is_buyer"] = selectors.user_is_buyer(user=user, posting=posting)
        context["my_agencies"] = [
            agency
            for agency in selectors.agencies_for_user(user=user)
            if not selectors.same_party(agency=agency, posting=posting)
        ]
    return render(request, "marketplace/posting_detail.html", context)


# --- My space ---------------------------------------------------------------------------------


@login_required
@never_cache
@require_safe
def my_space(request: HttpRequest) -> HttpResponse:
    """我的中介超市: the postings of the enterprises the user acts for, and their agencies."""
    context = {
        "enterprises": list(selectors.buyer_enterprises_for_user(user=request.user)),
        "page": _page(request, selectors.postings_for_buyer(user=request.user)),
        "agencies": list(selectors.agencies_for_user(user=request.user)),
    }
    return render(request, "marketplace/my_space.html", context)


# --- As a buyer -------------------------------------------------------------------------------


def _posting_arguments(request: HttpRequest, data: dict) -> dict:
    """The posting form's answers as ``posting_create`` and ``posting_update_draft`` take them."""
    return {
        "service_type": data["service_type"],
        "title": data["title"],
        "scope": data["scope"],
        "budget_fen": fen(data["budget"]),
        "quote_deadline": data["quote_deadline"],
        "selection_method": data["selection_method"],
        "objection_period_days": data["objection_period_days"],
        "required_qualification_type": data["required_qualification_type"],
        "required_min_grade": data["required_min_grade"],
        "application": data["application"],
        "service_item": data["service_item"],
        "publish": request.POST.get("action") == "publish",
    }


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def posting_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = PostingForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                posting = services.posting_create(
                    actor=request.user,
                    enterprise=data["enterprise"],
                    **_posting_arguments(request, data),
                )
            except ApplicationError as exc:
                form.add_service_error(exc)
            else:
                if posting.status == PostingStatus.OPEN:
                    messages.success(request, _("项目已发布，符合条件的中介机构可以在截止时间前报价。"))
                else:
                    messages.success(request, _("项目已保存为草稿，确认无误后请发布。"))
                return redirect("marketplace:my_posting", reference=posting.reference)
        return render(request, "marketplace/posting_form.html", {"form": form}, status=400)
    service_type, _code = _service_type_filter(request)
    form = PostingForm(user=request.user, initial={"service_type": service_type} if service_type else None)
    return render(request, "marketplace/posting_form.html", {"form": form})


def _draft_initial(posting) -> dict:
    return {
        "service_type": posting.service_type,
        "title": posting.title,
        "scope": posting.scope,
        "budget": yuan(posting.budget_fen),
        "quote_deadline": timezone.localtime(posting.quote_deadline),
        "required_qualification_type": posting.required_qualification_type,
        "required_min_grade": posting.required_min_grade,
        "selection_method": posting.selection_method,
        "objection_period_days": posting.objection_period_days,
        "application": posting.application.case_number if posting.application_id else "",
        "service_item": posting.service_item.code if posting.service_item_id else "",
    }


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def my_posting_edit(request: HttpRequest, reference: str) -> HttpResponse:
    """Edit a draft (every field but the buyer); a published posting is never edited."""
    posting = _buyer_posting(request, reference)
    if posting.status != PostingStatus.DRAFT:
        messages.error(request, _("项目公告发布后不能修改。"))
        return redirect("marketplace:my_posting", reference=posting.reference)
    if request.method != "POST":
        form = PostingForm(user=request.user, draft=posting, initial=_draft_initial(posting))
        return render(request, "marketplace/posting_form.html", {"form": form, "draft": posting})
    form = PostingForm(request.POST, user=request.user, draft=posting)
    if form.is_valid():
        data = form.cleaned_data
        try:
            # One transaction: a refused publication keeps the draft as it was.
            services.posting_update_draft(
                actor=request.user,
                posting=posting,
                **_posting_arguments(request, data),
            )
        except ApplicationError as exc:
            form.add_service_error(exc)
        else:
            posting.refresh_from_db()
            if posting.status == PostingStatus.OPEN:
                messages.success(request, _("项目已发布，符合条件的中介机构可以在截止时间前报价。"))
            else:
                messages.success(request, _("草稿已保存。"))
            return redirect("marketplace:my_posting", reference=posting.reference)
    return render(request, "marketplace/posting_form.html", {"form": form, "draft": posting}, status=400)


def _buyer_posting(request: HttpRequest, reference: str):
    """The posting, if the user may act for its buyer in the marketplace (representative, or an
    agent whose mandate covers it); an agent mandated for other services only gets a 404."""
    posting = selectors.posting_for_buyer(user=request.user, reference=reference)
    if posting is None or not selectors.user_is_buyer(user=request.user, posting=posting):
        raise Http404
    return posting


def _buyer_context(request: HttpRequest, posting, **forms) -> dict:
    now = timezone.now()
    passed = posting.deadline_passed(now)
    status = posting.status
    objection_open = selectors.objection_open(posting=posting, now=now)
    pending = selectors.objections_pending(posting=posting).exists() if status == PostingStatus.SELECTED else False
    # Quotes only from the deadline on, and only what the rules let this user read.
    quotes = (
        list(selectors.quotes_visible_to(posting=posting, user=request.user, now=now))
        if passed and status != PostingStatus.DRAFT
        else []
    )
    context = {
        "posting": posting,
        "now": now,
        "deadline_passed": passed,
        "quotes": quotes,
        "timeline": list(selectors.posting_timeline(posting=posting)),
        "objection_open": objection_open,
        "objections_pending": pending,
        "contract": selectors.contract_of(posting=posting) if status in _CONTRACTED else None,
        "rating": selectors.rating_of(posting=posting) if status == PostingStatus.RATED else None,
        "contact_visible": selectors.agency_contact_visible(user=request.user, posting=posting),
        "may_publish": status == PostingStatus.DRAFT,
        "may_cancel": status in (PostingStatus.DRAFT, PostingStatus.OPEN, PostingStatus.CLOSED),
        "may_select": status == PostingStatus.CLOSED or (status == PostingStatus.OPEN and passed),
        "may_contract": status == PostingStatus.SELECTED and not objection_open and not pending,
        "may_deliver": status == PostingStatus.CONTRACTED,
        "may_rate": status == PostingStatus.DELIVERED,
        **_result_context(posting, user=request.user),
    }
    context["cancel_form"] = forms.get("cancel_form") or CancelForm()
    if context["may_select"]:
        context["select_form"] = forms.get("select_form") or SelectForm(posting=posting)
    if context["may_contract"]:
        initial = {"amount": yuan(posting.result.amount_fen)} if posting.result and posting.result.amount_fen else {}
        context["contract_form"] = forms.get("contract_form") or ContractForm(initial=initial)
    if context["may_deliver"]:
        context["delivery_form"] = forms.get("delivery_form") or DeliveryForm()
    if context["may_rate"]:
        context["rating_form"] = forms.get("rating_form") or RatingForm()
    return context


_CONTRACTED = (PostingStatus.CONTRACTED, PostingStatus.DELIVERED, PostingStatus.RATED)


@login_required
@never_cache
@require_safe
def my_posting(request: HttpRequest, reference: str) -> HttpResponse:
    posting = _buyer_posting(request, reference)
    return render(request, "marketplace/my_posting.html", _buyer_context(request, posting))


def _buyer_action(request, reference, *, form_class=None, form_name="", act, success: str, **form_kwargs):
    """Run one buyer action: validate the form, call the service, redirect to the posting with a
    message; or show the posting again with the form's errors (400)."""
    posting = _buyer_posting(request, reference)
    form = form_class(request.POST, **form_kwargs) if form_class is not None else None
    if form is None or form.is_valid():
        try:
            act(posting, form.cleaned_data if form is not None else {})
        except ApplicationError as exc:
            if form is None or exc.code not in _FIELD_CODES.get(form_name, ()):
                messages.error(request, exc.message)
                return redirect("marketplace:my_posting", reference=posting.reference)
            form.add_service_error(exc)
        else:
            messages.success(request, success)
            return redirect("marketplace:my_posting", reference=posting.reference)
    posting.refresh_from_db()
    context = _buyer_context(request, posting, **{form_name: form})
    if context.get(form_name) is not form:
        # The form is no longer offered (the posting moved on meanwhile): say so on the page.
        messages.error(request, _("当前状态下不能进行该操作。"))
        return redirect("marketplace:my_posting", reference=posting.reference)
    return render(request, "marketplace/my_posting.html", context, status=400)


# Errors about what was typed, shown on the form; any other refusal (a state, a deadline, the
# acting rules) is a message on the posting's page.
_FIELD_CODES = {
    "cancel_form": ("reason_required", "reason_too_long"),
    "select_form": ("agency_required", "comment_too_long"),
    "contract_form": ("amount_invalid", "over_budget", "dates_invalid", "note_too_long"),
    "delivery_form": ("note_too_long",),
    "rating_form": ("score_invalid", "comment_too_long"),
}


@login_required
@never_cache
@require_POST
def my_posting_publish(request: HttpRequest, reference: str) -> HttpResponse:
    return _buyer_action(
        request,
        reference,
        act=lambda posting, _data: services.posting_publish(actor=request.user, posting=posting),
        success=_("项目已发布，符合条件的中介机构可以在截止时间前报价。"),
    )


@login_required
@never_cache
@require_POST
def my_posting_cancel(request: HttpRequest, reference: str) -> HttpResponse:
    return _buyer_action(
        request,
        reference,
        form_class=CancelForm,
        form_name="cancel_form",
        act=lambda posting, data: services.posting_cancel(actor=request.user, posting=posting, reason=data["reason"]),
        success=_("项目已取消。"),
    )


@login_required
@never_cache
@require_POST
def my_posting_select(request: HttpRequest, reference: str) -> HttpResponse:
    posting = _buyer_posting(request, reference)
    return _buyer_action(
        request,
        reference,
        form_class=SelectForm,
        form_name="select_form",
        posting=posting,
        act=lambda posting, data: services.posting_select(
            actor=request.user, posting=posting, agency=data.get("agency"), comment=data.get("comment", "")
        ),
        success=_("选取结果已公示。"),
    )


@login_required
@never_cache
@require_POST
def my_posting_contract(request: HttpRequest, reference: str) -> HttpResponse:
    return _buyer_action(
        request,
        reference,
        form_class=ContractForm,
        form_name="contract_form",
        act=lambda posting, data: services.contract_record(
            actor=request.user,
            posting=posting,
            amount_fen=fen(data["amount"]),
            start_date=data["start_date"],
            end_date=data["end_date"],
            note=data["note"],
        ),
        success=_("合同已备案。"),
    )


@login_required
@never_cache
@require_POST
def my_posting_delivery(request: HttpRequest, reference: str) -> HttpResponse:
    return _buyer_action(
        request,
        reference,
        form_class=DeliveryForm,
        form_name="delivery_form",
        act=lambda posting, data: services.delivery_confirm(actor=request.user, posting=posting, note=data["note"]),
        success=_("已确认交付，请对中介机构的服务进行评价。"),
    )


@login_required
@never_cache
@require_POST
def my_posting_rating(request: HttpRequest, reference: str) -> HttpResponse:
    return _buyer_action(
        request,
        reference,
        form_class=RatingForm,
        form_name="rating_form",
        act=lambda posting, data: services.rating_submit(
            actor=request.user, posting=posting, score=data["score"], comment=data["comment"]
        ),
        success=_("感谢您的评价。"),
    )


# --- As an agency -----------------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def agency_register(request: HttpRequest) -> HttpResponse:
    """入驻申请: register an enterprise the user acts for as an agency (or update its details)."""
    if request.method == "POST":
        form = AgencyRegisterForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                agency = services.agency_register(
                    actor=request.user,
                    enterprise=data["enterprise"],
                    contact_name=data["contact_name"],
                    contact_phone=data["contact_phone"],
                    description=data["description"],
                    address=data["address"],
                )
            except ApplicationError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, _("机构信息已提交，请添加服务类型和资质证书，等待监管部门审核。"))
                return redirect("marketplace:my_agency", pk=agency.pk)
        return render(request, "marketplace/agency_register.html", {"form": form}, status=400)
    return render(request, "marketplace/agency_register.html", {"form": AgencyRegisterForm(user=request.user)})


def _own_agency(request: HttpRequest, pk: int):
    agency = selectors.agency_for_user(user=request.user, agency_id=pk)
    if agency is None:
        raise Http404
    return agency


def _agency_context(request: HttpRequest, agency, **forms) -> dict:
    return {
        "agency": agency,
        "services": list(selectors.agency_services(agency=agency)),
        "qualifications": list(selectors.agency_qualifications(agency=agency)),
        "open_postings": list(selectors.postings_open_for_agency(agency=agency)[:PER_PAGE]),
        "quotes": list(selectors.quotes_of_agency(agency=agency)[:PER_PAGE]),
        "service_form": forms.get("service_form") or AgencyServiceForm(),
        "qualification_form": forms.get("qualification_form") or QualificationForm(),
        "today": timezone.localdate(),
    }


@login_required
@never_cache
@require_safe
def my_agency(request: HttpRequest, pk: int) -> HttpResponse:
    agency = _own_agency(request, pk)
    return render(request, "marketplace/my_agency.html", _agency_context(request, agency))


@login_required
@never_cache
@require_POST
def my_agency_service(request: HttpRequest, pk: int) -> HttpResponse:
    """Offer a service type with its fee range, or (``action=remove``) stop offering one."""
    agency = _own_agency(request, pk)
    if request.POST.get("action") == "remove":
        service_type = selectors.service_type_by_code(code=request.POST.get("service_type", "")[:40])
        if service_type is not None:
            try:
                services.agency_service_remove(actor=request.user, agency=agency, service_type=service_type)
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已停止提供该服务类型。"))
        return redirect("marketplace:my_agency", pk=agency.pk)
    form = AgencyServiceForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.agency_service_set(
                actor=request.user,
                agency=agency,
                service_type=data["service_type"],
                fee_min_fen=fen(data["fee_min"]),
                fee_max_fen=fen(data["fee_max"]),
                note=data["note"],
            )
        except ApplicationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("服务类型已保存。"))
            return redirect("marketplace:my_agency", pk=agency.pk)
    context = _agency_context(request, agency, service_form=form)
    return render(request, "marketplace/my_agency.html", context, status=400)


@login_required
@never_cache
@require_POST
def my_agency_qualification(request: HttpRequest, pk: int) -> HttpResponse:
    agency = _own_agency(request, pk)
    form = QualificationForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.qualification_add(
                actor=request.user,
                agency=agency,
                qualification_type=data["qualification_type"],
                grade=data["grade"],
                number=data["number"],
                issuer=data["issuer"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                upload=data["file"] or None,
                certificate_reference=data["certificate_reference"],
            )
        except ApplicationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("资质证书已提交，等待监管部门审核。"))
            return redirect("marketplace:my_agency", pk=agency.pk)
    context = _agency_context(request, agency, qualification_form=form, files_lost=bool(request.FILES))
    return render(request, "marketplace/my_agency.html", context, status=400)


def _agency_posting(request: HttpRequest, pk: int, reference: str):
    agency = _own_agency(request, pk)
    posting = selectors.posting_public(reference=reference)
    if posting is None:
        raise Http404
    return agency, posting


def _agency_posting_context(request: HttpRequest, agency, posting, **forms) -> dict:
    now = timezone.now()
    own = selectors.same_party(agency=agency, posting=posting)
    quote = selectors.quote_of(posting=posting, agency=agency)
    quotes_open = posting.status == PostingStatus.OPEN and not posting.deadline_passed(now)
    reason = None
    if quotes_open and not own:
        code = selectors.agency_ineligibility(agency=agency, posting=posting)
        reason = services.INELIGIBLE_MESSAGES[code]() if code else None
    objection_open = selectors.objection_open(posting=posting, now=now)
    may_object = (
        objection_open and quote is not None and posting.result is not None and posting.result.agency_id != agency.pk
    )
    context = {
        "agency": agency,
        "posting": posting,
        "own_posting": own,
        "quote": quote,
        "quotes_open": quotes_open,
        "deadline_passed": posting.deadline_passed(now),
        "ineligible": reason,
        "may_quote": quotes_open and not own and reason is None,
        "may_object": may_object,
        "objection_open": objection_open,
        "objections": list(selectors.objections_of_agency(agency=agency).filter(posting=posting)),
        "quote_count": selectors.quote_count_public(posting=posting, now=now),
        **_result_context(posting, user=request.user),
    }
    if context["may_quote"]:
        initial = {"amount": yuan(quote.amount_fen), "note": quote.note} if quote else None
        context["quote_form"] = forms.get("quote_form") or QuoteForm(initial=initial)
    if may_object:
        context["objection_form"] = forms.get("objection_form") or ObjectionForm()
    return context


@login_required
@never_cache
@require_safe
def agency_posting(request: HttpRequest, pk: int, reference: str) -> HttpResponse:
    agency, posting = _agency_posting(request, pk, reference)
    return render(request, "marketplace/agency_posting.html", _agency_posting_context(request, agency, posting))


def _agency_action(request, pk, reference, *, form_class, form_name, act, success: str, field_codes):
    agency, posting = _agency_posting(request, pk, reference)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            act(agency, posting, form.cleaned_data)
        except ApplicationError as exc:
            if exc.code not in field_codes:
                messages.error(request, exc.message)
                return redirect("marketplace:agency_posting", pk=agency.pk, reference=posting.reference)
            form.add_service_error(exc)
        else:
            messages.success(request, success)
            return redirect("marketplace:agency_posting", pk=agency.pk, reference=posting.reference)
    context = _agency_posting_context(request, agency, posting, **{form_name: form})
    if context.get(form_name) is not form:
        # The form is no longer offered (the deadline passed meanwhile): say why above the page.
        messages.error(request, _("当前状态下不能进行该操作。"))
        return redirect("marketplace:agency_posting", pk=agency.pk, reference=posting.reference)
    return render(request, "marketplace/agency_posting.html", context, status=400)


@login_required
@never_cache
@require_POST
def agency_quote(request: HttpRequest, pk: int, reference: str) -> HttpResponse:
    return _agency_action(
        request,
        pk,
        reference,
        form_class=QuoteForm,
        form_name="quote_form",
        act=lambda agency, posting, data: services.quote_submit(
            actor=request.user, posting=posting, agency=agency, amount_fen=fen(data["amount"]), note=data["note"]
        ),
        success=_("报价已提交。截止时间前可以修改，截止后不能再修改。"),
        field_codes=("amount_invalid", "over_budget", "note_too_long"),
    )


@login_required
@never_cache
@require_POST
def agency_objection(request: HttpRequest, pk: int, reference: str) -> HttpResponse:
    return _agency_action(
        request,
        pk,
        reference,
        form_class=ObjectionForm,
        form_name="objection_form",
        act=lambda agency, posting, data: services.objection_file(
            actor=request.user, posting=posting, agency=agency, reason=data["reason"]
        ),
        success=_("异议已提交，监管部门将处理并通知您。"),
        field_codes=("reason_required", "reason_too_long"),
    )
