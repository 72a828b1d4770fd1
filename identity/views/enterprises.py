"""Pages for enterprises, agents' mandates and family proxies (代办).

Thin views: a form shapes the input, one service function acts, and its
``ApplicationError`` is shown next to the field it names. Every page needs a
signed-in user; a page about an enterprise is found only among the enterprises
the user represents, so anyone else gets a 404 and learns nothing.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.exceptions import ApplicationError

from .. import selectors_enterprises as selectors
from ..forms_enterprises import (
    RELATIONSHIP_CHOICES,
    EnterpriseDisputeForm,
    EnterpriseRegistrationForm,
    MandateGrantForm,
    ProxyGrantForm,
    end_of_day,
)
from ..models import Enterprise, EnterpriseDispute, EnterpriseStatus, Mandate
from ..services import enterprises as services
from ..services.acting import (
    ACTION_ENTERPRISE_REGISTER,
    ACTION_MANDATE_GRANT,
    ACTION_MANDATE_REVOKE,
    ACTION_PROXY_GRANT,
    ACTION_PROXY_REVOKE,
)
from ..verification import get_enterprise_verifier

ACTING_LOG_PAGE_SIZE = 50
# The proxy page shows the latest actions others took for me; the admin keeps them all.
PROXY_LOG_SIZE = 20
RELATIONSHIP_LABELS = dict(RELATIONSHIP_CHOICES)


def _action_labels() -> dict[str, str]:
    # Built per request so the labels follow the page's language.
    return {
        ACTION_ENTERPRISE_REGISTER: _("登记企业"),
        ACTION_MANDATE_GRANT: _("授权经办人"),
        ACTION_MANDATE_REVOKE: _("撤销经办人授权"),
        ACTION_PROXY_GRANT: _("授权亲友代办"),
        ACTION_PROXY_REVOKE: _("撤销亲友代办授权"),
    }


def _attach_error(form, error: ApplicationError) -> None:
    """Show a service's refusal next to the field it names, or above the form."""
    field = error.extra.get("field")
    form.add_error(field if field in form.fields else None, str(error.message))


def _represented_enterprise(request: HttpRequest, pk: int) -> Enterprise:
    return get_object_or_404(selectors.enterprises_represented_by(user=request.user), pk=pk)


def _verified_enterprise(request: HttpRequest, pk: int) -> Enterprise:
    # Agents and mandates are for verified enterprises only; an unverified one is verified first.
    return get_object_or_404(
        selectors.enterprises_represented_by(user=request.user), pk=pk, status=EnterpriseStatus.VERIFIED
    )


