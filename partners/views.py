"""The partner space (合作方空间): apply, follow the decision, manage clients.

Thin views: the rules are in :mod:`partners.services`; who may see which partner
is :func:`partners.selectors.partners_for_user`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.exceptions import ApplicationError
from identity.oauth.selectors import oauth_client_keys, oauth_client_secret_status

from . import selectors, services
from .forms import ClientCreateForm, PartnerApplyForm, PublicKeyForm, RedirectUrisForm
from .models import ClientEnvironment


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
            "may_create_client": bool(_environments(partner)),
        },
    )


# --- Clients -------------------------------------------------------------------------------


def _environments(partner) -> list[tuple[str, str]]:
    return [
        (value, label) for value, label in ClientEnvironment.choices if services.client_environment_open(partner, value)
    ]


def _client_for_request(request: HttpRequest, pk: int, client_pk: int):
    partner = partner_for_request(request, pk)
    return partner, get_object_or_404(selectors.partner_clients(partner=partner), pk=client_pk)


def _no_store(response: HttpResponse) -> HttpResponse:
    # A page showing a secret once must not stay in a cache or the browser's history.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def client_create(request: HttpRequest, pk: int) -> HttpResponse:
    partner = partner_for_request(request, pk)
    form = ClientCreateForm(request.POST or None, environments=_environments(partner))
    if request.method == "POST" and form.is_valid():
        try:
            client, secret = services.partner_client_create(partner=partner, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            _attach_error(form, error)
        else:
            if secret is None:
                messages.success(request, _("应用已创建。请登记公钥后使用。"))
                return redirect("partners:client", pk=partner.pk, client_pk=client.pk)
            return _no_store(_client_page(request, partner, client, secret=secret))
    return render(
        request, "partners/client_create.html", {"partner": partner, "form": form}, status=400 if form.errors else 200
    )


def _client_page(request, partner, client, *, secret=None, uris_form=None, key_form=None, status=200):
    application = client.application
    context = {
        "partner": partner,
        "client": client,
        "application": application,
        "secret": secret,
        "secret_status": oauth_client_secret_status(application=application),
        "keys": oauth_client_keys(application=application, include_revoked=True),
        "uris_form": uris_form or RedirectUrisForm(initial={"redirect_uris": application.redirect_uris}),
        "key_form": key_form or PublicKeyForm(),
        "token_endpoint": request.build_absolute_uri("/o/token/"),
    }
    return render(request, "partners/client.html", context, status=status)


@login_required
@require_GET
def client_detail(request: HttpRequest, pk: int, client_pk: int) -> HttpResponse:
    partner, client = _client_for_request(request, pk, client_pk)
    return _client_page(request, partner, client)


@login_required
@require_POST
def client_redirect_uris(request: HttpRequest, pk: int, client_pk: int) -> HttpResponse:
    partner, client = _client_for_request(request, pk, client_pk)
    form = RedirectUrisForm(request.POST)
    if form.is_valid():
        try:
            services.partner_client_redirect_uris_set(
                client=client, actor=request.user, redirect_uris=form.cleaned_data["redirect_uris"]
            )
        except ApplicationError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("回调地址已保存。"))
            return redirect("partners:client", pk=partner.pk, client_pk=client.pk)
    return _client_page(request, partner, client, uris_form=form, status=400)


@login_required
@require_POST
def client_secret_rotate(request: HttpRequest, pk: int, client_pk: int) -> HttpResponse:
    partner, client = _client_for_request(request, pk, client_pk)
    try:
        secret = services.partner_client_secret_rotate(client=client, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("partners:client", pk=partner.pk, client_pk=client.pk)
    return _no_store(_client_page(request, partner, client, secret=secret))


@login_required
@require_POST
def client_key_add(request: HttpRequest, pk: int, client_pk: int) -> HttpResponse:
    partner, client = _client_for_request(request, pk, client_pk)
    form = PublicKeyForm(request.POST)
    if form.is_valid():
        try:
            key = services.partner_client_key_add(
                client=client, actor=request.user, public_jwk=form.cleaned_data["public_jwk"]
            )
        except ApplicationError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("公钥已登记（kid：%(kid)s）。") % {"kid": key.kid})
            return redirect("partners:client", pk=partner.pk, client_pk=client.pk)
    return _client_page(request, partner, client, key_form=form, status=400)


@login_required
@require_POST
def client_key_revoke(request: HttpRequest, pk: int, client_pk: int, key_pk: int) -> HttpResponse:
    partner, client = _client_for_request(request, pk, client_pk)
    try:
        services.partner_client_key_revoke(client=client, actor=request.user, key_id=key_pk)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("公钥已停用。"))
    return redirect("partners:client", pk=partner.pk, client_pk=client.pk)


@login_required
@require_POST
def client_use_private_key_jwt(request: HttpRequest, pk: int, client_pk: int) -> HttpResponse:
    partner, client = _client_for_request(request, pk, client_pk)
    try:
        services.partner_client_use_private_key_jwt(client=client, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已改用私钥签名 JWT 认证，客户端密钥已全部停用。"))
    return redirect("partners:client", pk=partner.pk, client_pk=client.pk)
