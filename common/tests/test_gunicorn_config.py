"""gunicorn.conf.py's worker hooks."""

import runpy

from django.conf import settings

from services import search


def test_a_new_worker_loads_the_search_segmenter_before_its_first_request(monkeypatch):
    monkeypatch.setattr(search, "_jieba", None)
    hooks = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))

    hooks["post_worker_init"](worker=None)

    assert search._jieba is not None
    assert search.segment("营业执照")
