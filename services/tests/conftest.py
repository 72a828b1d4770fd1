import secrets

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api():
    # Throttle counters live in the shared Redis, keyed by address: a fresh one
    # per test keeps concurrent runs from counting against each other.
    return APIClient(REMOTE_ADDR="10.{}.{}.{}".format(*secrets.token_bytes(3)))
