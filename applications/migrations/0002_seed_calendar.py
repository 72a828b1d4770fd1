from django.db import migrations


def seed(apps, schema_editor):
    """Copy chinesecalendar's holidays and make-up workdays (2004–2026) into the tables."""
    from applications.calendar import calendar_seed_from_package

    calendar_seed_from_package(
        day_model=apps.get_model("applications", "CalendarDay"),
        year_model=apps.get_model("applications", "CalendarYear"),
    )


class Migration(migrations.Migration):
    dependencies = [("applications", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
