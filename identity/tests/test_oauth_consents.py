"""The resident's authorised partners: listed with scopes and dates, withdrawn at once (PIPL art. 15)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oauth2_provider.models import get_access_token_model, get_grant_model, get_id_token_model, get_refresh_token_model

from identity.models import PartnerAuthorization

from .factories import UserFactory
from .oauth_helpers import (
    WEB_SECRET,
    authorization_code_tokens,
    basic_auth,
    consent,
    make_web_application,
)

pytestmark = pytest.mark.django_db

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
IDToken = get_id_token_model()
Grant = get_grant_model()


@pytest.fixture
def resident(client):
    user = UserFactory()
    client.force_login(user)
    return user


def _other_app():
    return make_web_application(
        client_id="other-web-partner", name="另一合作网站", redirect_uris="https://other.example.org/callback"
    )


def test_consenting_records_the_partner_with_its_scopes(client, resident):
    application = make_web_application()

    consent(client, application, scope="openid profile")
    consent(client, application, scope="openid phone")

    authorization = PartnerAuthorization.objects.get(user=resident, application=application)
    assert authorization.scopes == ["openid", "phone", "profile"]
    assert authorization.withdrawn_at is None
    assert authorization.granted_at <= authorization.updated_at


def test_refusing_consent_records_nothing(client, resident):
    consent(client, make_web_application(), allow=False)

    assert not PartnerAuthorization.objects.exists()


def test_the_page_lists_each_authorised_partner_with_scopes_and_dates_in_few_queries(client, resident):
    authorization_code_tokens(client, make_web_application(), scope="openid profile")
    authorization_code_tokens(client, _other_app(), scope="openid phone")

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/account/authorizations/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "合作网站" in html and "另一合作网站" in html
    assert "查看您的姓名" in html and "查看您的手机号码" in html
    assert html.count('action="/account/authorizations/') == 2
    # The user, one query for the list with its applications (not one per partner), the inbox badge.
    listing = [query for query in queries.captured_queries if "partnerauthorization" in query["sql"]]
    assert len(listing) == 1
    assert len(queries) <= 5


def test_the_security_page_links_to_the_authorizations_page(client, resident):
    assert 'href="/account/authorizations/"' in client.get("/account/security/").content.decode()


def test_the_page_speaks_english(client, resident):
    authorization_code_tokens(client, make_web_application(), scope="openid profile")

    html = client.get("/en/account/authorizations/").content.decode()

    assert "Authorised applications" in html
    assert "See your name" in html
    assert "已授权的应用" not in html


def test_withdrawing_revokes_every_token_and_unused_code_of_that_partner_at_once(client, resident):
    application = make_web_application()
    tokens = authorization_code_tokens(client, application, scope="openid profile")
    consent(client, application)  # an unused code
    other = authorization_code_tokens(client, _other_app(), scope="openid")
    assert Grant.objects.filter(application=application).exists()

    response = client.post(f"/account/authorizations/{application.pk}/withdraw/")

    assert response.status_code == 302
    assert response["Location"] == "/account/authorizations/"
    assert not AccessToken.objects.filter(user=resident, application=application).exists()
    assert not IDToken.objects.filter(user=resident, application=application).exists()
    assert not Grant.objects.filter(user=resident, application=application).exists()
    assert not RefreshToken.objects.filter(user=resident, application=application, revoked__isnull=True).exists()
    client.logout()
    assert client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}").status_code == 401
    refreshed = client.post(
        "/o/token/",
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        **basic_auth(application.client_id, WEB_SECRET),
    )
    assert refreshed.status_code == 400
    # The other partner keeps its access.
    assert client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {other['access_token']}").status_code == 200
    record = PartnerAuthorization.objects.get(user=resident, application=application)
    assert record.withdrawn_at is not None


def test_a_withdrawn_partner_leaves_the_list_and_must_ask_again(client, resident):
    application = make_web_application()
    authorization_code_tokens(client, application, scope="openid profile")
    client.post(f"/account/authorizations/{application.pk}/withdraw/")

    assert "合作网站" not in client.get("/account/authorizations/").content.decode()
    # Withdrawing again changes nothing and is not an error.
    assert client.post(f"/account/authorizations/{application.pk}/withdraw/").status_code == 302


def test_withdrawing_needs_post_a_session_and_ones_own_consent(client, resident):
    application = make_web_application()
    tokens = authorization_code_tokens(client, application, scope="openid")

    assert client.get(f"/account/authorizations/{application.pk}/withdraw/").status_code == 405
    intruder = UserFactory(username="intruder", mobile="13900000000")
    client.force_login(intruder)
    assert client.post(f"/account/authorizations/{application.pk}/withdraw/").status_code == 404
    client.logout()
    anonymous = client.post(f"/account/authorizations/{application.pk}/withdraw/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/account/login/")
    assert client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}").status_code == 200
