import pytest


@pytest.fixture(autouse=True)
def _holiday_calendar(db):
    """Case deadlines are counted on the working-day calendar its migration installs."""
    from applications.calendar import calendar_seed_from_package
    from applications.models import CalendarYear

    if not CalendarYear.objects.filter(year=2026).exists():
        calendar_seed_from_package()
