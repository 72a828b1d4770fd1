import pytest


@pytest.fixture(autouse=True)
def _test_ping_everywhere(test_ping_template):
    """Every notifications test may send the ``test.ping`` message (root conftest.py)."""
    return test_ping_template