@login_required
@require_GET
def enterprise_list(request: HttpRequest) -> HttpResponse:
    """我的企业: the enterprises I represent or hold a mandate for."""
    enterprises = selectors.enterprises_for_user(user=request.user).prefetch_related(
        Prefetch(
            "mandates",
            queryset=selectors.mandates_held_by(agent=request.user),
            to_attr="my_mandates",
        )
    )
    return render(
        request,
        "identity/enterprises/enterprise_list.html",
        {"enterprises": enterprises, "verifier": get_enterprise_verifier(), "nav": "enterprises"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_register(request: HttpRequest) -> HttpResponse:
    """Register an enterprise as its legal representative."""
    form = EnterpriseRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enterprise = services.enterprise_register(
                representative=request.user, name=form.cleaned_data["name"], uscc=form.cleaned_data["uscc"]
            )
        except ApplicationError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("企业“%(name)s”已登记并通过核验。") % {"name": enterprise.name})
            return redirect("identity:enterprise_agents", pk=enterprise.pk)
    return render(
        request,
        "identity/enterprises/enterprise_register.html",
        {
            "form": form,
            "needs_verification": not request.user.is_real_name_verified,
            "verifier": get_enterprise_verifier(),
            "nav": "enterprises",
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def enterprise_verify(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask the verifier about one of my enterprises registered before verification existed."""
    enterprise = _represented_enterprise(request, pk)
    try:
        services.enterprise_verify(enterprise=enterprise, representative=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("企业“%(name)s”已通过核验。") % {"name": enterprise.name})
    return redirect("identity:enterprise_list")


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_disputes(request: HttpRequest) -> HttpResponse:
    """企业登记异议: challenge someone else's registration of my enterprise; my disputes and their outcome."""
    form = EnterpriseDisputeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.enterprise_dispute_file(
                disputant=request.user, uscc=form.cleaned_data["uscc"], reason=form.cleaned_data["reason"]
            )
        except ApplicationError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("异议已提交，工作人员核实后会通知您。"))
            return redirect("identity:enterprise_disputes")
    disputes = EnterpriseDispute.objects.filter(disputant=request.user).select_related("enterprise")
    return render(
        request,
        "identity/enterprises/enterprise_disputes.html",
        {
            "form": form,
            "disputes": disputes,
            "needs_verification": not request.user.is_real_name_verified,
            "nav": "enterprises",
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_agents(request: HttpRequest, pk: int) -> HttpResponse:
    """An enterprise's agents and mandates (for its legal representative): list and grant."""
    enterprise = _verified_enterprise(request, pk)
    form = MandateGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            mandate = services.mandate_grant(
                enterprise=enterprise,
                granted_by=request.user,
                agent_mobile=data["agent_mobile"],
                service_codes=data["service_codes"],
                all_services=data["all_services"],
                valid_until=end_of_day(data["valid_until"]),
            )
        except ApplicationError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("已授权经办人%(agent)s。") % {"agent": mandate.agent})
            return redirect("identity:enterprise_agents", pk=enterprise.pk)
    now = timezone.now()
    mandates = list(selectors.mandates_for_enterprise(enterprise=enterprise))
    for mandate in mandates:
        mandate.is_active = selectors.grant_is_active(mandate, now=now)
    return render(
        request,
        "identity/enterprises/enterprise_agents.html",
        {"enterprise": enterprise, "mandates": mandates, "form": form, "nav": "enterprises"},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def mandate_revoke(request: HttpRequest, pk: int, mandate_id: int) -> HttpResponse:
    """Revoke one of the enterprise's mandates (a POST button on the agents page)."""
    enterprise = _represented_enterprise(request, pk)
    mandate = get_object_or_404(Mandate.objects.select_related("agent"), pk=mandate_id, enterprise=enterprise)
    services.mandate_revoke(mandate=mandate, revoked_by=request.user)
    messages.success(request, _("已撤销经办人%(agent)s的授权。") % {"agent": mandate.agent})
    return redirect("identity:enterprise_agents", pk=enterprise.pk)


@login_required
@require_GET
def enterprise_acting_log(request: HttpRequest, pk: int) -> HttpResponse:
    """Who acted for the enterprise, newest first (for its legal representative)."""
    enterprise = _represented_enterprise(request, pk)
    page = Paginator(selectors.acting_records_for_enterprise(enterprise=enterprise), ACTING_LOG_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    labels = _action_labels()
    for record in page:
        record.action_label = labels.get(record.action, record.action)
    return render(
        request, "identity/enterprises/acting_log.html", {"enterprise": enterprise, "page": page, "nav": "enterprises"}
    )


@login_required
@require_http_methods(["GET", "POST"])
def proxy_list(request: HttpRequest) -> HttpResponse:
    """亲友代办: who may act for me (grant, revoke) and for whom I may act."""
    form = ProxyGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            authorisation = services.proxy_grant(
                principal=request.user,
                proxy_mobile=data["proxy_mobile"],
                relationship=data["relationship"],
                service_codes=data["service_codes"],
                all_services=data["all_services"],
                valid_until=end_of_day(data["valid_until"]),
            )
        except ApplicationError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("已授权%(proxy)s为您代办。") % {"proxy": authorisation.proxy})
            return redirect("identity:proxy_list")
    now = timezone.now()
    granted = list(selectors.proxies_for(user=request.user))
    held = list(selectors.principals_of(user=request.user))
    for authorisation in (*granted, *held):
        authorisation.is_active = selectors.grant_is_active(authorisation, now=now)
        authorisation.relationship_label = RELATIONSHIP_LABELS.get(
            authorisation.relationship, authorisation.relationship
        )
    labels = _action_labels()
    acted_for_me = list(selectors.acting_records_for_user(user=request.user)[:PROXY_LOG_SIZE])
    for record in acted_for_me:
        record.action_label = labels.get(record.action, record.action)
    return render(
        request,
        "identity/enterprises/proxy_list.html",
        {"form": form, "granted": granted, "held": held, "acted_for_me": acted_for_me, "nav": "proxies"},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def proxy_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke an authorisation I granted, or give up one I hold."""
    authorisation = get_object_or_404(selectors.proxy_authorisations_involving(user=request.user), pk=pk)
    services.proxy_revoke(authorisation=authorisation, revoked_by=request.user)
    messages.success(request, _("已撤销该代办授权。"))
    return redirect("identity:proxy_list")
