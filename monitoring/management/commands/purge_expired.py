from django.core.management.base import BaseCommand, CommandError

from monitoring.retention import RetentionFloorError, registry, retention_run


class Command(BaseCommand):
    help = "Delete what the retention policies say may go (monitoring/retention_policies.py)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would go; delete nothing.")
        parser.add_argument(
            "--policy",
            action="append",
            dest="policies",
            metavar="NAME",
            help=f"Only this policy (repeatable). One of: {', '.join(registry.names())}.",
        )

    def handle(self, *args, dry_run=False, policies=None, **options):
        unknown = [name for name in policies or () if name not in registry]
        if unknown:
            raise CommandError(f"unknown policy: {', '.join(unknown)} (known: {', '.join(registry.names())})")
        verb = "would delete" if dry_run else "deleted"
        refused = []
        for name in policies or registry.names():
            try:
                (result,) = retention_run(dry_run=dry_run, names=[name])
            except RetentionFloorError as exc:
                # The others still run; the command fails at the end.
                self.stderr.write(f"{name}: refused: {exc}")
                refused.append(name)
                continue
            policy = registry.get(name)
            detail = ", ".join(f"{label} {count}" for label, count in result.counts.items())
            self.stdout.write(
                f"{name}: {verb} {result.total} "
                f"(older than {result.cutoff:%Y-%m-%d %H:%M} UTC, {policy.age_setting}; {detail})"
            )
        if refused:
            raise CommandError(f"refused by the audit floor: {', '.join(refused)}")
