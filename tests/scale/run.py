"""``make scale-test`` (issue 19): two web nodes behind nginx, two workers and one beat
(plus a second beat that must stay idle), on one machine, in production settings.

It builds its own database (``SCALE_DATABASE_URL``, default ``tongban_scale``) and uses
one Redis database (``SCALE_REDIS_URL``, default db 8, flushed at the start), then:

1. runs resident journeys through the balancer (log in, apply with uploads, submit,
   pay at the sandbox Alipay cashier, the gateway's notification, the inbox message),
   recording which node answered each request (nginx's ``X-Upstream`` header);
2. measures anonymous throughput with both nodes;
3. runs more journeys and, mid-run, kills one web node and one worker (``SIGKILL``);
   the client retries a request that was in flight on the killed node (a 502 from
   nginx, or a dropped connection);
4. measures throughput again with the one node left: the ratio two/one;
5. waits for every order to be paid and every message delivered, and checks:
   no request failed except those retried, every notification delivered once,
   the idle beat sent nothing and no scheduled task ran twice.

Run: ``make scale-test`` (needs PostgreSQL, Redis and the Debian nginx package).
"""

import base64
import collections
import hashlib
import html.parser
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(BASE_DIR))

SCALE_DATABASE_URL = os.environ.get("SCALE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tongban_scale")
SCALE_REDIS_URL = os.environ.get("SCALE_REDIS_URL", "redis://127.0.0.1:6379/8")
# SCALE_REUSE=1: keep the previous run's database and static files.
JOURNEYS_PER_PHASE = int(os.environ.get("SCALE_JOURNEYS", "6"))
CLIENTS = int(os.environ.get("SCALE_CLIENTS", "3"))
THROUGHPUT_SECONDS = float(os.environ.get("SCALE_THROUGHPUT_SECONDS", "12"))
PASSPORT = "440100-GA-005"  # 普通护照签发: a fee of 120 元, ordered at submission in this run
RETRY_STATUSES = {502, 503, 504}
SCHEDULED_TASK_RECEIVED = r"Task (?:notifications|payments|applications|identity)\.\w+\[([0-9a-f-]+)\] received"


