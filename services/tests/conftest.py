import pytest

from services import demo
from services.cache import catalogue_changed


@pytest.fixture(autouse=True)
def _fresh_catalogue_cache():
    """Each test starts with no cached catalogue pages (they are keyed by generation)."""
    catalogue_changed()


@pytest.fixture
def catalogue(db):
    """The demo catalogue: 67 items, 13 departments, topics, bundles and synonyms."""
    demo.seed()
    # seed() invalidates on commit, which a test's transaction never reaches.
    catalogue_changed()
