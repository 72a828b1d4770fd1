from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST

from .access import metrics_access_allowed
from .exposition import exposition


@transaction.non_atomic_requests
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """The Prometheus exposition (docs/operations.md). Anyone else gets the site's 404, whatever
    the method: the endpoint does not say it exists. Reads neither the session nor the user
    (``/metrics`` is always a stateless request, common/middleware.py)."""
    if not metrics_access_allowed(request):
        raise Http404
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
