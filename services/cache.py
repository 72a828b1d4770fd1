"""One generation number for everything rendered from the catalogue.

Pages built from the catalogue (the portal's home, guides, navigation and
search pages), API answers, the synonym list and the search context are cached
with the generation they were built at. Publishing or unpublishing bumps it, so
every cached copy is invalid at once without having to know which keys exist (the local-memory cache of the
embedded default cannot list its keys).

With Redis down, the cache (django-redis, ``IGNORE_EXCEPTIONS``) answers
every read as a miss and skips every write: pages are rendered each time.

The database name is part of every key: several test databases (xdist workers,
other engineers' runs) share one Redis. So is the release
(``CATALOGUE_CACHE_RELEASE``): pages rendered by older code are never served
by newer code. Unset, each process uses its own token, which is always
correct but shares nothing between workers; deployments set it to the release
id so that all web nodes share one copy of each page.
"""

import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection

_PROCESS_RELEASE = uuid.uuid4().hex[:12]


def _release() -> str:
    return getattr(settings, "CATALOGUE_CACHE_RELEASE", "") or _PROCESS_RELEASE


_GENERATION_KEY = "catalogue:generation"


def _namespace() -> str:
    return f"{_GENERATION_KEY}:{connection.settings_dict['NAME']}"


def catalogue_generation() -> int:
    namespace = _namespace()
    generation = cache.get(namespace)
    if generation is None:
        # add() so that concurrent first readers agree on one value.
        cache.add(namespace, 1, timeout=None)
        generation = cache.get(namespace, 1)
    # With Redis down the cache ignores the error and answers None: any number
    # will do, nothing is cached then.
    return int(generation or 1)


def catalogue_changed() -> None:
    """Invalidate every cached page and answer built from the catalogue."""
    namespace = _namespace()
    try:
        cache.incr(namespace)
    except ValueError:
        cache.set(namespace, 2, timeout=None)


# --- Entries that carry their generation ------------------------------------------------
#
# A generation in the key would cost two round trips to Redis for every hit (the
# generation first, then the entry). Every cached read (an anonymous page, an API
# answer, the synonyms, the search context) instead keeps one stable key per thing,
# stores the generation beside the value, and fetches both the current generation
# and the entry in one MGET. An entry from an older generation is a miss and is
# overwritten, so old generations leave nothing behind.


def catalogue_entry_key(*parts: str) -> str:
    """A key for :func:`catalogue_entry_get`/:func:`catalogue_entry_set`; no generation in it."""
    return ":".join(("catalogue-entry", _release(), str(connection.settings_dict["NAME"]), *parts))


def catalogue_entry_get(key: str) -> tuple[Any, int]:
    """The value cached under ``key`` for the current generation (None if missing or
    stale), and the generation to store a freshly built value with: one round trip."""
    namespace = _namespace()
    found = cache.get_many([namespace, key])
    generation = found.get(namespace)
    if generation is None:
        generation = catalogue_generation()
    entry = found.get(key)
    if entry is not None and entry[0] == generation:
        return entry[1], generation
    return None, int(generation)


def catalogue_entry_set(key: str, value: Any, *, generation: int, timeout: int) -> None:
    """Cache ``value`` as built from the catalogue at ``generation`` (from
    :func:`catalogue_entry_get`, read before building, so a publish in between wins)."""
    cache.set(key, (generation, value), timeout=timeout)


def catalogue_entry(key: str, build: Callable[[], Any], *, timeout: int) -> Any:
    """The value cached under ``key`` for the current generation, else ``build()``'s,
    cached (an exception from ``build`` caches nothing)."""
    value, generation = catalogue_entry_get(key)
    if value is None:
        value = build()
        catalogue_entry_set(key, value, generation=generation, timeout=timeout)
    return value
