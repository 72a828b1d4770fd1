"""The partner guide works as written: every ``sh`` block of docs/partners/*.md runs, in order,
against a live server with the demo data, with the real ``curl``, ``jq`` and ``openssl``.

Each page runs in a fresh environment. Blocks share variables through ``export``. What a partner
obtains outside the shell (a browser consent, a QR code scanned at the desk, a PDF to upload, a
signed JWT built with a library, a webhook request received) is provided by :data:`PROVIDERS`,
the first time a block needs a variable the page has not set, the way the guide says to obtain it.
"""

import re
import shlex
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client

from applications.tests.factories import pdf_upload
from identity.demo import RESIDENT_MOBILE
from identity.models import User
from identity.oauth_demo import DEMO_PARTNER_WEB_CLIENT_ID, DEMO_PARTNER_WEB_REDIRECT_URI
from identity.services.eid import eid_token_issue
from portal import developers

GUIDE = Path(settings.BASE_DIR) / "docs" / "partners"
SH_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)
VARIABLE = re.compile(r"\$\{?([A-Z][A-Z0-9_]*)")
DECLARED = re.compile(r"^declare -x ([A-Za-z_][A-Za-z0-9_]*)=", re.M)
PAGES = sorted(path.name for path in GUIDE.glob("*.md") if SH_BLOCK.search(path.read_text(encoding="utf-8")))


def _resident() -> User:
    return User.objects.get(mobile=RESIDENT_MOBILE)


def _consent(url: str) -> str:
    """The resident opens ``url`` in a browser, signs in and allows: the code the callback receives."""
    browser = Client()
    browser.force_login(_resident())
    parts = urlsplit(url)
    page = browser.get(f"{parts.path}?{parts.query}")
    assert page.status_code == 200, page.content
    answer = {key: value for key, value in page.context["form"].initial.items() if value is not None}
    answered = browser.post("/o/authorize/", {**answer, "allow": "on"})
    assert answered.status_code == 302, answered.content
    assert answered["Location"].startswith(DEMO_PARTNER_WEB_REDIRECT_URI + "?")
    query = parse_qs(urlsplit(answered["Location"]).query)
    assert query["state"] == parse_qs(parts.query)["state"]
    return query["code"][0]


def _code(env: dict, tmp_path: Path) -> dict:
    return {"CODE": _consent(env["AUTHORIZE_URL"])}


def _resident_token(env: dict, tmp_path: Path) -> dict:
    """What the sign-in page ends with: an access token of the demo resident for the demo web client."""
    from identity.tests.oauth_helpers import pkce_pair

    verifier, challenge = pkce_pair()
    url = (
        f"/o/authorize/?response_type=code&client_id={DEMO_PARTNER_WEB_CLIENT_ID}"
        f"&redirect_uri={DEMO_PARTNER_WEB_REDIRECT_URI}&scope=openid%20applications:read%20applications:write"
        f"&state=s{verifier[:8]}&code_challenge={challenge}&code_challenge_method=S256"
    )
    code = _consent(url)
    from identity.oauth_demo import DEMO_PARTNER_WEB_SECRET
    from identity.tests.oauth_helpers import basic_auth

    answer = Client().post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": DEMO_PARTNER_WEB_REDIRECT_URI,
            "code_verifier": verifier,
        },
        **basic_auth(DEMO_PARTNER_WEB_CLIENT_ID, DEMO_PARTNER_WEB_SECRET),
    )
    assert answer.status_code == 200, answer.content
    return {"RESIDENT_TOKEN": answer.json()["access_token"]}


def _sample_pdf(env: dict, tmp_path: Path) -> dict:
    path = tmp_path / "sample.pdf"
    path.write_bytes(pdf_upload().read())
    return {"SAMPLE_PDF": str(path)}


def _eid_qr_text(env: dict, tmp_path: Path) -> dict:
    compact, _token = eid_token_issue(user=_resident())
    return {"EID_QR_TEXT": compact}


def _client_assertion(env: dict, tmp_path: Path) -> dict:
    """A partner's private_key_jwt client with a registered key, and an assertion built as the guide does (PyJWT)."""
    import time
    import uuid

    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from joserfc.jwk import RSAKey

    from partners.models import Partner
    from partners.services import partner_client_create, partner_client_key_add

    partner = Partner.objects.get(enterprise__legal_representative=_resident())
    client, _secret = partner_client_create(
        partner=partner,
        actor=_resident(),
        environment="sandbox",
        name="指南示例后台",
        grant_type="client-credentials",
        auth_method="private_key_jwt",
        redirect_uris=[],
    )
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key = partner_client_key_add(
        client=client, actor=_resident(), public_jwk=RSAKey.import_key(pem).as_dict(private=False)
    )
    client_id = client.application.client_id
    now = int(time.time())
    assertion = jwt.encode(
        {
            "iss": client_id,
            "sub": client_id,
            "aud": f"{env['TONGBAN']}/o/token/",
            "iat": now,
            "exp": now + 300,
            "jti": str(uuid.uuid4()),
        },
        pem,
        algorithm="RS256",
        headers={"kid": key.kid},
    )
    return {"CLIENT_ASSERTION": assertion, "JWT_CLIENT_ID": client_id}


_RECEIVERS = []


