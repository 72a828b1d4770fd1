from django.db import migrations


def seed(apps, schema_editor):
    """Copy chinesecalendar's holidays and make-up workdays (2004–2026) into the tables."""
    import chinese_calendar

    CalendarDay = apps.get_model("applications", "CalendarDay")
    CalendarYear = apps.get_model("applications", "CalendarYear")
    rows = [CalendarDay(date=day, kind="holiday", name=str(name)) for day, name in chinese_calendar.holidays.items()]
    rows += [CalendarDay(date=day, kind="workday", name=str(name)) for day, name in chinese_calendar.workdays.items()]
    CalendarDay.objects.bulk_create(rows, ignore_conflicts=True)
    for year in sorted({day.year for day in chinese_calendar.holidays}):
        CalendarYear.objects.get_or_create(year=year, defaults={"source": "chinesecalendar 1.11.0"})


class Migration(migrations.Migration):
    dependencies = [("applications", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
