import re

import pytest

pytestmark = pytest.mark.django_db


def test_home_page_has_charset_viewport_landmarks_and_skip_link(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<meta charset="utf-8">' in html
    assert 'name="viewport"' in html
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in html
    assert re.search(r'<a class="skip-link" href="#main">跳到主要内容</a>', html)
    assert '<main id="main"' in html
    assert 'lang="zh-hans"' in html


def test_chinese_is_the_default_and_english_lives_under_en(client):
    chinese = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert chinese["Content-Language"] == "zh-hans"
    assert "一网通办，少填少报少跑快办" in chinese.content.decode()

    english = client.get("/en/")
    assert english.status_code == 200
    assert english["Content-Language"] == "en"
    html = english.content.decode()
    assert 'lang="en"' in html
    assert "Skip to main content" in html
    # The switch links back to the same page in Chinese.
    assert '<a href="/" lang="zh-hans" hreflang="zh-hans">简体中文</a>' in html


def test_anonymous_page_sets_no_cookie(client):
    response = client.get("/")
    assert response.cookies == {}
    assert "Cookie" not in response.get("Vary", "")


def test_pages_carry_a_strict_content_security_policy(client):
    policy = client.get("/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["script-src"] == "'self'"


def test_every_response_echoes_a_request_id(client):
    assert len(client.get("/")["X-Request-ID"]) == 32
    assert client.get("/", HTTP_X_REQUEST_ID="partner-req-12345")["X-Request-ID"] == "partner-req-12345"
    assert client.get("/", HTTP_X_REQUEST_ID="bad id\n")["X-Request-ID"] != "bad id\n"


def test_unknown_page_answers_404_in_chinese(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "您访问的页面不存在" in response.content.decode()


def test_openapi_schema_is_served(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Tongban API"
