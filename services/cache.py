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

import threading
import time
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


def _first_generation() -> int:
    # A generation lost with the cache (a flush, an eviction) starts again from the clock, not
    # from 1, so it never equals one a copy kept elsewhere (a worker's memory) was built at.
    return time.time_ns() // 1000


def catalogue_generation() -> int:
    namespace = _namespace()
    generation = cache.get(namespace)
    if generation is None:
        # add() so that concurrent first readers agree on one value.
        cache.add(namespace, _first_generation(), timeout=None)
        generation = cache.get(namespace, 1)
    # With Redis down the cache ignores the error and answers None: any number
    # will do, nothing is cached then.
    return int(generation or 1)


def catalogue_changed() -> None:
    """Invalidate every cached page and answer built from the catalogue."""
    namespace = _namespace()
    _recent_generations.pop(namespace, None)
    try:
        cache.incr(namespace)
    except ValueError:
        cache.set(namespace, _first_generation(), timeout=None)


# The generation as this process last read it, per database: {namespace: (generation, read at)}.
_recent_generations: dict[str, tuple[int, float]] = {}


def catalogue_generation_recent(max_age: float) -> int | None:
    """The current generation, as read from the cache at most ``max_age`` seconds ago by this
    process (read again when older). None when the cache does not answer (Redis down, or the
    generation not yet set): the caller then has no generation to trust.

    Another process's :func:`catalogue_changed` reaches this one within ``max_age``; this
    process's own at once."""
    namespace = _namespace()
    now = time.monotonic()
    recent = _recent_generations.get(namespace)
    if recent is not None and now - recent[1] < max_age:
        return recent[0]
    generation = cache.get(namespace)
    if generation is None:
        _recent_generations.pop(namespace, None)
        return None
    _recent_generations[namespace] = (int(generation), now)
    return int(generation)


class LocalEntries:
    """A bounded least-recently-used store of values with the generation they were built at,
    in this process's memory: a hit costs no round trip to the cache at all.

    Pair it with :func:`catalogue_generation_recent`: an entry serves only while its generation is
    the current one, so a publish anywhere retires every process's copies within that function's
    ``max_age``."""

    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self._entries: dict[str, tuple[int, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, generation: int) -> Any:
        with self._lock:
            entry = self._entries.pop(key, None)
            if entry is None or entry[0] != generation:
                return None
            self._entries[key] = entry  # most recently used last
            return entry[1]

    def set(self, key: str, value: Any, generation: int) -> None:
        with self._lock:
            self._entries.pop(key, None)
            self._entries[key] = (generation, value)
            while len(self._entries) > self.max_entries:
                del self._entries[next(iter(self._entries))]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


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


def catalogue_memory_get(memory: "LocalEntries", key: str) -> Any:
    """The value ``memory`` keeps under ``key`` if it was built at the current generation, as
    :func:`catalogue_generation_recent` knows it (``CATALOGUE_MEMORY_SECONDS``); else None."""
    recent = catalogue_generation_recent(settings.CATALOGUE_MEMORY_SECONDS)
    return None if recent is None else memory.get(key, recent)


def catalogue_entry(key: str, build: Callable[[], Any], *, timeout: int, memory: "LocalEntries | None" = None) -> Any:
    """The value cached under ``key`` for the current generation, else ``build()``'s,
    cached (an exception from ``build`` caches nothing).

    With ``memory``, the value is also kept in this process and served from there while
    :func:`catalogue_generation_recent` (``CATALOGUE_MEMORY_SECONDS``) says it is current: no
    round trip, no unpickling. Callers must treat such a shared value as read-only."""
    if memory is not None and (value := catalogue_memory_get(memory, key)) is not None:
        return value
    value, generation = catalogue_entry_get(key)
    if value is None:
        value = build()
        catalogue_entry_set(key, value, generation=generation, timeout=timeout)
    if memory is not None:
        memory.set(key, value, generation)
    return value
