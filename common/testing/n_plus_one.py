"""N+1 detection for the test suite (django-zeal, a development requirement).

Every request the suite makes is one detection scope (:func:`request_scope_middleware`,
first in the test settings' MIDDLEWARE): a relation loaded row by row, or a ``.get()``
repeated from one line while answering one request, raises ``NPlusOneError``.

Test bodies are not a scope: a test calling a service several times, or for several
users, repeats its lookups by design, and that is no N+1.
"""

from zeal import zeal_context
from zeal.listeners import NPlusOneContext, _nplusone_context


def request_scope_middleware(get_response):
    def middleware(request):
        # A fresh context, so that nothing counted around the request carries into it.
        # zeal offers no public way to start one inside another, hence its private context variable.
        outer = _nplusone_context.set(NPlusOneContext())
        try:
            with zeal_context():
                return get_response(request)
        finally:
            _nplusone_context.reset(outer)

    return middleware
