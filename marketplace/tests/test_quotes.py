"""Quoting: only selectable agencies, never on their own posting, never above the budget,
only before the deadline, and nobody but the quoting agency sees a quote until then."""

import datetime

import pytest
from django.utils import timezone

from common.exceptions import ApplicationError
from identity.tests.factories import EnterpriseFactory, UserFactory
from marketplace import selectors, services
from marketplace.constants import AgencyStatus, Grade, PostingStatus, QualificationStatus
from marketplace.models import Quote, QuoteRevision

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def kind():
    return f.service_type()


def _refused(code, **kwargs):
    with pytest.raises(ApplicationError) as refused:
        services.quote_submit(**kwargs)
    assert refused.value.code == code
    return refused.value


def test_a_qualified_agency_quotes_and_each_version_is_kept(kind):
    posting = f.posting(kind=kind)
    agency = f.agency(kind=kind)
    actor = agency.enterprise.legal_representative

    quote = services.quote_submit(actor=actor, posting=posting, agency=agency, amount_fen=80_000_00, note="方案A")
    revised = services.quote_submit(actor=actor, posting=posting, agency=agency, amount_fen=75_000_00, note="方案B")
    again = services.quote_submit(actor=actor, posting=posting, agency=agency, amount_fen=75_000_00, note="方案B")

    assert revised.pk == quote.pk == again.pk
    assert Quote.objects.get(pk=quote.pk).amount_fen == 75_000_00
    assert list(QuoteRevision.objects.filter(quote=quote).values_list("revision", "amount_fen")) == [
        (0, 80_000_00),
        (1, 75_000_00),
    ]


def test_an_agent_with_a_marketplace_mandate_may_quote_and_one_without_may_not(kind):
    posting = f.posting(kind=kind)
    agency = f.agency(kind=kind)
    agent = f.mandated_agent(agency.enterprise)
    services.quote_submit(actor=agent, posting=posting, agency=agency, amount_fen=1_000_00)

    other_agent = f.mandated_agent(agency.enterprise, service_codes=("SCJG-001",))
    _refused("not_mandated", actor=other_agent, posting=posting, agency=agency, amount_fen=900_00)
    _refused("not_mandated", actor=UserFactory(verified=True), posting=posting, agency=agency, amount_fen=900_00)


@pytest.mark.parametrize(
    ("agency_kwargs", "code"),
    [
        ({"status": AgencyStatus.PENDING}, "agency_not_approved"),
        ({"status": AgencyStatus.SUSPENDED}, "agency_not_approved"),
        ({"qualification_status": QualificationStatus.PENDING}, "qualification_not_approved"),
        ({"qualification_status": QualificationStatus.REJECTED}, "qualification_not_approved"),
        ({"grade": Grade.CLASS_B}, "qualification_grade_too_low"),
    ],
)
def test_an_unqualified_agency_cannot_quote(kind, agency_kwargs, code):
    posting = f.posting(kind=kind, required_min_grade=Grade.CLASS_A)
    agency = f.agency(kind=kind, **agency_kwargs)
    error = _refused(
        code, actor=agency.enterprise.legal_representative, posting=posting, agency=agency, amount_fen=1_000_00
    )
    assert error.status == 403
    assert not Quote.objects.exists()


def test_an_agency_without_the_qualification_or_the_service_cannot_quote(kind):
    posting = f.posting(kind=kind)
    no_qualification = f.agency(kind=f.service_type())
    no_qualification.services.create(service_type=kind, fee_min_fen=1, fee_max_fen=2)
    _refused(
        "qualification_missing",
        actor=no_qualification.enterprise.legal_representative,
        posting=posting,
        agency=no_qualification,
        amount_fen=1_000_00,
    )
    not_offering = f.agency()
    _refused(
        "service_not_offered",
        actor=not_offering.enterprise.legal_representative,
        posting=posting,
        agency=not_offering,
        amount_fen=1_000_00,
    )


def test_an_expired_qualification_stops_counting_at_once_even_before_the_task_runs(kind):
    posting = f.posting(kind=kind)
    # Still "approved" in the table: the expiry task has not run, the date alone decides.
    agency = f.agency(kind=kind, valid_until=timezone.localdate() - datetime.timedelta(days=1))
    error = _refused(
        "qualification_expired",
        actor=agency.enterprise.legal_representative,
        posting=posting,
        agency=agency,
        amount_fen=1_000_00,
    )
    assert "过期" in str(error.message)
    assert agency not in selectors.selectable_for_posting(posting=posting)


