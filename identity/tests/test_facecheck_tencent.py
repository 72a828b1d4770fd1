"""The Tencent Cloud FaceId adapter, against a fake transport (httpx.MockTransport) that
records each signed request and answers as the documentation shows."""

import hashlib
import hmac
import json
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from django.test import override_settings
from django.urls import reverse

from common.exceptions import ApplicationError
from identity.constants import FaceCheckDecision, FaceCheckStatus
from identity.facecheck import register
from identity.facecheck.contrib.tencent import TencentFaceIdProvider, tc3_authorization
from identity.forms import FACE_CONSENT_TEXT
from identity.models import FaceCheck
from identity.services.facecheck import face_check_start, face_checks_poll

from .factories import UserFactory
from .test_facecheck import rows_holding

pytestmark = pytest.mark.django_db

CONFIG = {
    "SECRET_ID": "AKIDtongbantest",
    "SECRET_KEY": "tongban-test-secret-key",
    "RULE_ID": "7",
    "REGION": "ap-guangzhou",
    "ENDPOINT": "https://faceid.tencentcloudapi.com",
    "TIMEOUT": 5.0,
}
BIZ_TOKEN = "CE661F1A-0F1E-45BD-BE13-34C05CEA7681"
IMAGE = "/9j/4AAQSkZJRgABAQAAAQABAAD" + "A" * 2000  # a base64 JPEG, as BestFrame carries one


# --- The documented signature example ------------------------------------------------------


def test_tc3_signature_matches_the_documented_example():
    """The worked example of TencentCloud API 3.0 "签名方法 v3" (DescribeInstances on cvm, timestamp
    1551113065): the documentation publishes the payload hash, the canonical request hash and the
    signature for SecretKey Gu5t9xGARNpq86cd98joQYCN3EXAMPLE."""
    payload = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    assert hashlib.sha256(payload).hexdigest() == "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"

    authorization = tc3_authorization(
        secret_id="AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        secret_key="Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        service="cvm",
        timestamp=1551113065,
        payload=payload,
        headers={"Content-Type": "application/json; charset=utf-8", "Host": "cvm.tencentcloudapi.com"},
    )

    assert authorization == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, "
        "SignedHeaders=content-type;host, "
        "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    )


def _expected_authorization(request: httpx.Request) -> str:
    """TC3-HMAC-SHA256 recomputed here, step by step from the documentation, over what was sent."""
    timestamp = int(request.headers["X-TC-Timestamp"])
    date = datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d")
    canonical_request = (
        "POST\n/\n\n"
        f"content-type:{request.headers['Content-Type']}\n"
        f"host:{request.headers['Host']}\n"
        f"x-tc-action:{request.headers['X-TC-Action'].lower()}\n"
        "\ncontent-type;host;x-tc-action\n" + hashlib.sha256(request.content).hexdigest()
    )
    string_to_sign = (
        f"TC3-HMAC-SHA256\n{timestamp}\n{date}/faceid/tc3_request\n"
        + hashlib.sha256(canonical_request.encode()).hexdigest()
    )
    key = ("TC3" + CONFIG["SECRET_KEY"]).encode()
    for part in (date, "faceid", "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={CONFIG['SECRET_ID']}/{date}/faceid/tc3_request, "
        f"SignedHeaders=content-type;host;x-tc-action, Signature={signature}"
    )


# --- The fake FaceId service --------------------------------------------------------------------


