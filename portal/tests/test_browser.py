import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_renders_in_chromium_with_no_csp_violation(live_server, page):
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )

    page.goto(live_server.url + "/")
    assert page.title().startswith("首页")
    # The stylesheet loaded under the CSP: the header has the brand colour.
    assert page.eval_on_selector(".site-header", "el => getComputedStyle(el).backgroundColor") == "rgb(179, 38, 30)"

    # The skip link is the first thing a keyboard reaches, and it moves focus to main.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    page.get_by_role("link", name="English").click()
    page.wait_for_url(live_server.url + "/en/")
    assert (
        page.locator("h1").inner_text()
        == "One network for everything: fill in less, submit less, travel less, done faster"
    )
    assert violations == []
