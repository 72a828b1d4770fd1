"""The resident's page of partners they have authorised, and withdrawing consent (PIPL art. 15)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.exceptions import ApplicationError

from .scopes import PartnerScopes
from .selectors import partner_authorizations_for_user
from .services import partner_authorization_withdraw


@login_required
def authorization_list(request: HttpRequest) -> HttpResponse:
    descriptions = PartnerScopes().get_all_scopes()
    authorizations = [
        {
            "pk": authorization.application_id,
            "name": authorization.application.name or authorization.application.client_id,
            "scopes": [descriptions.get(scope, scope) for scope in authorization.scopes],
            "granted_at": authorization.granted_at,
            "updated_at": authorization.updated_at,
        }
        for authorization in partner_authorizations_for_user(user=request.user)
    ]
    return render(request, "identity/authorizations.html", {"authorizations": authorizations})


@login_required
@require_POST
def authorization_withdraw(request: HttpRequest, application_id: int) -> HttpResponse:
    try:
        partner_authorization_withdraw(user=request.user, application_id=application_id)
    except ApplicationError as error:
        if error.code == "not_found":
            raise Http404 from None
        raise
    messages.success(request, _("已撤回授权，该应用已无法再访问您的信息。"))
    return redirect("identity:authorizations")