class FakeFaceId:
    """Answers DetectAuth and GetDetectInfoEnhanced as documented; records every request."""

    def __init__(self):
        self.requests: list[httpx.Request] = []
        self.text: dict | None = None  # the Text GetDetectInfoEnhanced answers
        self.error: dict | None = None  # an API error instead

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("Authorization") != _expected_authorization(request):
            return httpx.Response(200, json={"Response": {"Error": {"Code": "AuthFailure.SignatureFailure"}}})
        if self.error:
            return httpx.Response(200, json={"Response": {"Error": self.error, "RequestId": "r-1"}})
        action = request.headers["X-TC-Action"]
        if action == "DetectAuth":
            return httpx.Response(
                200,
                json={
                    "Response": {
                        "BizToken": BIZ_TOKEN,
                        "Url": f"https://faceid.qq.com/api/auth/h5?token={BIZ_TOKEN}",
                        "RequestId": "f904f4cf-75db-4f8f-a5ec-dc4f942c7f7a",
                    }
                },
            )
        if action == "GetDetectInfoEnhanced":
            if json.loads(request.content)["BizToken"] != BIZ_TOKEN:
                return httpx.Response(
                    200, json={"Response": {"Error": {"Code": "InvalidParameterValue.BizTokenIllegal"}}}
                )
            return httpx.Response(
                200,
                json={
                    "Response": {
                        "Text": self.text,
                        # Even though only text (InfoType 1) is asked for, an image must never be kept.
                        "BestFrame": {"BestFrame": IMAGE, "BestFrames": [IMAGE]},
                        "IdCardData": {"OcrFront": IMAGE, "Avatar": IMAGE},
                        "VideoData": {"LivenessVideo": IMAGE},
                        "RequestId": "f52bac9a-0aee-4fe6-8d34-7de4bce89473",
                    }
                },
            )
        return httpx.Response(200, json={"Response": {"Error": {"Code": "InvalidAction"}}})


def finished_text(check, *, err=0, live=0, compare=0, sim="76.52"):
    return {
        "ErrCode": err,
        "ErrMsg": "成功",
        "IdCard": check.user.id_number,
        "Name": check.user.real_name,
        "LiveStatus": live,
        "LiveMsg": "成功",
        "Comparestatus": compare,
        "Comparemsg": "成功",
        "Sim": sim,
        "Extra": str(check.pk),
        "LivenessDetail": [],
    }


@pytest.fixture
def faceid():
    fake = FakeFaceId()
    provider = TencentFaceIdProvider("tencent", client=httpx.Client(transport=httpx.MockTransport(fake)), config=CONFIG)
    with register.fresh(empty=True), override_settings(FACE_CHECK_PROVIDER="tencent"):
        register.register("tencent", provider)
        yield fake


def start(user=None):
    return face_check_start(
        user=user or UserFactory(verified=True),
        purpose="benefits.pension",
        reference="7",
        consent_given=True,
        consent_text=str(FACE_CONSENT_TEXT),
        return_url="/my/pension/certify/",
    )


# --- Start ---------------------------------------------------------------------------------------------


def test_start_sends_a_signed_detect_auth_with_the_users_identity_and_our_return_page(faceid):
    user = UserFactory(verified=True)
    check, redirect_url = start(user)

    (request,) = faceid.requests
    assert request.url == "https://faceid.tencentcloudapi.com/"
    assert request.headers["X-TC-Action"] == "DetectAuth"
    assert request.headers["X-TC-Version"] == "2018-03-01"
    assert request.headers["X-TC-Region"] == "ap-guangzhou"
    assert request.headers["Authorization"] == _expected_authorization(request)
    body = json.loads(request.content)
    assert body == {
        "RuleId": "7",
        "IdCard": user.id_number,
        "Name": user.real_name,
        "RedirectUrl": "http://127.0.0.1:8000" + reverse("facecheck:return", kwargs={"provider": "tencent"}),
        "Extra": str(check.pk),
    }
    assert redirect_url == f"https://faceid.qq.com/api/auth/h5?token={BIZ_TOKEN}"
    check.refresh_from_db()
    assert (check.provider, check.provider_session_id, check.status) == ("tencent", BIZ_TOKEN, "pending")


def test_a_refused_start_is_recorded_as_an_error_and_tells_the_user_to_use_another_way(faceid):
    faceid.error = {"Code": "UnauthorizedOperation.Arrears", "Message": "欠费"}
    with pytest.raises(ApplicationError) as refused:
        start()
    assert refused.value.code == "face_provider_unavailable"
    check = FaceCheck.objects.get()
    assert (check.status, check.decision) == (FaceCheckStatus.FAILED, FaceCheckDecision.ERROR)


# --- The browser comes back -----------------------------------------------------------------------


def _come_back(client, token=BIZ_TOKEN):
    url = reverse("facecheck:return", kwargs={"provider": "tencent"})
    page = client.get(url, {"token": token})
    assert page.status_code == 200
    assert f'value="{token}"' in page.content.decode()  # GET only shows the form that posts it back
    return client.post(url, {"token": token})


