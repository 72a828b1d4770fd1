"""Build a benchmark dataset: the demo data, then residents, applications and their
transitions at scale, written with PostgreSQL ``COPY`` through psycopg 3.

Run inside Tongban's production settings (``python -m bench.data small|large``; the
runner does this). A dataset is kept between runs: a fingerprint row records what
was built, and an unchanged dataset is only migrated, never rebuilt.
"""

import contextlib
import datetime
import hashlib
import io
import json
import os
import sys
import time
import urllib.parse

import psycopg

from bench.environment import DATASETS, SERVER_URL, Dataset

# Bump when what the builder writes changes: every dataset is rebuilt on the next run.
BUILDER_VERSION = 3
CASE_PREFIX = "BENCH"
RESIDENT_MOBILE_BASE = 15_000_000_000

# Where each application ends up, and the status path that leads there (with its weight).
PATHS: list[tuple[int, tuple[str, ...]]] = [
    (52, ("draft", "submitted", "accepted", "in_review", "approved", "concluded")),
    (10, ("draft", "submitted", "accepted", "in_review", "approved")),
    (9, ("draft", "submitted")),
    (7, ("draft", "submitted", "accepted")),
    (7, ("draft", "submitted", "accepted", "in_review")),
    (4, ("draft", "submitted", "accepted", "in_review", "supplement_requested")),
    (4, ("draft", "submitted", "accepted", "in_review", "denied")),
    (4, ("draft", "submitted", "refused")),
    (3, ("draft", "submitted", "withdrawn")),
]
# pg_trgm indexes Chinese only under a UTF-8-aware ctype (PITFALLS.md).
CREATE_OPTIONS = "TEMPLATE template0 ENCODING 'UTF8' LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8'"
WEIGHTED_PATHS = [path for weight, path in PATHS for _ in range(weight)]


# The keys the stored rows were written with (encrypted fields, blind indexes): a dataset built
# under other keys (var/bench/ deleted, a fresh checkout) cannot be read, so it is rebuilt.
DATA_KEYS = ("FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY")


def fingerprint(dataset: Dataset) -> str:
    """Runs in the Tongban environment (``bench.environment.tongban_environment``), which holds the keys."""
    keys = hashlib.sha256("\n".join(os.environ[name] for name in DATA_KEYS).encode()).hexdigest()
    spec = {"builder": BUILDER_VERSION, "dataset": dataset.__dict__, "keys": keys}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def _database_name(database_url: str) -> str:
    return urllib.parse.urlparse(database_url).path.lstrip("/")


def stored_fingerprint(dataset: Dataset) -> str | None:
    try:
        with psycopg.connect(dataset.database_url, connect_timeout=5) as connection:
            row = connection.execute(
                "SELECT value FROM bench_fingerprint WHERE name = 'dataset'"
                if connection.execute("SELECT to_regclass('bench_fingerprint')").fetchone()[0]
                else "SELECT NULL"
            ).fetchone()
            return row[0] if row else None
    except psycopg.OperationalError:
        return None


def recreate_database(dataset: Dataset) -> None:
    name = _database_name(dataset.database_url)
    with psycopg.connect(SERVER_URL, autocommit=True) as connection:
        # Only ever our own tongban_bench_* names (checked in environment.database_url).
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}" {CREATE_OPTIONS}')


