import time

from .metrics import HTTP_REQUEST_DURATION, HTTP_REQUESTS

_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# A path no URL pattern matched (a 404 before any view): one label for all of them.
UNRESOLVED = "<unresolved>"


def view_label(request) -> str:
    """The matched URL pattern's name (``namespace:name``), or the view's dotted path when the
    pattern has no name; never the path itself, which would make a series per URL."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNRESOLVED
    return match.view_name or UNRESOLVED


class MetricsMiddleware:
    """Counts every request and times it, labelled by view name, method and status class.

    Placed early, so the time includes the other middleware; the view name is read after
    the response, once the URL resolver has run (Django sets ``request.resolver_match``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        method = request.method if request.method in _KNOWN_METHODS else "other"
        view = view_label(request)
        HTTP_REQUESTS.labels(view=view, method=method, status=f"{response.status_code // 100}xx").inc()
        HTTP_REQUEST_DURATION.labels(view=view, method=method).observe(elapsed)
        return response
