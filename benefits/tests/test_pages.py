"""The resident's pages (资格认证): whose tasks they see, the home-visit request, and constant
query counts on the list."""

import re

import pytest
from django.urls import reverse

from benefits.constants import ACTION_VISIT_REQUEST_FOR, PENSION_CERTIFICATION_SERVICE_CODE, CampaignStatus, VisitStatus
from benefits.models import HomeVisitRequest
from identity.models import ActingRecord
from identity.tests.factories import ProxyAuthorisationFactory

from .factories import campaign, in_days, pensioner_task, resident

pytestmark = pytest.mark.django_db


def _proxy(*, principal, proxy, codes=(PENSION_CERTIFICATION_SERVICE_CODE,), **fields):
    return ProxyAuthorisationFactory(
        principal=principal, proxy=proxy, service_codes=list(codes), valid_until=in_days(30), **fields
    )


def test_my_space_lists_my_tasks_and_those_of_whom_i_hold_a_proxy_for(client):
    me, father, mother, stranger = resident(), resident(), resident(), resident()
    window = campaign()
    mine = pensioner_task(window, account=me)
    fathers = pensioner_task(window, account=father)
    mothers = pensioner_task(window, account=mother)
    strangers = pensioner_task(window, account=stranger)
    pensioner_task(campaign(status=CampaignStatus.DRAFT), account=me)  # not shown before it opens
    _proxy(principal=father, proxy=me)
    _proxy(principal=mother, proxy=me, codes=("SCJG-001",))  # not covering the certification

    client.force_login(me)
    page = client.get(reverse("benefits:tasks")).content.decode()
    assert f'data-testid="task-{mine.pk}"' in page
    assert f'data-testid="task-{fathers.pk}"' in page
    assert f'data-testid="task-{mothers.pk}"' not in page
    assert f'data-testid="task-{strangers.pk}"' not in page
    assert len(re.findall(r'data-testid="task-\d+"', page)) == 2
    assert f"为{father.real_name}代办认证" in page
    assert father.id_number not in page and father.id_number_masked in page
    # Someone else's task is not found, whatever its number.
    assert client.get(reverse("benefits:task", args=[strangers.pk])).status_code == 404
    assert client.get(reverse("benefits:home_visit", args=[mothers.pk])).status_code == 404


def test_the_menu_links_to_my_benefits(client):
    client.force_login(resident())
    page = client.get(reverse("benefits:tasks")).content.decode()
    assert f'href="{reverse("benefits:tasks")}"' in page
    assert "资格认证" in page


def test_the_list_has_constant_queries(client, django_assert_max_num_queries):
    me = resident()
    window = campaign()
    pensioner_task(window, account=me)
    client.force_login(me)
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("benefits:tasks"))
    for _ in range(5):
        parent = resident()
        pensioner_task(window, account=parent)
        pensioner_task(campaign(), account=parent)
        _proxy(principal=parent, proxy=me)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("benefits:tasks"))
    assert len(re.findall(r'data-testid="task-\d+"', response.content.decode())) == 11


def test_a_family_agent_asks_for_a_home_visit_for_their_father(client):
    me, father = resident(), resident()
    task = pensioner_task(campaign(), account=father)
    _proxy(principal=father, proxy=me)
    client.force_login(me)
    url = reverse("benefits:home_visit", args=[task.pk])
    assert "申请上门认证" in client.get(url).content.decode()
    refused = client.post(url, {"address": "", "phone": "13700000000"})
    assert refused.status_code == 400
    response = client.post(url, {"address": "天河区体育西路1号", "phone": "13700000000", "preferred_time": "上午"})
    assert response.status_code == 302
    visit = HomeVisitRequest.objects.get(task=task)
    assert (visit.status, visit.requested_by, visit.address) == (VisitStatus.REQUESTED, me, "天河区体育西路1号")
    # Asked for someone else: on record as acting for him.
    record = ActingRecord.objects.get(action=ACTION_VISIT_REQUEST_FOR)
    assert (record.actor, record.principal_user) == (me, father)
