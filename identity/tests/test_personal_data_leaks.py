"""A known ID number must appear in plaintext in no database column, no log
line and no page or API answer, after it went through every flow that handles it."""

import logging
import subprocess

import pytest
from django.core.cache import cache
from django.db import connection

from common import sms
from common.logging import MaskingProcessorFormatter
from identity.models import User

from .factories import sandbox_identity

ID_NUMBER = "11010519800808777X"
NAME = "王小明"
MOBILE = "13912348888"


def _database_dump() -> str:
    database = connection.settings_dict
    result = subprocess.run(
        [
            "pg_dump",
            "--data-only",
            "--host",
            database["HOST"],
            "--port",
            str(database["PORT"]),
            "--username",
            database["USER"],
            database["NAME"],
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return result.stdout


@pytest.fixture
def formatted_log():
    """Every log record, rendered by the production formatter, plus the raw messages."""
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Collect(level=logging.DEBUG)
    root = logging.getLogger()
    previous = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    yield records
    root.removeHandler(handler)
    root.setLevel(previous)


@pytest.mark.django_db(transaction=True)
def test_id_number_is_never_stored_logged_or_answered_in_plaintext(client, formatted_log):
    cache.clear()
    sms.outbox.clear()
    sandbox_identity(NAME, ID_NUMBER)
    answers = []

    client.post("/account/sms-code/", {"mobile": MOBILE, "purpose": "register"})
    code = sms.outbox[-1].params["code"]
    answers.append(
        client.post(
            "/account/register/",
            {"mobile": MOBILE, "sms_code": code, "password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"},
        )
    )
    # A wrong attempt first (its answer echoes nothing back), then the right one.
    answers.append(client.post("/account/verify/", {"name": "王大明", "id_number": ID_NUMBER}))
    answers.append(client.post("/account/verify/", {"name": NAME, "id_number": ID_NUMBER.lower()}, follow=True))
    for path in ("/account/verify/", "/account/eid/", "/account/security/", "/api/v1/eid/jwks.json"):
        answers.append(client.get(path))

    user = User.objects.get(mobile=MOBILE)
    assert user.is_real_name_verified and user.id_number == ID_NUMBER

    for response in answers:
        body = response.content.decode()
        assert ID_NUMBER not in body.upper(), response.request["PATH_INFO"]

    dump = _database_dump()
    assert "1101**********777X" in dump  # the masked form is there...
    assert ID_NUMBER not in dump.upper()  # ...the plaintext is not, in any table

    formatter = MaskingProcessorFormatter(renderer="json")
    assert formatted_log, "the flows above log something"
    for record in formatted_log:
        assert ID_NUMBER not in record.getMessage().upper()
        assert ID_NUMBER not in formatter.format(record).upper()
