import pytest

from services import demo


@pytest.fixture
def catalogue(db):
    """The demo catalogue: 67 items, 13 departments, topics, bundles and synonyms."""
    demo.seed()