def _received_webhook(env: dict, tmp_path: Path) -> dict:
    """A real delivery to the demo partner's receiver: the resident consented to its web client,
    the partner subscribed, an application's status changed; what the receiver got, and its secret."""
    from django.db import transaction
    from oauth2_provider.models import get_application_model

    from identity.oauth.services import partner_authorization_record
    from identity.oauth_demo import DEMO_PARTNER_WEB_CLIENT_ID
    from partners.events import event_publish
    from partners.models import Partner
    from partners.tests.test_webhooks import Receiver
    from partners.webhooks.services import delivery_attempt, webhook_subscribe

    receiver = Receiver().start()
    _RECEIVERS.append(receiver)
    resident = _resident()
    partner = Partner.objects.get(enterprise__legal_representative=resident)
    web = get_application_model().objects.get(client_id=DEMO_PARTNER_WEB_CLIENT_ID)
    partner_authorization_record(user=resident, application=web, scopes=["openid", "applications:read"])
    subscription = webhook_subscribe(
        partner=partner, url=receiver.url, event_types=["application.status_changed"], actor=resident
    )
    receiver.secret = subscription.secret
    with transaction.atomic():
        event = event_publish(
            event_type="application.status_changed",
            resource_type="application",
            resource_id="GA-20261130-000001",
            data={"case_number": "GA-20261130-000001", "from_status": "submitted", "to_status": "accepted"},
            user=resident,
        )
    delivery = event.deliveries.get()
    assert delivery_attempt(delivery_id=delivery.pk)
    headers, body, verified = receiver.received[0]
    assert verified
    body_file = tmp_path / "webhook-body.json"
    body_file.write_bytes(body)
    return {
        "SIGNATURE_HEADER": headers["Tongban-Signature"],
        "BODY_FILE": str(body_file),
        "WEBHOOK_SECRET": subscription.secret,
    }


PROVIDERS = {
    "SIGNATURE_HEADER": _received_webhook,
    "CLIENT_ASSERTION": _client_assertion,
    "CODE": _code,
    "RESIDENT_TOKEN": _resident_token,
    "SAMPLE_PDF": _sample_pdf,
    "EID_QR_TEXT": _eid_qr_text,
}


def _declared(env_file: Path) -> set[str]:
    return set(DECLARED.findall(env_file.read_text()))


def _run_page(name: str, *, base_url: str, tmp_path: Path) -> list[str]:
    env_file = tmp_path / "env.sh"
    env_file.write_text(f"export TONGBAN={shlex.quote(base_url)}\nexport HOME={shlex.quote(str(tmp_path))}\n")
    outputs = []
    for number, block in enumerate(SH_BLOCK.findall((GUIDE / name).read_text(encoding="utf-8")), start=1):
        declared = _declared(env_file) | {"TONGBAN", "HOME"}
        for variable in dict.fromkeys(VARIABLE.findall(block)):
            if variable not in declared and variable in PROVIDERS:
                env = dict(re.findall(r'^declare -x ([A-Za-z_][A-Za-z0-9_]*)="(.*)"$', env_file.read_text(), re.M))
                provided = PROVIDERS[variable](env, tmp_path)
                with env_file.open("a") as handle:
                    handle.writelines(f"export {key}={shlex.quote(value)}\n" for key, value in provided.items())
                declared |= set(provided)
        script = f'set -euo pipefail\nsource "$1"\n{block}\nexport -p > "$1"\n'
        result = subprocess.run(
            ["/bin/bash", "-c", script, "guide", str(env_file)],
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            check=False,
        )
        assert result.returncode == 0, (
            f"{name}, sh block {number} failed:\n{block}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
        outputs.append(result.stdout)
    return outputs


@pytest.mark.parametrize("page", PAGES)
def test_every_curl_step_of_the_guide_runs_against_the_demo(page, live_server, demo_data, tmp_path):
    blocks = SH_BLOCK.findall((GUIDE / page).read_text(encoding="utf-8"))
    try:
        outputs = _run_page(page, base_url=live_server.url, tmp_path=tmp_path)
    finally:
        while _RECEIVERS:
            _RECEIVERS.pop().stop()
    # Every curl step prints what it got (a field of the answer), so an empty answer would show.
    assert all(output.strip() for block, output in zip(blocks, outputs, strict=True) if "curl" in block), outputs


def test_the_guide_pages_are_served_with_links_between_them(client):
    index = client.get("/developers/")
    assert index.status_code == 200
    body = index.content.decode()
    for page in developers.guide_pages():
        if page.slug:
            assert f'href="/developers/{page.slug}/"' in body
    assert ".md" not in re.sub(r"<code>.*?</code>", "", body)
    english = client.get("/en/developers/tokens/")
    assert english.status_code == 200


def test_every_problem_type_uri_lands_on_its_entry_in_the_error_catalogue(client):
    catalogue = client.get("/developers/errors/").content.decode()
    codes = {entry.code for entry in developers.error_catalogue()}
    assert {"invalid_token", "insufficient_scope", "not_found", "invalid"} <= codes
    for code in codes:
        assert f'id="{code}"' in catalogue
    problem = client.get("/api/v1/applications/", HTTP_AUTHORIZATION="Bearer nope").json()
    assert problem["type"] == f"{settings.PROBLEM_TYPE_BASE}#invalid_token"
    assert urlsplit(problem["type"]).path == "/developers/errors/"


def test_api_errors_follow_accept_language(client):
    chinese = client.get("/api/v1/applications/", HTTP_AUTHORIZATION="Bearer nope")
    english = client.get("/api/v1/applications/", HTTP_AUTHORIZATION="Bearer nope", HTTP_ACCEPT_LANGUAGE="en")
    assert chinese.json()["code"] == english.json()["code"] == "invalid_token"
    assert chinese.json()["detail"] != english.json()["detail"]
    assert english.json()["detail"].isascii()
    assert english["Content-Language"] == "en"
    assert chinese["Content-Language"] == "zh-hans"
