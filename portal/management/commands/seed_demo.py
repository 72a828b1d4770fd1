"""Load the demo data. Idempotent: running it twice changes nothing.

Each app contributes a ``demo.py`` with a ``seed()`` function returning
the accounts it wants printed; this command, in the top layer, calls them in
dependency order.
"""

import contextlib
import logging

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from applications import demo as applications_demo
from certificates import demo as certificates_demo
from complaints import demo as complaints_demo
from dashboard import demo as dashboard_demo
from identity import demo as identity_demo
from identity import demo_enterprises, demo_registries, oauth_demo
from marketplace import demo as marketplace_demo
from partners import demo as partners_demo
from portal import demo_payments
from services import demo as services_demo
from supervision import demo as supervision_demo

# What the demo's in-process tasks log at INFO (one line per task, seven per PDF page) buries the
# accounts this command prints; warnings and errors still show. The embedded default has no broker,
# so kombu's "No hostname was supplied" warning says nothing useful here either.
QUIET_LOGGERS = {
    "celery": logging.WARNING,
    "weasyprint": logging.WARNING,
    "fontTools": logging.WARNING,
    "kombu": logging.ERROR,
}


@contextlib.contextmanager
def quiet_logging(levels: dict[str, int]):
    loggers = {name: logging.getLogger(name) for name in levels}
    previous = {name: logger.level for name, logger in loggers.items()}
    for name, logger in loggers.items():
        logger.setLevel(levels[name])
    try:
        yield
    finally:
        for name, logger in loggers.items():
            logger.setLevel(previous[name])


class Command(BaseCommand):
    help = "Create or update the demo data (idempotent) and print the demo accounts."

    def add_arguments(self, parser):
        # Catalogue: synthetic items for performance work (seed_demo --services 10000).
        parser.add_argument(
            "--services", type=int, default=0, help="Also make sure N synthetic service items exist (performance work)."
        )

    def handle(self, *args, **options):
        with quiet_logging(QUIET_LOGGERS):
            accounts, catalogue = self._seed(services=options["services"])

        self.stdout.write(self.style.SUCCESS("演示数据已就绪 / Demo data ready."))
        for line in catalogue:
            self.stdout.write(line)
        self.stdout.write("演示账号 / Demo accounts (demo only, never use in production):")
        for account in accounts:
            self.stdout.write(f"  - {account}")

    def _seed(self, *, services: int) -> tuple[list[str], list[str]]:
        with transaction.atomic():
            accounts = identity_demo.seed()
            accounts += demo_enterprises.seed()
            accounts += demo_registries.seed()
            accounts += oauth_demo.seed()
            accounts += partners_demo.seed()
        # The catalogue commits on its own: a synthetic run of 10,000 items is bulk work.
        catalogue = services_demo.seed(services=services)
        # The demo cases' past steps are not texted: their SMS stay in memory.
        with override_settings(SMS_BACKEND="common.sms.backends.locmem.LocmemSmsBackend"), transaction.atomic():
            # E-certificate types and the demo holders' certificates come before the demo cases,
            # whose approvals issue certificates through the same path as any approval.
            accounts += certificates_demo.seed()
            accounts += applications_demo.seed()
            # The passport fee, payable through the payment SANDBOX.
            accounts += demo_payments.seed()
            # Ratings (好差评) of the demo cases, one bad rating in rectification.
            accounts += complaints_demo.seed()
            # Yellow and red cards (电子监察) on two demo cases; official-amr supervises.
            accounts += supervision_demo.seed()
            # The intermediary marketplace (中介超市): agencies, open and concluded postings, ratings.
            accounts += marketplace_demo.seed()
        # Last: the supervision dashboard's summary, computed from everything seeded above.
        with transaction.atomic():
            accounts += dashboard_demo.seed()
        return accounts, catalogue
