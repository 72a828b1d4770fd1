"""The demo OAuth2 clients that seed_demo creates."""

from io import StringIO

import pytest
from django.core.management import call_command
from oauth2_provider.models import get_application_model

from identity.oauth_demo import DEMO_PARTNER_WEB_REDIRECT_URI

from .oauth_helpers import basic_auth

Application = get_application_model()

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_the_demo_partner_once_and_prints_it():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=StringIO())

    assert Application.objects.filter(client_id="demo-partner").count() == 1
    assert Application.objects.filter(client_id="demo-partner-web").count() == 1
    assert "demo-partner / demo-partner-secret" in out.getvalue()
    assert DEMO_PARTNER_WEB_REDIRECT_URI in out.getvalue()


def test_demo_partner_gets_a_client_credentials_token_for_every_scope(client):
    call_command("seed_demo", stdout=StringIO())
    partner = Application.objects.get(client_id="demo-partner")
    assert partner.client_secret != "demo-partner-secret"  # stored hashed

    scopes = "catalogue:read applications:read applications:write certificates:verify payments:read eid:verify"
    response = client.post(
        "/o/token/",
        {"grant_type": "client_credentials", "scope": scopes},
        **basic_auth("demo-partner", "demo-partner-secret"),
    )

    assert response.status_code == 200, response.content
    assert set(response.json()["scope"].split()) == set(scopes.split())


def test_demo_partner_web_uses_the_authorization_code_grant():
    call_command("seed_demo", stdout=StringIO())
    web = Application.objects.get(client_id="demo-partner-web")

    assert web.authorization_grant_type == Application.GRANT_AUTHORIZATION_CODE
    assert web.redirect_uris == DEMO_PARTNER_WEB_REDIRECT_URI
    assert web.algorithm == Application.RS256_ALGORITHM
