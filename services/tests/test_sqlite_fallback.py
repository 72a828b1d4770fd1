"""The embedded default (``make demo``) runs on SQLite, where search falls back
to substring matching. This runs the real commands on a throwaway SQLite file."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QUERIES = ["营业执照", "yyzz", "社保卡", "公租房", "二手房 过户"]
PHRASINGS = ["企业开办", "开办企业", "注册公司"]
SCRIPT = f"""
import json
from services import selectors
found = {{q: [i.name for i in selectors.service_item_search(query=q)[:3]] for q in {QUERIES!r}}}
pages = {{q: selectors.catalogue_search(query=q) for q in {PHRASINGS!r}}}
for q, page in pages.items():
    found[q] = [i.name for i in page.items] + [e.kind + ":" + e.code for e in page.navigation]
empty = selectors.catalogue_search(query="营叶执照")
found["empty"] = [empty.did_you_mean, len(empty.nearest_topics), len(empty.popular_items)]
print(json.dumps(found))
"""


@pytest.fixture
def sqlite_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "TEST_DATABASE_URL")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", SQLITE_PATH=str(tmp_path / "demo.sqlite3"))
    env["DJANGO_DEBUG"] = "false"
    return env


def _manage(env, *args) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=120
    ).stdout


def test_demo_catalogue_search_works_on_sqlite(sqlite_env):
    _manage(sqlite_env, "migrate", "--noinput", "-v0")
    assert "67 项事项" in _manage(sqlite_env, "seed_demo")
    results = json.loads(_manage(sqlite_env, "shell", "-c", SCRIPT).strip().splitlines()[-1])
    assert results["营业执照"][0] == "企业设立登记（营业执照）"
    assert results["yyzz"][0] == "企业设立登记（营业执照）"
    assert results["社保卡"][0] == "社会保障卡申领"
    assert results["公租房"][0] == "公共租赁住房申请"
    assert results["二手房 过户"][0] == "不动产转移登记（二手房过户）"
    for phrasing in PHRASINGS:
        assert "企业设立登记（营业执照）" in results[phrasing][:20]
        assert "topic:enterprise-start" in results[phrasing]
    did_you_mean, topics, popular = results["empty"]
    assert did_you_mean == "营业执照" and topics and popular
