"""Each worker's own copies of anonymous pages (portal/caching.py): served with no round trip,
retired by a publish in this worker at once and in any other within the window."""

import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from services.cache import LocalEntries, _namespace, catalogue_changed
from services.models import ServiceItem

pytestmark = pytest.mark.django_db

GUIDE = "/services/440100-GA-005/"


def _rename(name: str) -> None:
    # Straight to the table: nothing in this process announces the change.
    ServiceItem.objects.filter(code="440100-GA-005").update(name=name)


def _another_worker_published() -> None:
    # What catalogue_changed() in another process does to the shared cache; this process's
    # memory of the generation is left as it was.
    cache.incr(_namespace())


def test_a_copy_in_memory_serves_without_the_cache_or_the_database(client, catalogue):
    with override_settings(CATALOGUE_MEMORY_SECONDS=60):
        first = client.get(GUIDE).content
        # The shared copies are gone (an eviction), the generation is kept.
        generation = cache.get(_namespace())
        cache.clear()
        cache.set(_namespace(), generation, timeout=None)
        with CaptureQueriesContext(connection) as queries:
            second = client.get(GUIDE).content
    assert second == first
    assert len(queries) == 0


def test_another_workers_publish_retires_the_copies_within_the_window(client, catalogue):
    with override_settings(CATALOGUE_MEMORY_SECONDS=0.3):
        assert "新名称" not in client.get(GUIDE).content.decode()
        _rename("新名称的事项")
        _another_worker_published()
        # Within the window the copy still serves: the documented delay.
        assert "新名称" not in client.get(GUIDE).content.decode()
        time.sleep(0.35)
        assert "新名称的事项" in client.get(GUIDE).content.decode()


def test_a_publish_in_this_worker_retires_its_copies_at_once(client, catalogue):
    with override_settings(CATALOGUE_MEMORY_SECONDS=60):
        client.get(GUIDE)
        _rename("新名称的事项")
        catalogue_changed()
        assert "新名称的事项" in client.get(GUIDE).content.decode()


def test_a_flushed_cache_starts_a_generation_no_copy_was_built_at(client, catalogue):
    client.get(GUIDE)
    _rename("新名称的事项")
    cache.clear()  # the generation is lost too, and begins again
    assert "新名称的事项" in client.get(GUIDE).content.decode()


def test_signed_in_visitors_never_get_a_copy(client, catalogue):
    from identity.tests.factories import UserFactory

    with override_settings(CATALOGUE_MEMORY_SECONDS=60):
        client.get(GUIDE)
        client.force_login(UserFactory())
        with CaptureQueriesContext(connection) as queries:
            client.get(GUIDE)
    assert len(queries) > 0


def test_the_memory_keeps_only_the_most_recently_used_entries():
    entries = LocalEntries(max_entries=2)
    entries.set("a", "A", generation=1)
    entries.set("b", "B", generation=1)
    assert entries.get("a", generation=1) == "A"  # "a" is now the most recent
    entries.set("c", "C", generation=1)
    assert entries.get("b", generation=1) is None
    assert entries.get("a", generation=1) == "A"
    assert entries.get("c", generation=2) is None  # another generation: not served


SEARCH = "/search/?q=%E6%8A%A4%E7%85%A7"  # 护照


def test_a_repeated_search_is_answered_from_memory_and_never_written_to_the_shared_cache(client, catalogue):
    import hashlib

    from services.cache import catalogue_entry_key

    with override_settings(CATALOGUE_MEMORY_SECONDS=60):
        with CaptureQueriesContext(connection) as first_queries:
            first = client.get(SEARCH)
        with CaptureQueriesContext(connection) as second_queries:
            second = client.get(SEARCH)
    assert first.status_code == 200 and "护照" in first.content.decode()
    assert len(first_queries) >= 1
    assert second.content == first.content
    assert len(second_queries) == 0
    # The key a shared copy would have had: no such entry.
    path_hash = hashlib.sha256(SEARCH.encode()).hexdigest()[:32]
    assert cache.get(catalogue_entry_key("page", "zh-hans", path_hash)) is None


def test_a_publish_retires_the_search_answers_in_memory(client, catalogue):
    with override_settings(CATALOGUE_MEMORY_SECONDS=60):
        client.get(SEARCH)
        ServiceItem.objects.filter(name__contains="护照").update(name="出入境证件新办")
        catalogue_changed()
        with CaptureQueriesContext(connection) as queries:
            page = client.get(SEARCH).content.decode()
    # Rendered again, with the new name (the item still matches by its other words).
    assert len(queries) >= 1
    assert "出入境证件新办" in page


def test_a_search_answer_in_memory_serves_for_its_timeout_only(rf):
    from portal.caching import cached_anonymous_page

    answers = iter(range(100))

    @cached_anonymous_page(timeout=1, shared=False)
    def counting_view(request):
        from django.http import HttpResponse

        return HttpResponse(str(next(answers)))

    # Just after a window began, so that the first two requests fall in the same one.
    time.sleep(1 - time.time() % 1 + 0.01)
    first = counting_view(rf.get("/counted/")).content
    assert counting_view(rf.get("/counted/")).content == first
    time.sleep(1.01)
    assert counting_view(rf.get("/counted/")).content != first
