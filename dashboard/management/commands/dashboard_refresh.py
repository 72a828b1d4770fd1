import datetime

from django.core.management.base import BaseCommand

from dashboard.services import summary_rebuild, summary_refresh, summary_refresh_recent


class Command(BaseCommand):
    help = "Recompute the dashboard's summary: the recent days (as beat), --since a date, or --all."

    def add_arguments(self, parser):
        parser.add_argument("--since", type=datetime.date.fromisoformat, help="First day to recompute (YYYY-MM-DD).")
        parser.add_argument("--all", action="store_true", help="Every day since the first submitted case.")

    def handle(self, *args, **options):
        if options["all"]:
            days = summary_rebuild()
        elif options["since"]:
            days = summary_refresh(first_day=options["since"])
        else:
            days = summary_refresh_recent()
        self.stdout.write(f"{days} day(s) recomputed.")
