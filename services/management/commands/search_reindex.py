"""Rewrite every published item's search document (after an upgrade or a bulk change)."""

from django.core.management.base import BaseCommand

from services.services import catalogue_search_reindex, synonym_groups_add_defaults


class Command(BaseCommand):
    help = "Rewrite the search documents of all published service items."

    def add_arguments(self, parser):
        parser.add_argument(
            "--default-synonyms",
            action="store_true",
            help="First add the missing synonym groups of services/data/synonyms.txt.",
        )

    def handle(self, *args, **options):
        if options["default_synonyms"]:
            added = synonym_groups_add_defaults()
            self.stdout.write(f"Synonym groups added: {added}")
        rewritten = catalogue_search_reindex()
        self.stdout.write(self.style.SUCCESS(f"Search documents rewritten: {rewritten}"))
