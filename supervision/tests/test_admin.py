"""The supervisor queue in the admin: scoped to the official's departments, filtered by
colour and status, a constant number of queries, and the forms on a card's page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.constants import Status
from identity.tests.factories import login_with_totp
from supervision.constants import CardStatus, Colour, Role
from supervision.models import SupervisionCard
from supervision.services import cards_issue

from .factories import case_due, official, published_item, supervisor, working_day

pytestmark = pytest.mark.django_db
LIST_URL = reverse("admin:supervision_supervisioncard_changelist")


def _act(client, card, action, note=""):
    return client.post(reverse("admin:supervision_supervisioncard_act", args=[card.pk, action]), {"note": note})


@pytest.fixture
def two_departments():
    ga, rsj = published_item(department_code="ga"), published_item(department_code="rsj")
    ga_case = case_due(Status.IN_REVIEW, item=ga, deadline=working_day(-2))
    rsj_case = case_due(Status.ACCEPTED, item=rsj, deadline=working_day(-1))
    cards_issue()
    return SupervisionCard.objects.get(application=ga_case), SupervisionCard.objects.get(application=rsj_case)


def test_a_supervisor_sees_their_departments_cards_only(client, two_departments):
    ga, rsj = two_departments
    login_with_totp(client, supervisor(department=ga.department))
    page = client.get(LIST_URL).content.decode()
    assert ga.application.case_number in page
    assert rsj.application.case_number not in page
    assert "红牌" in page
    assert client.get(reverse("admin:supervision_supervisioncard_change", args=[rsj.pk])).status_code in (302, 404)
    assert _act(client, rsj, "close", "越权").status_code == 404
    assert SupervisionCard.objects.get(pk=rsj.pk).status == CardStatus.OPEN


def test_a_superuser_sees_every_card(client, admin_user, two_departments):
    ga, rsj = two_departments
    login_with_totp(client, admin_user)
    page = client.get(LIST_URL).content.decode()
    assert ga.application.case_number in page
    assert rsj.application.case_number in page


def test_colour_and_status_filters(client):
    item = published_item(department_code="ga")
    red = case_due(Status.IN_REVIEW, item=item, deadline=working_day(-2))
    yellow = case_due(Status.IN_REVIEW, item=item, deadline=working_day(1))
    cards_issue(today=working_day(0))
    login_with_totp(client, supervisor(department=item.department))
    page = client.get(LIST_URL, {"colour__exact": Colour.YELLOW}).content.decode()
    assert yellow.case_number in page
    assert red.case_number not in page
    page = client.get(LIST_URL, {"status__exact": CardStatus.CLOSED}).content.decode()
    assert yellow.case_number not in page
    assert red.case_number not in page


def test_the_department_acknowledges_with_a_note_and_a_supervisor_closes(client, two_departments):
    ga, _rsj = two_departments
    worker = official(department=ga.department)
    login_with_totp(client, worker)
    page = client.get(reverse("admin:supervision_supervisioncard_change", args=[ga.pk])).content.decode()
    assert "提交情况说明" in page
    assert "关闭督办单" not in page
    _act(client, ga, "acknowledge", "")  # a note is required
    assert SupervisionCard.objects.get(pk=ga.pk).status == CardStatus.OPEN
    _act(client, ga, "acknowledge", "现场核查延误，已于今日完成审查")
    assert _act(client, ga, "close", "自己关闭").status_code == 302
    ga.refresh_from_db()
    assert (ga.status, ga.note) == (CardStatus.ACKNOWLEDGED, "现场核查延误，已于今日完成审查")

    client.logout()
    boss = supervisor(department=ga.department)
    login_with_totp(client, boss)
    card_page = client.get(reverse("admin:supervision_supervisioncard_change", args=[ga.pk]))
    assert "关闭督办单" in card_page.content.decode()
    _act(client, ga, "close", "说明属实，已督促整改")
    ga.refresh_from_db()
    assert ga.status == CardStatus.CLOSED
    assert list(ga.transitions.values_list("to_status", "role", "actor")) == [
        (CardStatus.OPEN, Role.SYSTEM, None),
        (CardStatus.ACKNOWLEDGED, Role.DEPARTMENT, worker.pk),
        (CardStatus.CLOSED, Role.SUPERVISOR, boss.pk),
    ]
    # Asked again: nothing changes, nothing is recorded.
    _act(client, ga, "close", "再次关闭")
    assert ga.transitions.count() == 3


def _page_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST_URL)
    assert response.status_code == 200
    return len(queries)


def test_the_queue_costs_the_same_queries_for_2_and_12_cards(client):
    item = published_item(department_code="ga")
    boss = supervisor(department=item.department)
    actors = [official(department=item.department) for _n in range(3)]
    for n in range(2):
        case_due(Status.IN_REVIEW, item=item, deadline=working_day(-1 - n), official_user=actors[n % 3])
    cards_issue()
    login_with_totp(client, boss)
    with_two = _page_queries(client)
    page = client.get(LIST_URL).content.decode()
    assert page.count("supervision-card-red") == 2

    for n in range(10):
        deadline = working_day(-1 - n) if n % 2 else working_day(1)
        case_due(Status.IN_REVIEW, item=item, deadline=deadline, official_user=actors[n % 3])
    cards_issue()
    assert SupervisionCard.objects.count() == 12
    assert _page_queries(client) == with_two