def ensure_database(database_url: str) -> None:
    """Create the benchmark database ``database_url`` names, unless it exists (it is kept between runs)."""
    name = _database_name(database_url)
    with psycopg.connect(SERVER_URL, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            connection.execute(f'CREATE DATABASE "{name}" {CREATE_OPTIONS}')


# --- COPY rows -------------------------------------------------------------------------


def _copy_text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if hasattr(value, "obj"):  # psycopg's Json/Jsonb wrapper
        value = json.dumps(value.obj, ensure_ascii=False)
    elif isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def template_row(instance, connection) -> dict[str, str]:
    """Every concrete column of ``instance`` as COPY text, as Django would save it.

    Columns are read from the model, so a column another change adds is written
    with its model default instead of breaking the builder.
    """
    values = {}
    for field in instance._meta.concrete_fields:
        if getattr(field, "generated", False):
            continue
        value = field.get_db_prep_save(field.pre_save(instance, add=True), connection)
        values[field.column] = _copy_text(value)
    return values


def copy_rows(table: str, columns: list[str], lines, *, connection) -> int:
    """COPY tab-separated ``lines`` (strings without newline) into ``table``."""
    count = 0
    with (
        connection.cursor() as cursor,
        cursor.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN"  # names from our models
        ) as copy,
    ):
        buffer = io.StringIO()
        for line in lines:
            buffer.write(line)
            buffer.write("\n")
            count += 1
            if count % 20_000 == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())
    return count


def _set_sequence(table: str, connection) -> None:
    with connection.cursor() as cursor:
        # The table name comes from our own models.
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608


# --- the dataset ------------------------------------------------------------------------


