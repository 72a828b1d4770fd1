"""Rotate the certificate signing key. Old keys stay published and keep verifying."""

from django.core.management.base import BaseCommand

from certificates.signing import signing_key_rotate


class Command(BaseCommand):
    help = "Retire the current e-certificate signing key and create a new one (old certificates stay valid)."

    def handle(self, *args, **options):
        key = signing_key_rotate()
        self.stdout.write(self.style.SUCCESS(f"New signing key: {key.kid}"))
