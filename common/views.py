"""Health endpoints and the site-wide error pages.

Error pages answer in the page's language for browsers and as problem+json
for API paths; neither ever carries a traceback.
"""

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET

from .health import run_readiness_checks
from .problems import problem_response


@transaction.non_atomic_requests
@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Touches nothing else."""
    return JsonResponse({"status": "ok"})


@transaction.non_atomic_requests
@never_cache
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: 200 only when the database, cache and broker all answer."""
    healthy, checks = run_readiness_checks()
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503
    )


def _wants_problem_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def error_response(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    """An error in the page's language, or problem+json for API callers."""
    if _wants_problem_json(request):
        return problem_response(status=status, code=code, detail=message)
    return render(request, "errors/error.html", {"status": status, "message": message}, status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    return error_response(request, 400, "bad_request", _("请求无效，请检查后重试。"))


@requires_csrf_token
def permission_denied(request, exception=None):
    return error_response(request, 403, "permission_denied", _("您没有权限访问此页面。"))


@requires_csrf_token
def page_not_found(request, exception=None):
    return error_response(request, 404, "not_found", _("您访问的页面不存在。"))


@requires_csrf_token
def server_error(request):
    message = _("服务暂时不可用，请稍后再试。")
    if _wants_problem_json(request):
        return problem_response(status=500, code="server_error", detail=message)
    # A standalone template with no URL reversing or context processors: whatever
    # failed may fail again while rendering the error page.
    body = loader.get_template("errors/500.html").render({"message": message})
    return HttpResponseServerError(body)