def wait_for(predicate, *, timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


# --------------------------------------------------------------------------------------
# The environment: production settings, secrets made for this run
# --------------------------------------------------------------------------------------
def scale_environment(balancer_url: str) -> dict:
    from config.settings.devkeys import development_rsa_key

    return {
        "DJANGO_SETTINGS_MODULE": "tests.scale.settings",
        "DATABASE_URL": SCALE_DATABASE_URL,
        "REDIS_URL": SCALE_REDIS_URL,
        "CELERY_BROKER_URL": SCALE_REDIS_URL,
        "CELERY_RESULT_BACKEND": SCALE_REDIS_URL,
        "CELERY_TASK_DEFAULT_QUEUE": "scale",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "OIDC_RSA_PRIVATE_KEY": development_rsa_key(),  # a fresh key for this run
        # Fixed for the scale database (throwaway data), so SCALE_REUSE=1 can read the previous run's rows.
        "FIELD_ENCRYPTION_KEYS": _test_key("field-encryption"),
        "BLIND_INDEX_KEY": _test_key("blind-index"),
        "OIDC_PAIRWISE_SUBJECT_KEY": secrets.token_urlsafe(32),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "TONGBAN_STAGING_SANDBOXES": (
            "sms-console,identity-sandbox,enterprise-sandbox,no-malware-scan,payments-sandbox,face-check-sandbox"
        ),
        "PAYMENTS_SITE_URL": balancer_url,
        "PAYMENTS_ORDER_AT_SUBMISSION": PASSPORT,
        # Throttles raised: the run is one client address hammering the catalogue.
        "CATALOGUE_ANON_RATE": "1000000/minute",
        "CATALOGUE_TOKEN_RATE": "1000000/minute",
        # Web nodes share cached pages (services/cache.py), as a release does.
        "CATALOGUE_CACHE_RELEASE": "scale-test",
        "CACHE_KEY_PREFIX": "tongban-scale",
        "BEAT_LOCK_KEY": "tongban-scale:beat-lock",
        "BEAT_LOCK_TIMEOUT": "20",
        "STATIC_ROOT": str(Path(tempfile.gettempdir()) / "tongban-scale-static"),
        "PRIVATE_MEDIA_ROOT": str(Path(tempfile.gettempdir()) / "tongban-scale-private"),
        "DATABASE_POOL_MAX_SIZE": "4",
        "LOG_FORMAT": "console",
        "LOG_LEVEL": "INFO",
    }


def _test_key(purpose: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(f"tongban-scale-test:{purpose}".encode()).digest()).decode()


def reset_database() -> None:
    """A fresh copy of the database migrated once for this state of the code (the test suite's
    template, common/testing/migrated_template.py; built here if the suite has not run)."""
    import psycopg

    from common.testing.migrated_template import migrated_template

    parsed = urllib.parse.urlparse(SCALE_DATABASE_URL)
    name = parsed.path.lstrip("/")
    template = migrated_template(SCALE_DATABASE_URL)
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(SCALE_REDIS_URL).flushdb()  # this run's database only


# --------------------------------------------------------------------------------------
# Processes: web nodes, nginx; workers and beats come from common.testing.processes
# --------------------------------------------------------------------------------------
class WebNode:
    def __init__(self, name: str, port: int, workdir: Path):
        self.name, self.port = name, port
        self.log_path = workdir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "gunicorn", "config.wsgi:application", "--config", "gunicorn.conf.py"),
                    *("--bind", f"127.0.0.1:{self.port}", "--workers", "2", "--graceful-timeout", "5"),
                ],
                cwd=BASE_DIR,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def ready(self) -> bool:
        import requests

        if self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited:\n{self.log_path.read_text()[-3000:]}")
        try:
            return requests.get(f"http://127.0.0.1:{self.port}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def kill(self) -> None:
        """A crash: the master and its workers at once, requests in flight cut."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


class Balancer:
    """nginx in a private prefix, with the shipped proxy snippet (deploy/nginx/tongban-proxy.conf)."""

    def __init__(self, port: int, nodes: list[WebNode], workdir: Path):
        self.port = port
        self.prefix = workdir / "nginx"
        self.prefix.mkdir()
        (self.prefix / "logs").mkdir()
        temp = self.prefix / "temp"
        temp.mkdir(mode=0o777)
        temp.chmod(0o777)  # nginx's workers may run as nobody
        servers = "\n".join(f"server 127.0.0.1:{node.port} max_fails=1 fail_timeout=10s;" for node in nodes)
        snippet = BASE_DIR / "deploy" / "nginx" / "tongban-proxy.conf"
        (self.prefix / "nginx.conf").write_text(
            f"""
worker_processes 1;
pid {self.prefix}/nginx.pid;
error_log {self.prefix}/logs/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log {self.prefix}/logs/access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    upstream tongban_web {{ {servers} keepalive 16; }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 11m;
        location / {{ include {snippet}; }}
    }}
}}
"""
        )
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        config = self.prefix / "nginx.conf"
        check = subprocess.run([binary, "-t", "-p", str(self.prefix), "-c", str(config)], capture_output=True)
        if check.returncode:
            raise RuntimeError(check.stderr.decode())
        self.process = subprocess.Popen(
            [binary, "-p", str(self.prefix), "-c", str(config), "-g", "daemon off;"], start_new_session=True
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


# --------------------------------------------------------------------------------------
# The client: every request through the balancer, retried when it was cut
# --------------------------------------------------------------------------------------
class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.failures: list[str] = []
        self.retries: list[str] = []
        self.upstreams: collections.Counter = collections.Counter()
        self.switches = 0  # a journey's request answered by another node than its previous one
        self.pairs = 0


class FormParser(html.parser.HTMLParser):
    """The named fields of one form (by id), as a browser would submit them."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, {}
        # The first real option of each radio group and select, for a resident who picks one.
        self.first_choice: dict[str, str] = {}
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "file", "button"):
            if attrs.get("type") == "radio":
                self.first_choice.setdefault(name, attrs.get("value", ""))
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields[name] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            if attrs.get("value"):
                self.first_choice.setdefault(self._select, attrs["value"])
            if "selected" in attrs or self._select not in self.fields:
                self.fields[self._select] = attrs.get("value", "")

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


