"""The benchmark run: datasets, the calibration app and Tongban under the same gunicorn,
``wrk`` per scenario, ratios to the calibration measured in the same run, memory,
the outbox relay, a py-spy profile of the worst scenarios, and the report.
"""

import contextlib
import datetime
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg

from bench import report
from bench.environment import (
    CALIBRATION_DATABASE_URL,
    CONNECTIONS,
    DATASETS,
    LARGE,
    PORT_CALIBRATION,
    PORT_TONGBAN,
    QUICK,
    REDIS_URL,
    ROOT,
    SECONDS,
    SMALL,
    THREADS,
    VAR,
    WORKERS,
    calibration_environment,
    tongban_environment,
)

LUA = Path(__file__).resolve().parent / "lua" / "requests.lua"
CALIBRATION_VIEWS = {"hello": "/hello", "one-query": "/one-query", "page": "/page", "drf": "/drf", "upload": "/upload"}
CALIBRATION_ROWS = 1000
MEMORY_CHECKPOINTS = (500, 2_000) if QUICK else (5_000, 20_000)
PASSES = 1 if QUICK else 2
# The unmeasured wrk run before a scenario's first measured one (connections, caches, imports).
WARM_SECONDS = 1 if QUICK else 2
RELAY_MESSAGES = 100 if QUICK else 500
# Commit-to-SMS latency: submissions per second, for 5 s quick and 20 s in full.
LATENCY_RATE = 50
LATENCY_SUBMISSIONS = LATENCY_RATE * (5 if QUICK else 20)


def log(message: str) -> None:
    print(message, flush=True)


def python(*args: str, env: dict, capture: bool = True) -> str:
    result = subprocess.run(  # noqa: S603 - our own fixed command lines
        [sys.executable, *args], cwd=ROOT, env=env, check=False, capture_output=capture, text=True
    )
    if result.returncode != 0:
        sys.exit(f"python {' '.join(args)} failed:\n{(result.stderr or '')[-3000:]}")
    return result.stdout or ""


# --- services -------------------------------------------------------------------------------


def flush_redis() -> None:
    """Empty the benchmark's own Redis database (only that one)."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def prepare_calibration() -> None:
    from bench.data import ensure_database

    ensure_database(CALIBRATION_DATABASE_URL)
    python("-m", "django", "migrate", "--noinput", "-v0", env=calibration_environment())
    with psycopg.connect(CALIBRATION_DATABASE_URL) as connection:
        have = connection.execute("SELECT count(*) FROM calibration_row").fetchone()[0]
        if have != CALIBRATION_ROWS:
            connection.execute("TRUNCATE calibration_row RESTART IDENTITY")
            with connection.cursor().copy(
                "COPY calibration_row (code, title, department, created_at) FROM STDIN"
            ) as copy:
                for number in range(CALIBRATION_ROWS):
                    copy.write_row(
                        (
                            f"CAL-{number:05d}",
                            f"第{number}项 营业执照变更登记",
                            "市场监督管理局",
                            datetime.datetime.now(tz=datetime.UTC),
                        )
                    )
        connection.execute(
            "CREATE TABLE IF NOT EXISTS calibration_upload (id serial PRIMARY KEY, size int, sha256 text)"
        )


class Gunicorn:
    """One gunicorn master with ``WORKERS`` sync workers, as Tongban's Procfile runs it."""

    def __init__(self, app: str, port: int, env: dict, *, config: bool):
        self.port = port
        if _answers(port):
            sys.exit(f"port {port} is taken (an earlier run's gunicorn?): measuring it would be wrong")
        command = [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS)]
        if config:
            command += ["--config", "gunicorn.conf.py"]
        else:
            command += ["--config", "/dev/null"]
        self.log = open(VAR / f"gunicorn-{port}.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=self.log)  # noqa: S603
        deadline = time.monotonic() + 60
        while not _answers(port):
            if time.monotonic() > deadline:
                self.stop()
                sys.exit(f"gunicorn on port {port} did not start; see {self.log.name}")
            time.sleep(0.3)
        if self.process.poll() is not None:
            sys.exit(f"gunicorn on port {port} exited; see {self.log.name}")

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def drain(port: int, limit: float = 90) -> None:
    """Wait until requests left in the server's queue by the last wrk run are served.

    wrk leaves up to ``CONNECTIONS`` requests in flight when it stops; sync workers still serve
    them, and on a slow machine they would eat into the next measurement.
    """
    deadline = time.monotonic() + limit
    quick_answers = 0
    while time.monotonic() < deadline and quick_answers < 2:
        started = time.monotonic()
        try:
            path = "/hello" if port == PORT_CALIBRATION else "/healthz"
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=limit)
        except urllib.error.HTTPError:
            pass
        except OSError:
            return
        quick_answers = quick_answers + 1 if time.monotonic() - started < 1 else 0