def build(dataset: Dataset) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction

    from applications.models import Application, Transition
    from services.models import ServiceItem

    started = time.monotonic()
    call_command("migrate", "--noinput", "-v0")
    print(f"  [{dataset.name}] demo data and {dataset.items} service items …", flush=True)
    call_command("seed_demo", "--services", str(dataset.items), stdout=io.StringIO())
    User = get_user_model()
    connection.ensure_connection()
    raw = connection.connection  # psycopg's own connection, for COPY

    now = datetime.datetime.now(tz=datetime.UTC).replace(microsecond=0)
    with transaction.atomic():
        # The rows are generated consistent (every reference points at a row written before it);
        # checking millions of deferred foreign keys at COMMIT would take longer than writing them.
        # Needs a superuser; without one the checks run, only slower.
        with connection.cursor() as cursor, contextlib.suppress(Exception), transaction.atomic():
            cursor.execute("SET LOCAL session_replication_role = replica")
        # Residents: real-name verified accounts signing in by mobile number.
        template = template_row(
            User(
                username="x",
                password="!unusable",  # noqa: S106 - an unusable password: the benchmark signs in by session
                assurance_level=2,
                verified_at=now,
                verification_provider="sandbox",
                date_joined=now,
            ),
            connection,
        )
        columns = list(template)
        first_id = (User.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1

        def resident_lines():
            for number in range(dataset.residents):
                row = dict(template)
                mobile = str(RESIDENT_MOBILE_BASE + number)
                row.update(
                    id=str(first_id + number),
                    username=mobile,
                    mobile=mobile,
                    display_name=f"居民{number}",
                    real_name=f"居民{number}",
                    id_number_digest=hashlib.sha256(f"bench-resident-{number}".encode()).hexdigest(),
                    id_number_masked=f"4401**********{number % 10000:04d}",
                )
                yield "\t".join(row[column] for column in columns)

        print(f"  [{dataset.name}] COPY {dataset.residents} residents …", flush=True)
        copy_rows(User._meta.db_table, columns, resident_lines(), connection=raw)
        _set_sequence(User._meta.db_table, connection)
        resident_ids = list(range(first_id, first_id + dataset.residents))

        items = list(
            ServiceItem.objects.filter(published_version__isnull=False, department__isnull=False)
            .order_by("pk")
            .values_list("pk", "published_version_id", "department_id", "department__code")
        )
        application_template = template_row(Application(applicant_id=0, form_data={}, field_sources={}), connection)
        application_columns = list(application_template)
        transition_template = template_row(Transition(application_id=0, role="applicant"), connection)
        transition_columns = list(transition_template)
        first_application = (Application.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        first_transition = (Transition.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        officials = list(User.objects.filter(is_staff=True).order_by("pk").values_list("pk", flat=True)) or [None]
        step = datetime.timedelta(hours=26)

        def plan(number: int) -> tuple[int, int, tuple[str, ...], datetime.datetime]:
            """The same application every time it is asked for: its id, applicant, path and creation."""
            applicant = resident_ids[(number * 104_729) % len(resident_ids)]
            path = WEIGHTED_PATHS[(number * 31) % len(WEIGHTED_PATHS)]
            # Spread over the last two years, newest last.
            created = now - datetime.timedelta(minutes=(dataset.applications - number) * 1051 // 1000 + 60)
            return first_application + number, applicant, path, created

        def application_lines():
            for number in range(dataset.applications):
                application_id, applicant, path, created = plan(number)
                item_id, version_id, department_id, department_code = items[(number * 7919) % len(items)]
                status = path[-1]
                decided = created + step * 4 if status in ("approved", "denied", "concluded") else None
                concluded = created + step * 5 if status in ("concluded", "refused", "withdrawn") else None
                row = dict(application_template)
                row.update(
                    id=str(application_id),
                    case_number=f"{CASE_PREFIX}{department_code.upper()}{application_id:010d}",
                    applicant_id=str(applicant),
                    principal_user_id=str(applicant),
                    service_item_id=str(item_id),
                    service_version_id=str(version_id),
                    department_id=str(department_id),
                    status=status,
                    submitted_at=(created + datetime.timedelta(minutes=5)).isoformat(),
                    decided_at=decided.isoformat() if decided else "\\N",
                    concluded_at=concluded.isoformat() if concluded else "\\N",
                    statutory_deadline=(created + datetime.timedelta(days=28)).date().isoformat(),
                    promised_deadline=(created + datetime.timedelta(days=14)).date().isoformat(),
                    created_at=created.isoformat(),
                    updated_at=(concluded or decided or created).isoformat(),
                )
                yield "\t".join(row[column] for column in application_columns)

        def transition_lines():
            transition_id = first_transition
            for number in range(dataset.applications):
                application_id, applicant, path, created = plan(number)
                for index in range(1, len(path)):
                    by_applicant = path[index] in ("submitted", "withdrawn")
                    transition = dict(transition_template)
                    transition.update(
                        id=str(transition_id),
                        application_id=str(application_id),
                        from_status=path[index - 1],
                        to_status=path[index],
                        actor_id=str(applicant if by_applicant else officials[number % len(officials)] or "\\N"),
                        role="applicant" if by_applicant else "official",
                        created_at=(created + step * (index - 1) + datetime.timedelta(minutes=5)).isoformat(),
                    )
                    yield "\t".join(transition[column] for column in transition_columns)
                    transition_id += 1

        print(f"  [{dataset.name}] COPY {dataset.applications} applications …", flush=True)
        copy_rows(Application._meta.db_table, application_columns, application_lines(), connection=raw)
        count = copy_rows(Transition._meta.db_table, transition_columns, transition_lines(), connection=raw)
        print(f"  [{dataset.name}] COPY {count} transitions done", flush=True)
        _set_sequence(Application._meta.db_table, connection)
        _set_sequence(Transition._meta.db_table, connection)
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS bench_fingerprint (name text PRIMARY KEY, value text, built_at timestamptz)"
            )
            cursor.execute(
                "INSERT INTO bench_fingerprint VALUES ('dataset', %s, now()) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value, built_at = now()",
                [fingerprint(dataset)],
            )
    connection.close()
    with psycopg.connect(dataset.database_url, autocommit=True) as analysing:
        analysing.execute("VACUUM ANALYZE")
    print(f"  [{dataset.name}] built in {time.monotonic() - started:.0f} s", flush=True)


def main(name: str) -> None:
    dataset = DATASETS[name]
    if stored_fingerprint(dataset) == fingerprint(dataset):
        import django

        django.setup()
        from django.core.management import call_command

        # Kept: only schema changes made since are applied.
        call_command("migrate", "--noinput", "-v0")
        print(f"  [{dataset.name}] kept (fingerprint {fingerprint(dataset)})", flush=True)
        return
    recreate_database(dataset)
    build(dataset)


if __name__ == "__main__":
    main(sys.argv[1])
