import copy
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from common import sms
from common.exceptions import ApplicationError
from common.sms import SmsError, SmsMessage
from common.sms.backends.aliyun import AliyunSmsBackend, sign
from identity.constants import SmsPurpose
from identity.models import SmsCode
from identity.services.accounts import sms_code_consume, sms_code_send

pytestmark = pytest.mark.django_db
MOBILE = "13912340000"


@pytest.fixture(autouse=True)
def clean_outbox_and_cooldowns():
    sms.outbox.clear()
    cache.clear()
    yield
    sms.outbox.clear()


def _send(django_capture_on_commit_callbacks, mobile=MOBILE, purpose=SmsPurpose.LOGIN, ip="192.0.2.1") -> str:
    with django_capture_on_commit_callbacks(execute=True):
        sms_code_send(mobile=mobile, purpose=purpose, client_ip=ip)
    return sms.outbox[-1].params["code"]


def test_code_is_sent_after_commit_and_only_its_hash_is_stored(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sms_code_send(mobile=MOBILE, purpose=SmsPurpose.LOGIN, client_ip="192.0.2.1")
        assert sms.outbox == []  # nothing leaves before commit
    for callback in callbacks:
        callback()

    code = sms.outbox[0].params["code"]
    assert len(code) == 6
    assert code in sms.outbox[0].text
    stored = SmsCode.objects.get(mobile=MOBILE)
    assert code not in stored.code_digest


def test_code_is_single_use(django_capture_on_commit_callbacks):
    code = _send(django_capture_on_commit_callbacks)
    assert sms_code_consume(mobile=MOBILE, purpose=SmsPurpose.LOGIN, code=code) is True
    assert sms_code_consume(mobile=MOBILE, purpose=SmsPurpose.LOGIN, code=code) is False


def test_expired_code_is_refused(django_capture_on_commit_callbacks):
    code = _send(django_capture_on_commit_callbacks)
    SmsCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert sms_code_consume(mobile=MOBILE, purpose=SmsPurpose.LOGIN, code=code) is False


def test_code_lives_at_most_ten_minutes(django_capture_on_commit_callbacks):
    _send(django_capture_on_commit_callbacks)
    stored = SmsCode.objects.get()
    assert stored.expires_at - stored.created_at <= timedelta(minutes=10)


def test_code_for_another_purpose_is_refused(django_capture_on_commit_callbacks):
    code = _send(django_capture_on_commit_callbacks, purpose=SmsPurpose.REGISTER)
    assert sms_code_consume(mobile=MOBILE, purpose=SmsPurpose.LOGIN, code=code) is False


def test_five_wrong_guesses_kill_the_code(django_capture_on_commit_callbacks):
    code = _send(django_capture_on_commit_callbacks)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _attempt in range(5):
        assert sms_code_consume(mobile=MOBILE, purpose=SmsPurpose.LOGIN, code=wrong) is False
    assert sms_code_consume(mobile=MOBILE, purpose=SmsPurpose.LOGIN, code=code) is False


def test_a_second_code_within_a_minute_is_refused_per_number(django_capture_on_commit_callbacks):
    _send(django_capture_on_commit_callbacks)
    with pytest.raises(ApplicationError) as refused:
        _send(django_capture_on_commit_callbacks, ip="192.0.2.99")
    assert refused.value.code == "sms_rate_limited"
    assert len(sms.outbox) == 1


def test_hourly_limit_per_number(django_capture_on_commit_callbacks):
    for minutes_ago in (50, 40, 30, 20, 10):
        SmsCode.objects.create(
            mobile=MOBILE,
            purpose=SmsPurpose.LOGIN,
            code_digest="x",
            created_at=timezone.now() - timedelta(minutes=minutes_ago),
            expires_at=timezone.now(),
        )
    with pytest.raises(ApplicationError):
        _send(django_capture_on_commit_callbacks)


def test_limit_per_ip_across_numbers(django_capture_on_commit_callbacks):
    for n in range(20):
        SmsCode.objects.create(
            mobile=f"1370000{n:04d}",
            purpose=SmsPurpose.LOGIN,
            code_digest="x",
            client_ip="198.51.100.7",
            expires_at=timezone.now(),
        )
    with pytest.raises(ApplicationError):
        _send(django_capture_on_commit_callbacks, ip="198.51.100.7")
    _send(django_capture_on_commit_callbacks, mobile="13912349999", ip="198.51.100.8")


def test_sms_login_through_the_pages(client, django_capture_on_commit_callbacks):
    from .factories import UserFactory

    user = UserFactory(mobile=MOBILE)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/account/sms-code/", {"mobile": MOBILE, "purpose": "login"})
    code = sms.outbox[-1].params["code"]

    response = client.post("/account/login/sms/", {"mobile": MOBILE, "sms_code": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)

    client.logout()
    replay = client.post("/account/login/sms/", {"mobile": MOBILE, "sms_code": code})
    assert replay.status_code == 400
    assert "_auth_user_id" not in client.session


# --- The cooldown store (Redis) down ----------------------------------------------


@pytest.fixture
def cooldown_store_down(disposable_redis):
    """The cache on a private Redis, stopped: the cooldown store is unreachable."""
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["LOCATION"] = disposable_redis.url
    caches["default"]["OPTIONS"].update({"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5})
    with override_settings(CACHES=caches):
        disposable_redis.stop()
        yield disposable_redis


def test_with_the_cooldown_store_down_no_code_is_sent_and_the_page_says_503_not_429(client, cooldown_store_down):
    response = client.post("/account/sms-code/", {"mobile": MOBILE, "purpose": "login"})

    assert response.status_code == 503
    page = response.content.decode()
    assert "服务暂时不可用，请稍后再试。" in page
    assert "过于频繁" not in page
    assert sms.outbox == []
    assert not SmsCode.objects.exists()


def test_with_the_cooldown_store_down_a_json_caller_gets_problem_json_503(client, cooldown_store_down):
    response = client.post(
        "/account/sms-code/", {"mobile": MOBILE, "purpose": "register"}, headers={"accept": "application/json"}
    )

    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "sms_rate_limit_unavailable"
    assert not SmsCode.objects.exists()


def test_when_the_cooldown_store_is_back_codes_are_sent_again(client, cooldown_store_down):
    assert client.post("/account/sms-code/", {"mobile": MOBILE, "purpose": "login"}).status_code == 503

    cooldown_store_down.start()
    response = client.post("/account/sms-code/", {"mobile": MOBILE, "purpose": "login"})

    assert response.status_code == 302
    assert SmsCode.objects.filter(mobile=MOBILE).count() == 1


# --- Alibaba Cloud adapter, against a fake transport ----------------------------

ALIYUN_CONFIG = {
    "ACCESS_KEY_ID": "testid",
    "ACCESS_KEY_SECRET": "testsecret",
    "SIGN_NAME": "通办",
    "ENDPOINT": "https://dysmsapi.aliyuncs.com/",
    "TEMPLATES": {"verification_code": "SMS_000001"},
}


def test_aliyun_signature_matches_the_documented_example():
    # The worked example of Alibaba Cloud's RPC signature documentation (DescribeRegions).
    parameters = {
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "Format": "XML",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        "Timestamp": "2016-02-23T12:46:24Z",
        "Version": "2014-05-26",
    }
    assert sign(parameters, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_aliyun_backend_sends_signed_template_request():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0"})

    backend = AliyunSmsBackend(client=httpx.Client(transport=httpx.MockTransport(handler)), config=ALIYUN_CONFIG)
    sent = backend.send_messages([SmsMessage(mobile=MOBILE, template="verification_code", params={"code": "123456"})])

    assert sent == 1
    query = {k: v[0] for k, v in parse_qs(urlparse(str(seen[0].url)).query).items()}
    assert query["Action"] == "SendSms"
    assert query["PhoneNumbers"] == MOBILE
    assert query["TemplateCode"] == "SMS_000001"
    assert json.loads(query["TemplateParam"]) == {"code": "123456"}
    signature = query.pop("Signature")
    assert signature == sign(query, "testsecret")


def test_aliyun_backend_raises_on_provider_refusal():
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"Code": "isv.BUSINESS_LIMIT_CONTROL"}))
    backend = AliyunSmsBackend(client=httpx.Client(transport=transport), config=ALIYUN_CONFIG)
    with pytest.raises(SmsError, match="BUSINESS_LIMIT_CONTROL"):
        backend.send_messages([SmsMessage(mobile=MOBILE, template="verification_code", params={"code": "1"})])
