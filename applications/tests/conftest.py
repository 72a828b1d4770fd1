import pytest


@pytest.fixture(autouse=True)
def _holiday_calendar(request):
    """The holiday data its migration installs; transactional tests elsewhere flush it."""
    if not request.node.get_closest_marker("django_db"):
        requested = {"transactional_db", "db"} & set(request.fixturenames)
        if not requested:
            return
        # Set the database up now: this fixture may run before the one that asked for it.
        request.getfixturevalue("transactional_db" if "transactional_db" in requested else "db")
    from applications.calendar import calendar_seed_from_package
    from applications.models import CalendarYear

    if not CalendarYear.objects.filter(year=2026).exists():
        calendar_seed_from_package()


@pytest.fixture
def demo_catalogue(demo_catalogue_rows):
    """The demo catalogue with its application forms (copied rows: conftest.py's demo_catalogue_rows)."""


@pytest.fixture
def make_official(db):
    """``factories.official`` by department code, for tests on the demo catalogue."""
    from applications.tests.factories import official

    def make(department_code: str, **kwargs):
        return official(department=department_code, **kwargs)

    return make