def warm(port: int, lua_list: str, count: int = 6) -> None:
    """Serial requests (GET paths of the list) so both workers load and cache before load."""
    paths = re.findall(
        r"method = \[===\[GET\]===\], path = \[===\[(.*?)\]===\], headers = \{(.*?)\}, body", Path(lua_list).read_text()
    )
    for path, headers in paths[:count] * (2 if len(paths) < count else 1):
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
        for name, value in re.findall(r"\[ \[===\[(.*?)\]===\] \] = \[===\[(.*?)\]===\]", headers):
            request.add_header(name, value)
        with contextlib.suppress(OSError):
            urllib.request.urlopen(request, timeout=120)  # noqa: S310
    # The list's first entries were sent (each thread's share interleaves): wrk goes on after them.
    _sent_per_thread[lua_list] = max(_sent_per_thread.get(lua_list, 0), -(-count // THREADS))


def _answers(port: int) -> bool:
    """Whether an HTTP server answers on ``port`` (any status: the probe's path exists nowhere)."""
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz-bench-probe", timeout=2)
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


def rss_kib(pid: int) -> tuple[int, int]:
    """(current RSS, peak RSS) of a process in KiB, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()
    current = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    peak = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
    return current, peak


# --- wrk ------------------------------------------------------------------------------------


# Requests already sent from each request list, per wrk thread: the next run of a list goes on
# from there (single-use inputs stay single-use across warm-up, passes, memory and profile runs).
_sent_per_thread: dict[str, int] = {}


def wrk(port: int, lua_list: str, seconds: int, *, upload: str = "", submit_lag: int = 0, drained: bool = True) -> dict:
    env = {
        **os.environ,
        "BENCH_LIST": lua_list,
        "BENCH_UPLOAD": upload,
        "BENCH_SUBMIT_LAG": str(submit_lag),
        "BENCH_THREADS": str(THREADS),
        "BENCH_OFFSET": str(_sent_per_thread.get(lua_list, 0)),
    }
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        f"http://127.0.0.1:{port}",
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if drained:
        drain(port)
    line = next((line for line in result.stdout.splitlines() if line.startswith("BENCH_RESULT ")), None)
    if line is None:
        sys.exit(f"wrk failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    raw = json.loads(line.removeprefix("BENCH_RESULT "))
    # Each thread's share moves on by what its furthest thread sent (uploads, not their submits),
    # answered or not: counting only answered requests sent the in-flight ones' inputs again.
    _sent_per_thread[lua_list] = _sent_per_thread.get(lua_list, 0) + raw["advanced"]
    errors = raw["connect_errors"] + raw["read_errors"] + raw["write_errors"] + raw["status_errors"] + raw["timeouts"]
    seconds_run = raw["duration_us"] / 1e6
    statuses: dict[str, int] = {}
    for status, count in raw["statuses"]:
        statuses[str(status)] = statuses.get(str(status), 0) + count
    return {
        "requests": raw["requests"],
        "rps": round(raw["requests"] / seconds_run, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        # wrk counts only 4xx/5xx, timeouts and socket errors; a redirect (to the login page) is a failure here too.
        "errors": errors + sum(count for status, count in statuses.items() if status.startswith("3")),
        "statuses": statuses,
        "list_wrapped": raw["wrapped"],
    }


def combine_passes(figures: list[dict]) -> dict:
    """One scenario's figures over its passes: mean rate and percentiles, summed counts."""
    statuses: dict[str, int] = {}
    for figure in figures:
        for status, count in figure["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
    return {
        "requests": sum(f["requests"] for f in figures),
        "rps": round(sum(f["rps"] for f in figures) / len(figures), 1),
        "p50_ms": round(sum(f["p50_ms"] for f in figures) / len(figures), 2),
        "p99_ms": round(sum(f["p99_ms"] for f in figures) / len(figures), 2),
        "errors": sum(f["errors"] for f in figures),
        "statuses": statuses,
        "list_wrapped": max(f["list_wrapped"] for f in figures),
        "passes_rps": [f["rps"] for f in figures],
    }


def wrk_scenario(scenario: dict, seconds: int, *, port: int) -> dict:
    """``wrk`` on a Tongban server with one prepared scenario: its request list, its upload body and lag."""
    return wrk(
        port,
        scenario["lua"],
        seconds,
        upload=scenario.get("upload_file", ""),
        submit_lag=scenario.get("submit_lag", 0),
    )


def posts(scenario: dict) -> bool:
    """Whether a scenario writes (uploads and submissions, payment notifications): such a list is
    used up as it runs, so it is neither warmed first nor part of the memory mix of GETs."""
    return "upload_file" in scenario or "replay_queries" in scenario


def calibration_list(folder: Path, view: str, upload_type: str) -> str:
    from bench.prepare import write_lua

    path = folder / f"calibration-{view}.lua"
    if view == "upload":
        requests = [{"method": "POST", "path": "/upload", "headers": {"Content-Type": upload_type}, "body": "@upload"}]
    else:
        requests = [{"method": "GET", "path": f"{CALIBRATION_VIEWS[view]}?n={n}&page={n}"} for n in range(100)]
    write_lua(path, requests)
    return str(path)


def calibrate(folder: Path, upload_file: str) -> dict:
    """Each calibration view under load; the upload view posts Tongban's own upload body."""
    upload_type = _upload_content_type(upload_file)
    figures = {}
    for view in CALIBRATION_VIEWS:
        lua = calibration_list(folder, view, upload_type)
        warm(PORT_CALIBRATION, lua)
        wrk(PORT_CALIBRATION, lua, WARM_SECONDS, upload=upload_file)
        figures[view] = wrk(PORT_CALIBRATION, lua, SECONDS, upload=upload_file)
        log(f"    calibration {view:<10} {figures[view]['rps']:8.1f} rps  p50 {figures[view]['p50_ms']:6.1f} ms")
    return figures


# --- one dataset ----------------------------------------------------------------------------


def prepare_dataset(dataset, run_id: str) -> dict:
    """Build (or keep) a dataset's database, collect static files, and prepare its scenarios."""
    env = tongban_environment(dataset, run_id=run_id)
    folder = VAR / "runs" / run_id / dataset.name
    folder.mkdir(parents=True, exist_ok=True)
    log(
        f"\n== dataset {dataset.name}: {dataset.items} items, {dataset.residents} residents, "
        f"{dataset.applications} applications =="
    )
    started = time.monotonic()
    python("-m", "bench.data", dataset.name, env=env, capture=False)
    build_seconds = time.monotonic() - started
    collect_static(env)
    # Distinct inputs per scenario (search URLs, drafts, orders): enough that even a short quick run
    # at a quiet machine's rate does not repeat them (400 wrapped 38 times for search). The full run
    # sends a list 2 s of warm-up and two 8 s passes: 7,200 searches at 400 a second wrapped 6,000.
    size = 2500 if QUICK else 12000
    log("  preparing sessions, tokens, drafts, orders and query counts …")
    python("-m", "bench.prepare", str(folder), str(size), env=env, capture=False)
    return {
        "dataset": dataset,
        "env": env,
        "folder": folder,
        "build_seconds": round(build_seconds),
        "scenarios": json.loads((folder / "scenarios.json").read_text()),
    }


def measure(prepared: list[dict]) -> dict:
    """Every dataset's scenarios under load, interleaved, against one calibration.

    Each dataset has its own Tongban gunicorn (ports ``PORT_TONGBAN``, ``+2``, ``+4``, …), all
    started before the first measurement; an idle sync worker takes no CPU. Every scenario runs
    on each dataset in turn, the order swapped on the next pass, and the calibration runs before
    and after them all. Measured one dataset after the other, large/small compared two stretches
    of minutes of a shared machine: the calibration moved by up to 25% between them, and the
    ratios with it (docs/performance.md, run 20261201T061525Z).
    """
    upload_file = next(s for s in prepared[0]["scenarios"] if s.get("upload_file"))["upload_file"]
    servers: list[Gunicorn] = []
    try:
        for number, entry in enumerate(prepared):
            port = PORT_TONGBAN + 2 * number
            servers.append(Gunicorn("config.wsgi:application", port, entry["env"], config=True))
            entry["port"] = port
        calibration = Gunicorn(
            "bench.calibration.wsgi:application", PORT_CALIBRATION, calibration_environment(), config=False
        )
        servers.append(calibration)
        log("\n  calibration (before):")
        before = calibrate(prepared[0]["folder"], upload_file)
        names = [scenario["name"] for scenario in prepared[0]["scenarios"]]
        # Every scenario is measured in PASSES rounds and the figures averaged: a single 8 s run per
        # scenario on a shared machine moved by ±10% between runs.
        passes: dict[tuple[str, str], list[dict]] = {}
        for number in range(PASSES):
            log(f"  pass {number + 1} of {PASSES}:")
            order = prepared if number % 2 == 0 else prepared[::-1]
            for name in names:
                for entry in order:
                    scenario = next(s for s in entry["scenarios"] if s["name"] == name)
                    if number == 0 and not posts(scenario):
                        warm(entry["port"], scenario["lua"])
                        wrk(entry["port"], scenario["lua"], WARM_SECONDS)
                    figure = wrk_scenario(scenario, SECONDS, port=entry["port"])
                    passes.setdefault((entry["dataset"].name, name), []).append(figure)
                    log(
                        f"    {entry['dataset'].name:<6} {name:<44} {figure['rps']:8.1f} rps  "
                        f"p50 {figure['p50_ms']:7.1f} ms  p99 {figure['p99_ms']:7.1f} ms  "
                        f"q/req {scenario['queries']:3}  errors {figure['errors']}"
                    )
        # The full run calibrates before and after the scenarios, and averages (the machine drifts
        # over minutes); BENCH_QUICK, which must finish in 3 minutes, only before.
        if QUICK:
            after = before
        else:
            log("  calibration (after):")
            after = calibrate(prepared[0]["folder"], upload_file)
        calibration_figures = {
            view: {
                "rps": round((before[view]["rps"] + after[view]["rps"]) / 2, 1),
                "rps_before": before[view]["rps"],
                "rps_after": after[view]["rps"],
                "p50_ms": round((before[view]["p50_ms"] + after[view]["p50_ms"]) / 2, 2),
                "p99_ms": round((before[view]["p99_ms"] + after[view]["p99_ms"]) / 2, 2),
                "errors": before[view]["errors"] + after[view]["errors"],
            }
            for view in CALIBRATION_VIEWS
        }
        results = {}
        for number, entry in enumerate(prepared):
            dataset = entry["dataset"]
            scenarios = []
            for scenario in entry["scenarios"]:
                combined = {**scenario, **combine_passes(passes[dataset.name, scenario["name"]])}
                reference = calibration_figures[scenario["calibration"]]["rps"]
                combined["ratio"] = round(combined["rps"] / reference, 3) if reference else None
                scenarios.append(combined)
            results[dataset.name] = {
                "dataset": dataset.__dict__,
                "build_seconds": entry["build_seconds"],
                "scenarios": scenarios,
                "calibration": calibration_figures,
            }
            # The first dataset only: a profile and the memory figures once per run (20,000 requests
            # take minutes); BENCH_MEMORY=0 skips the memory run.
            if number == 0:
                if not QUICK:
                    results[dataset.name]["profiles"] = profile_worst(servers[0], scenarios)
                if os.environ.get("BENCH_MEMORY", "1") != "0":
                    results[dataset.name]["memory"] = memory(servers[0], entry["scenarios"])
    finally:
        for server in servers:
            server.stop()
    for entry in prepared:
        results[entry["dataset"].name]["relay"] = relay(entry["dataset"], entry["env"])
    return results


def relay(dataset, env: dict) -> dict:
    """The outbox relay's rate with one worker, and commit-to-SMS latency while submissions run."""
    log(f"  [{dataset.name}] outbox relay, one worker …")
    figures = _result_line(python("-m", "bench.relay", str(RELAY_MESSAGES), env=env))
    log(f"    {figures['messages_per_second']} messages/s ({figures['messages']} messages)")
    log(f"  [{dataset.name}] commit-to-SMS latency, {LATENCY_RATE} submissions/s, a Celery worker beside …")
    figures["latency"] = latency = commit_to_sms_latency(env)
    log(
        f"    p50 {latency['commit_to_sms_p50_ms']} ms, p95 {latency['commit_to_sms_p95_ms']} ms "
        f"({latency['sms_delivered']} of {latency['submissions']} SMS, {latency['achieved_per_second']} submissions/s)"
    )
    return figures


def _result_line(output: str) -> dict:
    line = next(line for line in output.splitlines() if line.startswith("BENCH_RESULT "))
    return json.loads(line.removeprefix("BENCH_RESULT "))


def commit_to_sms_latency(env: dict) -> dict:
    """Submissions at ``LATENCY_RATE`` a second while the Procfile's Celery worker delivers their SMS.

    The broker's queue is emptied first: the HTTP scenarios queued thousands of relay and scan
    tasks with no worker running, and a backlog is not what this measures. No beat: the
    on-commit relay is the path measured, and its sweeper would start on that same backlog.
    """
    flush_redis()
    log_file = open(VAR / "celery-worker.log", "w")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "WARNING", "--concurrency", "2"],
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=log_file,
    )
    try:
        return _result_line(
            python("-m", "bench.relay", "latency", str(LATENCY_SUBMISSIONS), str(LATENCY_RATE), env=env)
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
        log_file.close()


def collect_static(env: dict) -> None:
    """collectstatic (minutes on a busy machine) only when a static file or the requirements changed."""
    import hashlib

    digest = hashlib.sha256((ROOT / "requirements.txt").read_bytes())
    for path in sorted(ROOT.glob("*/static/**/*")) + sorted((ROOT / "static").glob("**/*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.relative_to(ROOT)} {stat.st_size} {stat.st_mtime_ns}".encode())
    stamp = VAR / "static.stamp"
    if stamp.exists() and stamp.read_text() == digest.hexdigest() and (VAR / "static" / "staticfiles.json").exists():
        return
    python("manage.py", "collectstatic", "--noinput", "-v0", env=env)
    stamp.write_text(digest.hexdigest())


def _upload_content_type(path: str) -> str:
    """The multipart Content-Type of a prepared upload body: its boundary is the body's first line."""
    head = Path(path).read_bytes()[:200].decode("latin-1")
    return "multipart/form-data; boundary=" + head.split("\r\n", 1)[0].removeprefix("--")


def memory(server: Gunicorn, scenarios: list[dict]) -> dict:
    """Peak RSS per worker after the checkpoints' numbers of requests of a GET mix."""
    lists = [s["lua"] for s in scenarios if not posts(s)]
    done = 0
    checkpoints = {}
    index = 0
    log(f"  memory: {MEMORY_CHECKPOINTS[-1]} requests of the GET scenarios in turn …")
    for checkpoint in MEMORY_CHECKPOINTS:
        while done < checkpoint:
            # No draining between chunks: memory wants requests served, not clean timings.
            done += wrk(server.port, lists[index % len(lists)], 5, drained=False)["requests"]
            index += 1
        checkpoints[checkpoint] = {
            str(pid): dict(zip(("rss_kib", "peak_kib"), rss_kib(pid), strict=True)) for pid in server.workers()
        }
    first, last = (checkpoints[c] for c in MEMORY_CHECKPOINTS)
    growth = [(last[pid]["rss_kib"] - first[pid]["rss_kib"]) / first[pid]["rss_kib"] for pid in last if pid in first]
    result = {
        "checkpoints": {str(k): v for k, v in checkpoints.items()},
        "requests": done,
        "peak_rss_mib": round(max(w["peak_kib"] for w in last.values()) / 1024, 1),
        "growth": round(max(growth), 4) if growth else None,
        "from_to": list(MEMORY_CHECKPOINTS),
    }
    log(
        f"    peak RSS per worker {result['peak_rss_mib']} MiB, growth {MEMORY_CHECKPOINTS[0]}→"
        f"{MEMORY_CHECKPOINTS[1]} requests {result['growth']:.1%}"
    )
    return result


def profile_worst(server: Gunicorn, scenarios: list[dict], count: int = 2) -> list[dict]:
    """py-spy on one worker while the lowest-ratio scenarios run: the hottest functions."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        log("  py-spy not installed (requirements-dev.txt): no profile")
        return []
    worst = sorted((s for s in scenarios if s.get("ratio") is not None), key=lambda s: s["ratio"])[:count]
    profiles = []
    for scenario in worst:
        with tempfile.NamedTemporaryFile(suffix=".txt", delete=False) as output:
            path = output.name
        pid = server.workers()[0]
        spy = subprocess.Popen(  # noqa: S603
            [
                py_spy,
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(max(SECONDS, 4)),
                "--format",
                "raw",
                "--output",
                path,
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wrk_scenario(scenario, max(SECONDS, 4) + 1, port=server.port)
        spy.wait(timeout=60)
        profiles.append({"scenario": scenario["name"], "top": report.hottest(Path(path))})
        log(
            f"  profile of {scenario['name']}: "
            + "; ".join(f"{f['share']:.0%} {f['frame']}" for f in profiles[-1]["top"][:4])
        )
    return profiles


def machine() -> dict:
    def version(command: list[str]) -> str:
        try:
            return subprocess.run(command, capture_output=True, text=True, check=False).stdout.strip().splitlines()[0]  # noqa: S603
        except (OSError, IndexError):
            return "unknown"

    import django

    with psycopg.connect(CALIBRATION_DATABASE_URL) as connection:
        postgres = connection.execute("SHOW server_version").fetchone()[0]
    import redis

    memory_kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu.group(1) if cpu else platform.processor(),
        "ram_gib": round(memory_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": postgres,
        "redis": redis.Redis.from_url(REDIS_URL).info()["redis_version"],
        "gunicorn": version([sys.executable, "-m", "gunicorn", "--version"]),
        "wrk": version(["wrk", "-v"]),
        "load_average_at_start": os.getloadavg(),
    }


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk (Debian package)")
    VAR.mkdir(parents=True, exist_ok=True)
    # Stopped from outside: leave through the finally blocks that stop both gunicorns.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    started = time.monotonic()
    run_id = datetime.datetime.now(tz=datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    log(
        f"Tongban benchmark {run_id} ({'BENCH_QUICK: small data, short runs' if QUICK else 'full'}): "
        f"gunicorn {WORKERS} sync workers, wrk -t{THREADS} -c{CONNECTIONS}, {SECONDS} s per scenario"
    )
    flush_redis()
    prepare_calibration()
    datasets = [SMALL] if QUICK else [SMALL, LARGE]
    if os.environ.get("BENCH_DATASETS"):
        datasets = [DATASETS[name] for name in os.environ["BENCH_DATASETS"].split(",")]
    results = {
        "run": run_id,
        "quick": QUICK,
        "settings": {
            "workers": WORKERS,
            "threads": THREADS,
            "connections": CONNECTIONS,
            "seconds": SECONDS,
            "passes": PASSES,
        },
        "machine": machine(),
        "datasets": {},
    }
    prepared = [prepare_dataset(dataset, run_id) for dataset in datasets]
    results["datasets"] = measure(prepared)
    results["seconds"] = round(time.monotonic() - started)
    report.write(results)
