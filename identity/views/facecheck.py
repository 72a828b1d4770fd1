"""Face check (实人认证) pages: the providers' callback, the SANDBOX provider's page, a result page.

Callers (a benefits campaign, a service asking for L3) own the page that asks for consent
and starts the check (``FaceConsentForm`` + ``face_check_start``) and the page the browser
returns to (their ``return_url``, with ``?face_check=<id>``); these views sit in between.
"""

import logging
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from common.problems import problem_response

from ..facecheck import FaceCheckCallbackError, register
from ..facecheck.base import BaseFaceCheckProvider
from ..facecheck.contrib.sandbox import SIGNATURE_HEADER, SandboxResult, sandbox_callback
from ..models import FaceCheck
from ..selectors.facecheck import face_check_for
from ..services.facecheck import face_check_finish

logger = logging.getLogger(__name__)


def sandbox_enabled() -> bool:
    """The sandbox page and its callbacks exist only where the sandbox may run: where it is the
    configured provider (production allows that only on staging) or sandboxes are on (not production)."""
    return settings.FACE_CHECK_PROVIDER == "sandbox" or settings.SANDBOX_GATEWAYS_ENABLED


def return_url_for(check: FaceCheck) -> str:
    """The caller's return URL with ``face_check=<id>`` added to its query."""
    parts = urlsplit(check.return_url or "/")
    query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key != "face_check"]
    query.append(("face_check", str(check.pk)))
    return urlunsplit(("", "", parts.path, urlencode(query), parts.fragment))


def _provider(name: str) -> BaseFaceCheckProvider:
    provider = register.get(name)
    if provider is None or (provider.is_sandbox and not sandbox_enabled()):
        raise Http404
    return provider


def _settle(provider: BaseFaceCheckProvider, request: HttpRequest) -> FaceCheck:
    """Verify and read the provider's callback, then record the outcome.

    :raises FaceCheckCallbackError: an untrusted or unreadable callback, or an unknown session.
    """
    outcome = provider.parse_callback(request)
    try:
        return face_check_finish(provider_name=provider.name, outcome=outcome)
    except FaceCheck.DoesNotExist:
        raise FaceCheckCallbackError("Unknown session.", status=404) from None


@csrf_exempt  # Server to server: authenticated by the provider's signature, not a cookie.
@require_POST
def callback(request: HttpRequest, provider: str) -> HttpResponse:
    """Where a provider posts a session's end (server to server), answered as it expects."""
    try:
        face_provider = _provider(provider)
    except Http404:
        return problem_response(status=404, code="face_provider_unknown", detail="No such face check provider.")
    try:
        _settle(face_provider, request)
    except FaceCheckCallbackError as exc:
        logger.warning("face_check.callback_refused", extra={"provider": provider, "reason": str(exc)})
        return problem_response(status=exc.status, code="face_callback_invalid", detail=str(exc))
    return face_provider.callback_response(ok=True)


@login_required
@require_http_methods(["GET", "POST"])
def browser_return(request: HttpRequest, provider: str) -> HttpResponse:
    """Where a provider sends the browser back (its query says which session, e.g. ``?token=``).

    GET changes nothing: it shows a page whose form posts the same parameters back here (sent
    at once by a script; a button without one). The POST, from the user's own session and
    CSRF-checked, has the provider look the result up server side (``parse_callback`` never
    trusts the parameters alone), records it and sends the browser to the caller's page."""
    face_provider = _provider(provider)
    if not face_provider.callback_is_browser_return:
        raise Http404
    if request.method == "GET":
        fields = [(key, value) for key, value in request.GET.items() if len(key) <= 50 and len(value) <= 500][:10]
        return render(request, "identity/face/return.html", {"fields": fields})
    try:
        check = _settle(face_provider, request)
    except FaceCheckCallbackError as exc:
        logger.warning("face_check.return_refused", extra={"provider": provider, "reason": str(exc)})
        return render(
            request,
            "identity/face/result.html",
            {"check": None, "error": _("无法确认本次人脸识别的结果，请重新发起认证，或选择其他认证方式。")},
            status=exc.status,
        )
    if check.user_id != request.user.pk:
        raise Http404
    return redirect(return_url_for(check))


def _sandbox_check(request: HttpRequest, session_id: str) -> FaceCheck:
    if not sandbox_enabled():
        raise Http404
    check = FaceCheck.objects.filter(provider="sandbox", provider_session_id=session_id, user=request.user).first()
    if check is None:
        raise Http404
    return check


@login_required
@require_http_methods(["GET", "POST"])
def sandbox_page(request: HttpRequest, session_id: str) -> HttpResponse:
    """SANDBOX (沙箱): the pretend camera step of the sandbox provider, for the check's own user.

    The tester picks the result; the page signs it in the sandbox's protocol and hands it to the
    sandbox provider's callback reader (in process, as if its server had posted it), records it,
    then sends the browser to the caller's return URL."""
    check = _sandbox_check(request, session_id)
    if request.method == "POST" and not check.is_finished:
        result = request.POST.get("result", "")
        if result not in SandboxResult.MEANING:
            return render(request, "identity/face/sandbox.html", {"check": check}, status=400)
        body, headers = sandbox_callback(session_id=session_id, result=result)
        outcome = register["sandbox"].read_callback(body, signature=headers[SIGNATURE_HEADER])
        check = face_check_finish(provider_name="sandbox", outcome=outcome)
    if check.is_finished:
        return redirect(return_url_for(check))
    return render(request, "identity/face/sandbox.html", {"check": check})


@login_required
def result(request: HttpRequest, check_id: str) -> HttpResponse:
    """A plain page saying how one's own face check ended (for callers without their own)."""
    check = face_check_for(request.user, check_id)
    if check is None:
        raise Http404
    return render(request, "identity/face/result.html", {"check": check})
