"""The consent page in a real Chromium: strict CSP, keyboard only, mobile width."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from oauth2_provider.models import get_grant_model

from .factories import UserFactory
from .oauth_helpers import authorize_url, make_web_application, pkce_pair

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resident_allows_a_partner_with_the_keyboard_alone(live_server, page):
    # The partner's site must be another origin than ours for the CSP to matter:
    # "localhost" is the same server under another name.
    port = urlsplit(live_server.url).port
    callback = f"http://localhost:{port}/partner-callback"
    application = make_web_application(redirect_uris=callback)
    session = Client()
    session.force_login(UserFactory())
    page.context.add_cookies(
        [{"name": "sessionid", "value": session.cookies["sessionid"].value, "url": live_server.url}]
    )
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    _verifier, challenge = pkce_pair()

    page.goto(
        live_server.url
        + authorize_url(application, redirect_uri=callback, code_challenge=challenge, code_challenge_method="S256")
    )

    assert page.title().startswith("授权确认")
    assert page.locator("h1").inner_text() == "“合作网站”请求使用您的通办账号"
    allow = page.get_by_role("button", name="同意授权")
    # Mobile first: on a phone the buttons span the column, easy to hit.
    assert allow.bounding_box()["width"] > 300
    assert page.get_by_role("button", name="拒绝").is_visible()

    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "同意授权":
            break
    else:
        pytest.fail("the allow button is not reachable with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(callback + "?**")

    query = parse_qs(urlsplit(page.url).query)
    assert query["state"] == ["state-123"]
    assert get_grant_model().objects.get().code == query["code"][0]
    assert violations == []


def test_authorizations_page_passes_axe_and_withdraws_in_one_click(live_server, page):
    from axe_playwright_python.sync_playwright import Axe

    from identity.oauth.services import partner_authorization_record

    user = UserFactory()
    application = make_web_application()
    partner_authorization_record(user=user, application=application, scopes=["openid", "profile", "phone"])
    session = Client()
    session.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": session.cookies["sessionid"].value, "url": live_server.url}]
    )

    page.goto(live_server.url + "/account/authorizations/")

    assert page.get_by_role("rowheader", name="合作网站").is_visible()
    results = Axe().run(
        page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    )
    assert results.violations_count == 0, results.generate_report()
    page.get_by_role("button", name="撤回对“合作网站”的授权").click()
    page.wait_for_url(live_server.url + "/account/authorizations/")
    assert page.get_by_text("您尚未授权任何合作方应用。").is_visible()
