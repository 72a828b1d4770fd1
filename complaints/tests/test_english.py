"""The complaints app in English: the public figures page and the follow-up result message."""

import re

import pytest

from complaints import services
from complaints.constants import FollowUpStatus, Level
from notifications.models import OutboxMessage
from notifications.templates import render

from .factories import followup_official, published_item, rated_case, resident

pytestmark = pytest.mark.django_db

HAN = re.compile(r"[\u3400-\u9fff]")


def _main(page: str) -> str:
    return re.search(r"<main\b.*?</main>", page, re.S).group(0)


def _item_with_english_names():
    item = published_item(department_code="ga")
    item.name_en = "Test permit"
    item.save(update_fields=["name_en"])
    department = item.department
    department.name_en = "Public Security Bureau"
    department.save(update_fields=["name_en"])
    return item


def test_the_public_figures_page_is_in_english(client):
    item = _item_with_english_names()
    rated_case(level=Level.SATISFIED, item=item)
    rated_case(level=Level.VERY_DISSATISFIED, item=item)

    main = _main(client.get("/en/evaluations/").content.decode())
    assert "<h1>Public service ratings</h1>" in main
    for heading in ("Department / service", "Ratings", "Satisfaction rate", "Follow-ups of poor ratings"):
        assert f'<th scope="col">{heading}</th>' in main
    assert "Public Security Bureau" in main and "Test permit" in main
    assert "50.0%" in main
    assert not HAN.findall(main)


def test_the_empty_figures_page_is_in_english(client):
    main = _main(client.get("/en/evaluations/").content.decode())
    assert "No ratings yet." in main
    assert not HAN.findall(main)


def test_an_english_speaking_resident_hears_the_follow_up_result_in_english():
    item = _item_with_english_names()
    applicant = resident(preferred_language="en")
    _case, evaluation = rated_case(level=Level.VERY_DISSATISFIED, item=item, applicant=applicant)
    official = followup_official(department=item.department)
    followup = evaluation.followup
    services.followup_callback_log(followup_id=followup.pk, actor=official, note="Phoned the resident")
    services.followup_transition(
        followup_id=followup.pk, to_status=FollowUpStatus.RECTIFIED, actor=official, note="Added a desk guide"
    )
    services.followup_transition(followup_id=followup.pk, to_status=FollowUpStatus.CLOSED, actor=official)

    message = OutboxMessage.objects.get(template="complaints.followup_result", channel="inbox")
    assert message.language == "en"
    rendered = render(message.template, message.language, message.context)
    assert rendered.title.endswith(": your rating has been dealt with")
    assert rendered.body.startswith("Public Security Bureau has finished dealing with your rating of Test permit")
    assert ": Concluded. Details: Added a desk guide" in rendered.body
    assert not HAN.findall(rendered.title + rendered.body)
