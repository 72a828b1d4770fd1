"""Anonymous pages cached as rendered bytes under explicit keys.

Per PITFALLS ("Performance"), a page kept as bytes under one key serves far
more requests than ``cache_page``. A page is served from the cache only to a
visitor without a session cookie, so nothing personal is ever cached or
served. The key is explicit: the language and the full path
(``services.cache.catalogue_entry_key``); the entry carries the catalogue
generation it was rendered at, so publishing invalidates every copy at once, and
a hit costs one round trip to Redis (the generation and the page in one MGET).

Each worker also keeps the pages it served last in its own memory
(``CATALOGUE_PAGE_MEMORY_ENTRIES``), served without any round trip while the
generation it last read, at most ``CATALOGUE_MEMORY_SECONDS`` ago, is the
one they were rendered at: a publish reaches every worker's copies within that
time (and the publishing worker's at once). On a cached page, the round trip to
Redis was four tenths of the request's time in a profile.

Search answers (``shared=False``) are kept in each worker's memory only, for at most their
timeout. They are keyed by whatever visitors type, so the shared copies were mostly written and
never read again: every uncached search paid two round trips (looking for a shared copy and
writing one; Redis's CPU per search fell from 0.16 to 0.015 ms without them), and they filled
the Redis that may also be the broker. A worker still answers a term it was asked for within
the timeout from memory, and the search itself runs one query.
"""

import functools
import hashlib
import time

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language

from services.cache import (
    LocalEntries,
    catalogue_entry_get,
    catalogue_entry_key,
    catalogue_entry_set,
    catalogue_generation_recent,
    catalogue_memory_get,
)

PAGE_TIMEOUT = 3600
# Search answers are keyed by whatever visitors type, so they live briefly (and only in a
# worker's memory: ``shared=False``).
SEARCH_TIMEOUT = 120
# A page larger than this is not kept in a worker's memory (the cache still has a shared one).
MEMORY_PAGE_MAX_BYTES = 512 * 1024

_memory_pages = LocalEntries(settings.CATALOGUE_PAGE_MEMORY_ENTRIES)
# Apart from the pages above, so that a stream of different searches never pushes the guides
# and the home page out of a worker's memory.
_memory_searches = LocalEntries(settings.CATALOGUE_SEARCH_MEMORY_ENTRIES)


def _is_anonymous(request: HttpRequest) -> bool:
    # Reading request.user would load the session; its cookie's absence is enough.
    # A pending flash message (cookie storage) must be shown, so it disables the cache too.
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and CookieStorage.cookie_name not in request.COOKIES


def cached_anonymous_page(view=None, *, timeout: int = PAGE_TIMEOUT, shared: bool = True):
    """Serve ``view``'s 200 answers to anonymous GETs from the cache for ``timeout`` seconds.

    ``shared=False``: from this worker's memory only, never from or to Redis (search answers;
    see the module's docstring)."""
    if view is None:
        return functools.partial(cached_anonymous_page, timeout=timeout, shared=shared)

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method != "GET" or not _is_anonymous(request):
            return view(request, *args, **kwargs)
        path_hash = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
        if not shared:
            return _memory_only(request, view, args, kwargs, path_hash, timeout)
        key = catalogue_entry_key("page", get_language(), path_hash)
        cached = catalogue_memory_get(_memory_pages, key)
        if cached is not None:
            return HttpResponse(cached[0], content_type=cached[1])
        cached, generation = catalogue_entry_get(key)
        if cached is not None:
            _keep_in_memory(key, cached, generation, memory=_memory_pages)
            return HttpResponse(cached[0], content_type=cached[1])
        response = view(request, *args, **kwargs)
        page = _cacheable_page(response)
        if page is not None:
            catalogue_entry_set(key, page, generation=generation, timeout=timeout)
            _keep_in_memory(key, page, generation, memory=_memory_pages)
        return response

    # Catalogue pages only read: no transaction (and no connection at all on a cache hit).
    return transaction.non_atomic_requests(wrapper)


def _memory_only(request, view, args, kwargs, path_hash: str, timeout: int) -> HttpResponse:
    # The time window is part of the key: a copy serves for at most ``timeout`` seconds (the
    # ranking follows popularity, which changes without a publish), and then is pushed out.
    window = int(time.time() // timeout)
    key = catalogue_entry_key("page", get_language(), path_hash, str(window))
    # Read once, before the view runs, so that a publish while it renders wins. None (Redis
    # down): nothing could tell a copy's age, so none is served or kept.
    generation = catalogue_generation_recent(settings.CATALOGUE_MEMORY_SECONDS)
    if generation is None:
        return view(request, *args, **kwargs)
    cached = _memory_searches.get(key, generation)
    if cached is not None:
        return HttpResponse(cached[0], content_type=cached[1])
    response = view(request, *args, **kwargs)
    page = _cacheable_page(response)
    if page is not None:
        _keep_in_memory(key, page, generation, memory=_memory_searches)
    return response


def _cacheable_page(response: HttpResponse) -> tuple[bytes, str] | None:
    if response.status_code != 200 or response.cookies or response.streaming:
        return None
    if hasattr(response, "render"):
        response.render()
    return response.content, response["Content-Type"]


def _keep_in_memory(key: str, page: tuple[bytes, str], generation: int, *, memory: LocalEntries) -> None:
    if len(page[0]) <= MEMORY_PAGE_MAX_BYTES:
        memory.set(key, page, generation)
