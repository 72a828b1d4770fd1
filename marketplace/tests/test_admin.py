"""The supervising department's admin: decisions are actions that ask for a reason and call
the services; quotes stay hidden before the deadline; the posting list shows the figures."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from identity.tests.factories import login_with_totp
from marketplace import services
from marketplace.constants import AgencyStatus, ObjectionStatus, PostingStatus
from marketplace.models import AgencyTransition, Qualification

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def kind():
    return f.service_type()


@pytest.fixture
def official(client):
    user = f.reviewer()
    login_with_totp(client, user)
    return user


def _act(client, model: str, action: str, pks, **data):
    return client.post(
        reverse(f"admin:marketplace_{model}_changelist"), {"action": action, "_selected_action": pks, **data}
    )


def test_an_official_approves_an_agency_through_the_intermediate_page(client, official, kind):
    agency = f.agency(kind=kind, status=AgencyStatus.PENDING)
    page = _act(client, "agency", "approve", [agency.pk])
    assert page.status_code == 200
    assert "审核意见" in page.content.decode()

    _act(client, "agency", "approve", [agency.pk], apply="1", reason="材料齐全")
    agency.refresh_from_db()
    assert agency.status == AgencyStatus.APPROVED
    record = AgencyTransition.objects.get(agency=agency, to_status=AgencyStatus.APPROVED)
    assert (record.actor, record.role, record.comment) == (official, "official", "材料齐全")


def test_a_rejection_without_a_reason_is_refused_by_the_service(client, official, kind):
    agency = f.agency(kind=kind, status=AgencyStatus.PENDING)
    response = _act(client, "agency", "reject", [agency.pk], apply="1", reason="  ")
    assert response.status_code == 302
    agency.refresh_from_db()
    assert agency.status == AgencyStatus.PENDING
    messages = [str(message) for message in response.wsgi_request._messages]
    assert any("审核意见" in message for message in messages)


def test_an_objection_is_upheld_from_the_admin_and_the_selection_rerun(client, official, kind):
    posting, agencies = f.selected_posting(kind=kind, bidders=3)
    old = posting.result_id
    objection = services.objection_file(
        actor=agencies[1].enterprise.legal_representative, posting=posting, agency=agencies[1], reason="不服"
    )
    _act(client, "objection", "uphold", [objection.pk], apply="1", reason="经核查属实")
    objection.refresh_from_db()
    posting.refresh_from_db()
    assert objection.status == ObjectionStatus.UPHELD
    assert posting.result_id != old
    assert posting.result.supersedes_id == old


def test_officials_see_no_quote_before_the_deadline_and_the_list_shows_the_figures(client, official, kind):
    posting = f.posting(kind=kind)
    bidder = f.agency(kind=kind)
    f.quote(posting, bidder, 12_345_67)
    page = client.get(reverse("admin:marketplace_posting_change", args=[posting.pk]))
    assert page.status_code == 200
    assert "12345.67" not in page.content.decode()

    f.past_deadline(posting)
    page = client.get(reverse("admin:marketplace_posting_change", args=[posting.pk]))
    assert "12345.67" in page.content.decode()

    changelist = client.get(reverse("admin:marketplace_posting_changelist"))
    assert "中介超市统计" in changelist.content.decode()
    assert changelist.context["statistics"].postings == 1


def test_an_official_cancels_a_posting_with_a_reason(client, official, kind):
    posting = f.posting(kind=kind)
    _act(client, "posting", "cancel", [posting.pk], apply="1", reason="涉嫌围标")
    posting.refresh_from_db()
    assert posting.status == PostingStatus.CANCELLED


def test_the_qualification_expiry_view_lists_what_expires_soon(client, official, kind):
    soon = f.agency(kind=kind, valid_until=timezone.localdate() + datetime.timedelta(days=5))
    f.agency(kind=kind, valid_until=timezone.localdate() + datetime.timedelta(days=200))
    response = client.get(reverse("admin:marketplace_qualification_changelist"), {"expiry": "30"})
    rows = list(response.context["cl"].result_list)
    assert [row.agency_id for row in rows] == [soon.pk]
    assert Qualification.objects.count() == 2


@pytest.mark.parametrize("model", ["agency", "qualification", "posting", "objection", "rating", "servicetype"])
def test_every_marketplace_list_and_page_opens_for_a_reviewer(client, kind, model, django_assert_max_num_queries):
    user = f.reviewer()
    user.user_permissions.add(
        *f.Permission.objects.filter(
            content_type__app_label="marketplace", codename__in=["view_rating", "view_servicetype"]
        )
    )
    login_with_totp(client, user)
    posting, agencies = f.selected_posting(kind=kind, bidders=3)
    services.objection_file(
        actor=agencies[1].enterprise.legal_representative, posting=posting, agency=agencies[1], reason="不服"
    )
    changelist = reverse(f"admin:marketplace_{model}_changelist")
    with django_assert_max_num_queries(30):
        response = client.get(changelist)
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    if rows:
        page = client.get(reverse(f"admin:marketplace_{model}_change", args=[rows[0].pk]))
        assert page.status_code == 200


@pytest.mark.parametrize(
    ("model", "action", "title", "required"),
    [
        ("agency", "approve", "审核通过中介机构", False),
        ("agency", "reject", "不予通过中介机构", True),
        ("agency", "suspend", "暂停中介机构", True),
        ("agency", "reinstate", "恢复中介机构", False),
        ("qualification", "approve", "审核通过资质", False),
        ("qualification", "reject", "不予通过资质", True),
        ("posting", "cancel", "取消项目公告", True),
        ("objection", "uphold", "异议成立：撤销原结果并重新选取", True),
        ("objection", "dismiss", "驳回异议", True),
    ],
)
def test_every_decision_asks_for_its_reason_and_posts_back_to_itself(
    client, official, kind, model, action, title, required
):
    posting, agencies = f.selected_posting(kind=kind, bidders=2)
    objection = services.objection_file(
        actor=agencies[1].enterprise.legal_representative, posting=posting, agency=agencies[1], reason="不服"
    )
    row = {
        "agency": agencies[0],
        "qualification": agencies[0].qualifications.first(),
        "posting": posting,
        "objection": objection,
    }[model]
    page = _act(client, model, action, [row.pk])
    assert page.status_code == 200
    assert page.context["title"] == title
    assert page.context["objects"] == [row]
    assert page.context["reason_required"] is required
    assert f'name="action" value="{action}"' in page.content.decode()


def test_objection_decisions_skip_those_already_decided(client, official, kind):
    posting, agencies = f.selected_posting(kind=kind, bidders=3)
    objection = services.objection_file(
        actor=agencies[1].enterprise.legal_representative, posting=posting, agency=agencies[1], reason="不服"
    )
    _act(client, "objection", "dismiss", [objection.pk], apply="1", reason="理由不成立")
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.DISMISSED

    page = _act(client, "objection", "uphold", [objection.pk])
    assert page.context["objects"] == []
    assert "所选各项均无需处理" in page.content.decode()