def test_an_agency_cannot_quote_on_its_own_enterprises_posting(kind):
    agency = f.agency(kind=kind)
    posting = f.posting(kind=kind, enterprise=agency.enterprise)
    _refused(
        "own_posting", actor=agency.enterprise.legal_representative, posting=posting, agency=agency, amount_fen=100
    )


def test_an_agency_cannot_quote_on_a_posting_of_an_enterprise_with_the_same_legal_representative(kind):
    agency = f.agency(kind=kind)
    sister = EnterpriseFactory(legal_representative=agency.enterprise.legal_representative)
    posting = f.posting(kind=kind, enterprise=sister)
    _refused(
        "own_posting", actor=agency.enterprise.legal_representative, posting=posting, agency=agency, amount_fen=100
    )


def test_a_quote_above_the_budget_is_refused(kind):
    posting = f.posting(kind=kind, budget_fen=10_000_00)
    agency = f.agency(kind=kind)
    actor = agency.enterprise.legal_representative
    _refused("over_budget", actor=actor, posting=posting, agency=agency, amount_fen=10_000_01)
    services.quote_submit(actor=actor, posting=posting, agency=agency, amount_fen=10_000_00)


def test_quotes_are_frozen_from_the_deadline_on_even_before_the_posting_is_closed(kind):
    posting = f.posting(kind=kind)
    agency = f.agency(kind=kind)
    actor = agency.enterprise.legal_representative
    quote = services.quote_submit(actor=actor, posting=posting, agency=agency, amount_fen=5_000_00)
    f.past_deadline(posting)
    assert posting.status == PostingStatus.OPEN  # the beat task has not closed it yet

    _refused("quotes_closed", actor=actor, posting=posting, agency=agency, amount_fen=4_000_00)
    latecomer = f.agency(kind=kind)
    _refused(
        "quotes_closed",
        actor=latecomer.enterprise.legal_representative,
        posting=posting,
        agency=latecomer,
        amount_fen=1_000_00,
    )
    assert Quote.objects.get(pk=quote.pk).amount_fen == 5_000_00
    assert QuoteRevision.objects.filter(quote=quote).count() == 1


def test_no_quote_on_a_draft(kind):
    posting = f.posting(kind=kind, publish=False)
    agency = f.agency(kind=kind)
    _refused(
        "quotes_closed", actor=agency.enterprise.legal_representative, posting=posting, agency=agency, amount_fen=100
    )


def test_quotes_are_hidden_from_the_buyer_and_the_public_before_the_deadline(kind):
    posting = f.posting(kind=kind)
    buyer = posting.buyer_enterprise.legal_representative
    first, second = f.agency(kind=kind), f.agency(kind=kind)
    f.quote(posting, first, 3_000_00)
    f.quote(posting, second, 2_000_00)
    official = f.reviewer()

    assert list(selectors.quotes_visible_to(posting=posting, user=buyer)) == []
    assert list(selectors.quotes_visible_to(posting=posting, user=None)) == []
    assert list(selectors.quotes_visible_to(posting=posting, user=official)) == []
    assert selectors.quote_count_public(posting=posting) is None
    # Each agency sees its own quote only.
    own = selectors.quotes_visible_to(posting=posting, user=first.enterprise.legal_representative)
    assert [quote.agency_id for quote in own] == [first.pk]

    f.past_deadline(posting)
    visible = selectors.quotes_visible_to(posting=posting, user=buyer)
    assert [quote.amount_fen for quote in visible] == [2_000_00, 3_000_00]
    # The public and the other bidders wait for the published result.
    assert list(selectors.quotes_visible_to(posting=posting, user=None)) == []
    assert [
        q.agency_id for q in selectors.quotes_visible_to(posting=posting, user=second.enterprise.legal_representative)
    ] == [second.pk]
    assert selectors.quote_count_public(posting=posting) == 2

    services.posting_select(actor=buyer, posting=posting)
    posting.refresh_from_db()
    assert len(selectors.quotes_visible_to(posting=posting, user=None)) == 2
