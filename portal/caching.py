"""Anonymous pages cached as rendered bytes under explicit keys.

Per PITFALLS ("Performance"), a page kept as bytes under one key serves far
more requests than ``cache_page``. A page is served from the cache only to a
visitor without a session cookie, so nothing personal is ever cached or
served. The key is explicit: the language and the full path
(``services.cache.catalogue_entry_key``); the entry carries the catalogue
generation it was rendered at, so publishing invalidates every copy at once, and
a hit costs one round trip to Redis (the generation and the page in one MGET).
"""

import functools
import hashlib

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language

from services.cache import catalogue_entry_get, catalogue_entry_key, catalogue_entry_set

PAGE_TIMEOUT = 3600
# Search answers are keyed by whatever visitors type, so they live briefly:
# the cache Redis may also be the broker, which must never run out of memory.
SEARCH_TIMEOUT = 120


def _is_anonymous(request: HttpRequest) -> bool:
    # Reading request.user would load the session; its cookie's absence is enough.
    # A pending flash message (cookie storage) must be shown, so it disables the cache too.
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and CookieStorage.cookie_name not in request.COOKIES


def cached_anonymous_page(view=None, *, timeout: int = PAGE_TIMEOUT):
    """Serve ``view``'s 200 answers to anonymous GETs from the cache for ``timeout`` seconds."""
    if view is None:
        return functools.partial(cached_anonymous_page, timeout=timeout)

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method != "GET" or not _is_anonymous(request):
            return view(request, *args, **kwargs)
        path_hash = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
        key = catalogue_entry_key("page", get_language(), path_hash)
        cached, generation = catalogue_entry_get(key)
        if cached is not None:
            content, content_type = cached
            return HttpResponse(content, content_type=content_type)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.cookies and not response.streaming:
            if hasattr(response, "render"):
                response.render()
            catalogue_entry_set(
                key, (response.content, response["Content-Type"]), generation=generation, timeout=timeout
            )
        return response

    # Catalogue pages only read: no transaction (and no connection at all on a cache hit).
    return transaction.non_atomic_requests(wrapper)
