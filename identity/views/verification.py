from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from common.exceptions import ApplicationError

from ..forms import VerifyIdentityForm
from ..services.verification import real_name_verify
from ..verification import get_verifier


@sensitive_post_parameters("id_number")
@login_required
@require_http_methods(["GET", "POST"])
def verify_identity(request: HttpRequest) -> HttpResponse:
    if request.user.is_real_name_verified:
        return render(request, "identity/verify_done.html")
    form = VerifyIdentityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            real_name_verify(user=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            field = "id_number" if exc.code.startswith("id_number") else None
            form.add_error(field, exc.message)
        else:
            messages.success(request, _("实名认证成功。"))
            return redirect("identity:eid")
    status = 400 if request.method == "POST" else 200
    return render(request, "identity/verify.html", {"form": form, "verifier": get_verifier()}, status=status)