def test_the_return_looks_the_result_up_at_tencent_and_passes(client, faceid):
    check, _ = start()
    faceid.text = finished_text(check)
    client.force_login(check.user)
    requests_before = len(faceid.requests)

    response = _come_back(client)

    assert response.status_code == 302
    assert response["Location"] == f"/my/pension/certify/?face_check={check.pk}"
    lookup = faceid.requests[requests_before]
    assert lookup.headers["X-TC-Action"] == "GetDetectInfoEnhanced"
    assert json.loads(lookup.content) == {"BizToken": BIZ_TOKEN, "RuleId": "7", "InfoType": "1"}
    assert lookup.headers["Authorization"] == _expected_authorization(lookup)
    check.refresh_from_db()
    assert check.status == FaceCheckStatus.PASSED
    assert (check.liveness_passed, check.match_score) == (True, Decimal("76.52"))
    # No picture anywhere in the database.
    assert rows_holding("/9j/4AAQSkZJRg") == []


def _ended_at_tencent(client, faceid, **text):
    """Start a check, let Tencent's record of it end as ``text`` says (``finished_text``), come
    back from Tencent's page; the check, reloaded."""
    check, _ = start()
    faceid.text = finished_text(check, **text)
    client.force_login(check.user)
    _come_back(client)
    check.refresh_from_db()
    return check


def test_a_spoof_reported_by_tencent_fails(client, faceid):
    check = _ended_at_tencent(client, faceid, err=1004, live=1004, compare=None, sim=None)
    assert (check.status, check.decision, check.liveness_passed) == (
        FaceCheckStatus.FAILED,
        FaceCheckDecision.LIVENESS_FAILED,
        False,
    )


def test_a_low_similarity_fails_as_no_match(client, faceid):
    check = _ended_at_tencent(client, faceid, err=1005, compare=1005, sim="42.10")
    assert (check.status, check.decision) == (FaceCheckStatus.FAILED, FaceCheckDecision.NO_MATCH)


@pytest.mark.parametrize("sim", ["100.5", "not a number"])
def test_a_similarity_outside_0_to_100_or_not_a_number_fails_without_a_score(client, faceid, sim):
    check = _ended_at_tencent(client, faceid, sim=sim)  # otherwise a pass
    assert (check.status, check.decision, check.match_score) == (
        FaceCheckStatus.FAILED,
        FaceCheckDecision.NO_MATCH,
        None,
    )


def test_a_forged_return_changes_nothing(client, faceid):
    check, _ = start()
    client.force_login(check.user)

    # A token we never opened: refused before Tencent is asked.
    asked = len(faceid.requests)
    unknown = _come_back(client, token="00000000-0000-0000-0000-000000000000")
    assert unknown.status_code == 404
    assert len(faceid.requests) == asked

    # Our token, but Tencent's record names another check (Extra): refused.
    faceid.text = {**finished_text(check), "Extra": "someone-else"}
    assert _come_back(client).status_code == 401

    # Our token, not finished yet at Tencent: nothing recorded.
    faceid.text = {**finished_text(check), "ErrCode": None}
    assert _come_back(client).status_code == 409

    # A malformed token.
    assert client.post(reverse("facecheck:return", kwargs={"provider": "tencent"}), {"token": "<x>"}).status_code == 400

    check.refresh_from_db()
    assert check.status == FaceCheckStatus.PENDING


def test_the_return_takes_nothing_from_the_query_but_the_token(client, faceid):
    check, _ = start()
    faceid.text = finished_text(check, err=1004, live=1004, sim=None)
    client.force_login(check.user)
    url = reverse("facecheck:return", kwargs={"provider": "tencent"})
    client.post(url, {"token": BIZ_TOKEN, "ErrCode": "0", "LiveStatus": "0", "Sim": "99"})
    check.refresh_from_db()
    assert check.status == FaceCheckStatus.FAILED


def test_the_sweep_looks_up_a_check_whose_user_never_came_back(faceid):
    check, _ = start()
    FaceCheck.objects.filter(pk=check.pk).update(created_at=check.created_at.replace(year=2025))
    faceid.text = {**finished_text(check), "ErrCode": None}
    assert face_checks_poll() == 0
    faceid.text = finished_text(check)
    assert face_checks_poll() == 1
    check.refresh_from_db()
    assert check.status == FaceCheckStatus.PASSED
