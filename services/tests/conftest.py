import pytest
from django.core.cache import cache

from services import demo
from services.cache import catalogue_changed


@pytest.fixture(autouse=True)
def _fresh_catalogue_cache():
    """Each test starts with no cached catalogue pages (they are keyed by
    generation) and with no throttle history for the test client's address."""
    catalogue_changed()
    cache.delete_many(["throttle_catalogue_anon_127.0.0.1"])


@pytest.fixture
def catalogue(db):
    """The demo catalogue: 67 items, 13 departments, topics, bundles and synonyms."""
    demo.seed()
    # seed() invalidates on commit, which a test's transaction never reaches.
    catalogue_changed()
