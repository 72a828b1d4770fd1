# The holiday calendar (transactional tests elsewhere flush it) and the applications fixtures.
from applications.tests.conftest import _holiday_calendar  # noqa: F401 - an autouse fixture