class Journey:
    """One resident's way through the portal, on its own session."""

    def __init__(self, number: int, base: str, tally: Tally, username: str):
        import requests

        self.number, self.base, self.tally, self.username = number, base, tally, username
        self.session = requests.Session()
        self.previous_node = None
        self.out_trade_no = self.case_number = None

    def call(self, method: str, path: str, **kwargs):
        import requests

        url = path if path.startswith("http") else self.base + path
        for attempt in range(4):
            with self.tally.lock:
                self.tally.requests += 1
            try:
                response = self.session.request(method, url, timeout=60, **kwargs)
            # A dropped connection: refused or reset before an answer, or (ChunkedEncodingError)
            # cut mid-answer, when nginx had passed on the killed node's headers but not its body.
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                outcome = f"connection {exc.__class__.__name__}"
            else:
                for hop in [*response.history, response]:
                    self._record(hop.headers.get("X-Upstream", "?"))
                if response.status_code not in RETRY_STATUSES:
                    return response
                outcome = f"HTTP {response.status_code}"
            with self.tally.lock:
                self.tally.retries.append(f"journey {self.number} {method} {path[:60]}: {outcome} (try {attempt + 1})")
            time.sleep(0.5)
        with self.tally.lock:
            self.tally.failures.append(f"journey {self.number} {method} {path[:60]}: {outcome}")
        raise RuntimeError(f"{method} {path} failed after retries: {outcome}")

    def _record(self, upstream: str) -> None:
        node = upstream.split(",")[-1].strip()  # nginx lists every node it tried
        with self.tally.lock:
            self.tally.upstreams[node] += 1
            if self.previous_node is not None:
                self.tally.pairs += 1
                self.tally.switches += node != self.previous_node
        self.previous_node = node

    def csrf(self) -> str:
        return self.session.cookies.get("csrftoken", "")

    def run(self) -> None:
        from common.testing.files import pdf_bytes
        from identity.tests.factories import PASSWORD

        self.call("GET", "/account/login/")
        page = self.call(
            "POST",
            "/account/login/",
            data={"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": self.csrf()},
        )
        if "/account/login/" in page.url:
            raise RuntimeError(f"journey {self.number}: not logged in ({page.status_code})")

        start = self.call("GET", f"/applications/new/{PASSPORT}/").text
        principal = re.search(r'name="principal"[^>]*value="([^"]*)"', start)
        draft = self.call(
            "POST",
            f"/applications/new/{PASSPORT}/",
            data={"csrfmiddlewaretoken": self.csrf(), **({"principal": principal.group(1)} if principal else {})},
        )
        draft_path = urllib.parse.urlparse(draft.url).path
        if not re.fullmatch(r"/applications/drafts/\d+/", draft_path):
            raise RuntimeError(f"journey {self.number}: no draft ({draft.status_code} {draft.url})")
        for requirement in dict.fromkeys(re.findall(r'name="requirement" value="(\d+)"', draft.text)):
            self.call(
                "POST",
                f"{draft_path}materials/",
                data={"csrfmiddlewaretoken": self.csrf(), "requirement": requirement},
                files={"file": (f"材料{requirement}.pdf", pdf_bytes(), "application/pdf")},
            )
        form = FormParser("application-form")
        form.feed(self.call("GET", draft_path).text)
        # What a resident types where nothing was prefilled (these accounts have no registry
        # record): a choice for every choice, a short answer for every empty text field.
        fields = {**form.first_choice, **{name: value for name, value in form.fields.items() if value}}
        for name, value in form.fields.items():
            fields.setdefault(name, value or f"广州市天河区体育西路{self.number}号")
        fields.update(csrfmiddlewaretoken=self.csrf(), action="submit")
        case = self.call("POST", draft_path, data=fields)
        found = re.search(r"/my/applications/([^/]+)/$", case.url)
        if not found:
            alert = re.search(r'role="alert"[^>]*>(.*?)</div>', case.text, re.S)
            said = re.sub(r"<[^>]+>|\s+", " ", alert.group(1)).strip() if alert else ""
            raise RuntimeError(f"journey {self.number}: not submitted ({case.status_code} {case.url}) {said}")
        self.case_number = found.group(1)
        order = re.search(r'action="/my/orders/([^/"]+)/pay/"', case.text)
        if not order:
            raise RuntimeError(f"journey {self.number}: no order on {case.url}")
        self.out_trade_no = order.group(1)

        cashier = self.call(
            "POST",
            f"/my/orders/{self.out_trade_no}/pay/",
            data={"csrfmiddlewaretoken": self.csrf(), "gateway": "alipay"},
        )
        decide = re.search(r'action="(/sandbox/payments/alipay/cashier/[^"]+/)"', cashier.text)
        if not decide:
            raise RuntimeError(f"journey {self.number}: no sandbox cashier ({cashier.status_code} {cashier.url})")
        self.call("POST", decide.group(1), data={"csrfmiddlewaretoken": self.csrf(), "decision": "pay"})
        self.call("GET", "/my/messages/")


