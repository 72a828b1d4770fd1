"""The benchmark harness stays runnable: its modules import, its request lists are valid,
and the calibration app's views answer (under their own settings, in a subprocess).
Nothing here is timed."""

import importlib
import json
import os
import subprocess
import sys
import urllib.parse

import psycopg
import pytest

from bench import environment, prepare, report

HARNESS_MODULES = ("bench.run", "bench.data", "bench.prepare", "bench.relay", "bench.report", "bench.selfcheck")


@pytest.mark.parametrize("name", HARNESS_MODULES)
def test_harness_module_imports(name):
    assert importlib.import_module(name).__doc__


def test_benchmark_databases_are_prefixed():
    assert environment.LARGE.database_url.endswith("/tongban_bench_large")
    with pytest.raises(ValueError, match="tongban_bench_"):
        environment.database_url("tongban")


def test_request_list_is_a_lua_table(tmp_path):
    path = tmp_path / "list.lua"
    prepare.write_lua(path, [{"method": "GET", "path": "/search/?q=%E8%90%A5", "headers": {"Cookie": "sessionid=x"}}])
    text = path.read_text()
    assert text.startswith("return {") and "[===[/search/?q=%E8%90%A5]===]" in text
    assert "[ [===[Cookie]===] ] = [===[sessionid=x]===]" in text
    with pytest.raises(ValueError, match="terminator"):
        prepare.lua_string("a]===]b")


def test_upload_pdf_is_about_one_megabyte():
    pdf = prepare.pdf_of_size(1024 * 1024)
    assert pdf.startswith(b"%PDF-") and 1000 * 1024 < len(pdf) < 1100 * 1024


def test_ratio_table_names_calibration_and_targets():
    scenario = {
        "name": "API service detail",
        "rps": 50.0,
        "p50_ms": 30.0,
        "p99_ms": 90.0,
        "queries": 11,
        "calibration": "drf",
        "ratio": 0.05,
        "errors": 0,
    }
    calibration = {"rps": 1000.0, "p50_ms": 2.0, "p99_ms": 9.0, "rps_before": 990.0, "rps_after": 1010.0}
    results = {
        "datasets": {
            "small": {
                "dataset": environment.SMALL.__dict__,
                "calibration": {"drf": calibration},
                "scenarios": [scenario],
                "relay": {
                    "messages_per_second": 10.0,
                    "latency": {
                        "submissions": 250,
                        "target_per_second": 50,
                        "achieved_per_second": 49.6,
                        "failures": 0,
                        "sms_delivered": 250,
                        "commit_to_sms_p50_ms": 41.0,
                        "commit_to_sms_p95_ms": 97.5,
                        "commit_to_sms_max_ms": 130.2,
                    },
                },
            }
        }
    }
    table = report.table(results)
    assert "API service detail" in table and " 0.050 " in table and " 0.8 " in table
    assert "p95 97.5 ms" in table and "250 of 250 SMS delivered" in table


def test_calibration_views_answer():
    server = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    url = urllib.parse.urlparse(server)._replace(path="/tongban_bench_selfcheck").geturl()
    with psycopg.connect(
        urllib.parse.urlparse(server)._replace(path="/postgres").geturl(), autocommit=True
    ) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = 'tongban_bench_selfcheck'").fetchone():
            connection.execute('CREATE DATABASE "tongban_bench_selfcheck"')
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "CALIBRATION_DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "bench.calibration.settings",
        "CALIBRATION_POOL_TIMEOUT": "60",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bench.selfcheck"],
        cwd=environment.ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert answers["/hello"] == {"status": 200, "body": "ok"}
    assert json.loads(answers["/one-query?n=3"]["body"]) == {"code": "CAL-00003", "title": "第3项"}
    assert answers["/page?page=1"]["status"] == 200 and answers["/page?page=1"]["body"].count("<li>") == 20
    rows = json.loads(answers["/drf?page=1"]["body"])
    assert answers["/drf?page=1"]["status"] == 200 and len(rows) == 20 and rows[0]["code"] == "CAL-00020"
    assert answers["/upload"]["status"] == 201 and json.loads(answers["/upload"]["body"]) == {"size": 10}
