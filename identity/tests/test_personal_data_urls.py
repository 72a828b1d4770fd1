"""No personal data in URLs: mobile numbers, ID numbers and USCCs travel in
POST bodies and the session, never in a path or query string (which reach
access logs, browser history and Referer headers)."""

import json
from urllib.parse import unquote

import pytest
from django.core.cache import cache
from django.test import Client

from common import sms

from .factories import EnterpriseFactory, UserFactory, login_with_totp, valid_uscc

pytestmark = pytest.mark.django_db

MOBILE = "13912348888"
ID_NUMBER = "440106199001011235"  # the resident's number, searched for by officials


def _urls(response) -> list[str]:
    """Every URL the browser went through to get ``response``: the redirects and the final request."""
    final = response.request["PATH_INFO"] + "?" + response.request.get("QUERY_STRING", "")
    return [unquote(url) for url, _status in getattr(response, "redirect_chain", [])] + [unquote(final)]


def _assert_not_in_urls(responses, *secrets: str) -> None:
    urls = [url for response in responses for url in _urls(response)]
    assert urls
    for url in urls:
        for secret in secrets:
            assert secret not in url, url


@pytest.fixture(autouse=True)
def _clean_sms():
    cache.clear()
    sms.outbox.clear()


def test_registration_keeps_the_mobile_number_out_of_every_url(client, django_capture_on_commit_callbacks):
    responses = [client.get("/account/register/")]
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post("/account/sms-code/", {"mobile": MOBILE, "purpose": "register"}, follow=True)
    responses.append(sent)
    # The page that asked gets the number back from the session, in its form.
    assert sent.redirect_chain == [("/account/register/", 302)]
    assert f'value="{MOBILE}"' in sent.content.decode()
    code = sms.outbox[-1].params["code"]
    form = {"mobile": MOBILE, "sms_code": code, "password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"}
    registered = client.post("/account/register/", form, follow=True)
    responses.append(registered)
    assert registered.redirect_chain[0][0].endswith("/account/verify/")
    _assert_not_in_urls(responses, MOBILE, MOBILE[3:7] + MOBILE[7:])


def test_sms_login_keeps_the_mobile_number_out_of_every_url(client, django_capture_on_commit_callbacks):
    UserFactory(mobile=MOBILE, username=MOBILE)
    responses = [client.get("/account/login/sms/")]
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post("/account/sms-code/", {"mobile": MOBILE, "purpose": "login"}, follow=True)
    responses.append(sent)
    assert f'value="{MOBILE}"' in sent.content.decode()
    code = sms.outbox[-1].params["code"]
    signed_in = client.post("/account/login/sms/", {"mobile": MOBILE, "sms_code": code}, follow=True)
    responses.append(signed_in)
    assert signed_in.redirect_chain
    assert client.session["_auth_user_id"]
    _assert_not_in_urls(responses, MOBILE)


def test_a_refused_code_request_does_not_put_the_number_in_the_url(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/account/sms-code/", {"mobile": MOBILE, "purpose": "register"})
    # The second request within a minute is refused by the rate limit.
    again = client.post("/account/sms-code/", {"mobile": MOBILE, "purpose": "register"}, follow=True)
    _assert_not_in_urls([again], MOBILE)


# --- The officials' admin ------------------------------------------------------------


@pytest.fixture
def official_client(client):
    login_with_totp(client, UserFactory(official=True, is_superuser=True, with_totp=True))
    return client


def _search(client, changelist: str, term: str):
    return client.post(changelist, {"_private_search": "1", "q": term}, follow=True)


def test_admin_finds_a_resident_by_full_id_number_without_it_entering_a_url(official_client):
    resident = UserFactory(verified=True, id_number=ID_NUMBER)
    UserFactory()
    response = _search(official_client, "/admin/identity/user/", ID_NUMBER)
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [resident]
    _assert_not_in_urls([response], ID_NUMBER, ID_NUMBER[6:14])
    html = response.content.decode()
    assert ID_NUMBER not in html
    assert "4401**********1235" in html


def test_admin_finds_a_resident_by_full_mobile_number_without_it_entering_a_url(official_client):
    resident = UserFactory(mobile=MOBILE, username="resident-by-mobile")
    UserFactory()
    response = _search(official_client, "/admin/identity/user/", MOBILE)
    assert list(response.context["cl"].result_list) == [resident]
    _assert_not_in_urls([response], MOBILE)


def test_admin_finds_an_enterprise_by_full_uscc_without_it_entering_a_url(official_client):
    uscc = valid_uscc(4242)
    enterprise = EnterpriseFactory(uscc=uscc)
    EnterpriseFactory()
    response = _search(official_client, "/admin/identity/enterprise/", uscc)
    assert list(response.context["cl"].result_list) == [enterprise]
    _assert_not_in_urls([response], uscc)


def test_admin_name_search_stays_an_ordinary_query(official_client):
    resident = UserFactory(display_name="欧阳明月")
    response = _search(official_client, "/admin/identity/user/", "欧阳明月")
    assert response.redirect_chain[0][0].endswith("?q=%E6%AC%A7%E9%98%B3%E6%98%8E%E6%9C%88")
    assert list(response.context["cl"].result_list) == [resident]


def test_admin_search_keeps_the_list_filters(official_client):
    resident = UserFactory(verified=True, id_number=ID_NUMBER)
    response = official_client.post(
        "/admin/identity/user/?is_staff__exact=0", {"_private_search": "1", "q": ID_NUMBER}, follow=True
    )
    location = response.redirect_chain[0][0]
    assert "is_staff__exact=0" in location
    assert list(response.context["cl"].result_list) == [resident]


def test_admin_moves_a_full_id_number_out_of_a_query_string_at_once(official_client):
    resident = UserFactory(verified=True, id_number=ID_NUMBER)
    response = official_client.get("/admin/identity/user/", {"q": ID_NUMBER}, follow=True)
    location = response.redirect_chain[0][0]
    assert ID_NUMBER not in location
    assert "q=~" in location
    assert list(response.context["cl"].result_list) == [resident]
    assert "不能放在网址中" in response.content.decode()


def test_a_search_token_is_good_only_in_the_session_that_made_it(official_client):
    UserFactory(verified=True, id_number=ID_NUMBER)
    response = _search(official_client, "/admin/identity/user/", ID_NUMBER)
    location = response.redirect_chain[0][0]
    other = Client()
    official = UserFactory(official=True, is_superuser=True)
    login_with_totp(other, official)
    assert other.get(location).context["cl"].result_count == 0


def test_the_admin_search_box_posts(official_client):
    html = official_client.get("/admin/identity/user/").content.decode()
    assert '<form id="changelist-search" method="post"' in html


def test_the_session_keeps_the_digest_of_a_searched_id_number_not_the_number(official_client):
    UserFactory(verified=True, id_number=ID_NUMBER)
    _search(official_client, "/admin/identity/user/", ID_NUMBER)
    stored = json.dumps(dict(official_client.session), ensure_ascii=False)
    assert "admin_private_searches" in stored
    assert ID_NUMBER not in stored
    assert "4401**********1235" in stored