def run_journeys(first: int, count: int, base: str, tally: Tally, *, midway=None) -> list[Journey]:
    """``count`` journeys on ``CLIENTS`` threads, each by a new real-name verified resident (one
    draft per resident and item); ``midway`` runs once a third of them finished."""
    from django.contrib.auth import get_user_model

    from applications.tests.factories import resident
    from identity.tests.factories import UserFactory, valid_id_number

    # Past every earlier run's residents (SCALE_REUSE=1 keeps them).
    offset = get_user_model().objects.count() + 1
    UserFactory.reset_sequence(offset)
    journeys = [
        Journey(first + n, base, tally, resident(id_number=valid_id_number(500_000 + offset + n)).username)
        for n in range(count)
    ]
    queue = list(journeys)
    done = []
    errors = []
    queue_lock = threading.Lock()
    fired = threading.Event()

    def client():
        while True:
            with queue_lock:
                if not queue:
                    return
                journey = queue.pop(0)
            try:
                journey.run()
            except Exception as exc:
                errors.append(f"journey {journey.number}: {exc}")
            with queue_lock:
                done.append(journey)
                fire = midway is not None and not fired.is_set() and len(done) >= max(1, count // 3)
                if fire:
                    fired.set()
            if fire:
                midway()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise AssertionError("journeys failed:\n" + "\n".join(errors))
    return journeys


def throughput(base: str, seconds: float, clients: int = 6) -> tuple[float, collections.Counter, int]:
    """Anonymous catalogue reads (the API's service list and a guide page) for ``seconds``."""
    import requests

    paths = ["/api/v1/services/?page_size=20", f"/services/{PASSPORT}/", "/api/v1/departments/"]
    answered, nodes, errors = [0], collections.Counter(), [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(offset: int):
        session = requests.Session()
        n = offset
        while time.monotonic() < deadline:
            try:
                response = session.get(base + paths[n % len(paths)], timeout=30)
                ok = response.status_code == 200
            except requests.RequestException:
                ok = False
            with lock:
                if ok:
                    answered[0] += 1
                    nodes[response.headers.get("X-Upstream", "?")] += 1
                else:
                    errors[0] += 1
            n += 1

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answered[0] / (time.monotonic() - started), nodes, errors[0]


# --------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------
def main() -> int:
    from common.testing.processes import CeleryBeatProcess, CeleryWorkerProcess, free_port

    began = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="tongban-scale-"))
    balancer_port = free_port()
    base = f"http://127.0.0.1:{balancer_port}"
    os.environ.update(scale_environment(base))
    print(f"scale-test: work dir {workdir}, balancer {base}, {os.cpu_count()} CPUs, load {os.getloadavg()}")

    # SCALE_REUSE=1 keeps the previous run's database and static files (faster reruns).
    reuse = os.environ.get("SCALE_REUSE") == "1"
    if not reuse:
        reset_database()
    flush_redis()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    if not (reuse and (Path(os.environ["STATIC_ROOT"]) / "staticfiles.json").exists()):
        call_command("collectstatic", interactive=False, verbosity=0)
    print(f"scale-test: database and static files ready after {time.monotonic() - began:.0f} s")

    nodes = [WebNode(f"web{n}", free_port(), workdir) for n in (1, 2)]
    balancer = Balancer(balancer_port, nodes, workdir)
    workers = []
    for n in (1, 2):
        worker = CeleryWorkerProcess(database_url=SCALE_DATABASE_URL, broker_url=SCALE_REDIS_URL, pool="prefork")
        worker.queue, worker.hostname = "scale", f"scale-worker{n}@%h"
        worker.extra_env = {"DJANGO_SETTINGS_MODULE": "tests.scale.settings"}
        workers.append(worker)
    beats = [
        CeleryBeatProcess(
            broker_url=SCALE_REDIS_URL,
            schedule_path=workdir / f"beat{n}-schedule",
            extra_env={"DJANGO_SETTINGS_MODULE": "tests.scale.settings"},
        )
        for n in (1, 2)
    ]
    killed = {}
    try:
        for process in [*nodes, *workers]:
            process.start()
        beats[0].start()
        beat_started = time.monotonic()
        wait_for(lambda: "taken by" in beats[0].log(), timeout=180, what="the first beat to take the lock")
        beats[1].start()
        balancer.start()
        for node in nodes:
            wait_for(node.ready, timeout=180, what=f"{node.name} to answer /healthz")
        for worker in workers:
            worker.wait_until_ready()
        wait_for(lambda: "idles" in beats[1].log(), timeout=180, what="the second beat to idle")
        print(f"scale-test: 2 web nodes, 2 workers, 2 beats (1 idle) up after {time.monotonic() - began:.0f} s")

        tally = Tally()
        # Phase 1: journeys on both nodes.
        journeys = run_journeys(1, JOURNEYS_PER_PHASE, base, tally)
        both_nodes = dict(tally.upstreams)
        # Phase 2: throughput with two nodes.
        two_rate, two_nodes, two_errors = throughput(base, THROUGHPUT_SECONDS)

        # Phase 3: journeys, one web node and one worker killed a third of the way in.
        def kill_midway():
            killed["at"] = time.monotonic()
            nodes[1].kill()
            workers[0].signal_group(signal.SIGKILL)
            print(f"scale-test: killed {nodes[1].name} (port {nodes[1].port}) and worker 1 mid-run")

        journeys += run_journeys(JOURNEYS_PER_PHASE + 1, JOURNEYS_PER_PHASE, base, tally, midway=kill_midway)
        # Phase 4: throughput with the node left.
        one_rate, _, one_errors = throughput(base, THROUGHPUT_SECONDS)
        load = os.getloadavg()

        # Every order paid, every message delivered (the sweeps catch what the killed worker dropped).
        from django.db import close_old_connections

        from notifications.constants import Channel
        from notifications.models import InboxMessage, OutboxMessage
        from payments.models import GatewayTransaction, PaymentOrder, Receipt

        numbers = [journey.out_trade_no for journey in journeys]

        def settled():
            close_old_connections()
            paid = PaymentOrder.objects.filter(out_trade_no__in=numbers, status="paid").count()
            inbox = OutboxMessage.objects.filter(
                template="payments.paid",
                channel=Channel.INBOX,
                status="delivered",
                context__out_trade_no__in=numbers,
            ).count()
            return paid == len(numbers) and inbox >= len(numbers)

        wait_for(settled, timeout=300, what="every order paid and its message delivered", interval=2)
        time.sleep(12)  # one more sweep: a duplicate would show now

        orders = list(PaymentOrder.objects.filter(out_trade_no__in=numbers))
        paid_outbox = OutboxMessage.objects.filter(template="payments.paid", context__out_trade_no__in=numbers)
        per_order_channel = collections.Counter((row.context["out_trade_no"], row.channel) for row in paid_outbox)
        inbox_rows = InboxMessage.objects.filter(outbox_id__in=paid_outbox.filter(channel=Channel.INBOX).values("pk"))
        inbox_per_outbox = collections.Counter(inbox_rows.values_list("outbox_id", flat=True))
        deliveries = inbox_rows.count()
        duplicates = (
            sum(count - 1 for count in inbox_per_outbox.values() if count > 1)
            + sum(count - 1 for count in per_order_channel.values() if count > 1)
            + sum(max(0, GatewayTransaction.objects.filter(order=order).count() - 1) for order in orders)
            + sum(max(0, Receipt.objects.filter(order=order).count() - 1) for order in orders)
        )
        expected = len(numbers)

        # Beat: the idle one sent nothing; no scheduled task was received twice by the workers.
        sent = [collections.Counter(re.findall(r"Sending due task (\S+)", beat.log())) for beat in beats]
        received = collections.Counter(
            task_id for worker in workers for task_id in re.findall(SCHEDULED_TASK_RECEIVED, worker.log())
        )
        twice = sum(1 for count in received.values() if count > 1)
        # Once per due time: no job sent more often than its interval allows over beat's life.
        from django.conf import settings

        beat_life = time.monotonic() - beat_started
        schedule = {name: entry["schedule"] for name, entry in settings.CELERY_BEAT_SCHEDULE.items()}
        too_often = {name: n for name, n in sent[0].items() if n > beat_life / schedule[name] + 1}
        elapsed = time.monotonic() - began

        print("\nSCALE TEST")
        print(f"  journeys {len(journeys)} (log in, apply, upload, submit, pay at the sandbox cashier, inbox)")
        print(
            f"  requests {tally.requests} ({sum(tally.upstreams.values())} HTTP exchanges with redirects followed), "
            f"failures {len(tally.failures)}, retries {len(tally.retries)}"
        )
        for line in tally.retries:
            print(f"    retried: {line}")
        print(f"  nodes answering journey requests: {dict(tally.upstreams)} (phase 1, both up: {both_nodes})")
        print(f"  consecutive requests of a journey on different nodes: {tally.switches} of {tally.pairs}")
        print(f"  deliveries {deliveries} of {expected} expected, duplicates {duplicates}")
        print(
            f"  beat sends over {beat_life:.0f} s: running beat {dict(sent[0])}; idle beat {sum(sent[1].values())}; "
            f"jobs sent more often than their interval: {too_often or 'none'}"
        )
        print(f"  scheduled tasks received twice by the workers: {twice} (of {len(received)})")
        print(
            f"  throughput: two nodes {two_rate:.1f} req/s {dict(two_nodes)} (errors {two_errors}); "
            f"one node {one_rate:.1f} req/s (errors {one_errors}); ratio {two_rate / max(one_rate, 0.001):.2f}"
        )
        print(f"  machine: {os.cpu_count()} CPUs, load average {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}")
        print(f"  wall time {elapsed:.0f} s")

        problems = []
        if tally.failures:
            problems.append(f"failed requests: {tally.failures}")
        if len([n for n in both_nodes if n != "?"]) < 2:
            problems.append(f"phase 1 did not reach both nodes: {both_nodes}")
        if deliveries != expected or duplicates:
            problems.append(f"deliveries {deliveries} of {expected}, duplicates {duplicates}")
        if sum(sent[1].values()) or not sent[0]:
            problems.append(f"beat sends: {sent}")
        if too_often:
            problems.append(f"jobs sent more often than scheduled: {too_often}")
        if twice:
            problems.append(f"{twice} scheduled tasks ran twice")
        if problems:
            print("SCALE TEST FAILED: " + "; ".join(problems))
            return 1
        print("SCALE TEST PASSED")
        return 0
    finally:
        balancer.stop()
        for process in [*nodes, *workers, *beats]:
            process.stop()
        if os.environ.get("SCALE_KEEP_LOGS"):
            print(f"logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
