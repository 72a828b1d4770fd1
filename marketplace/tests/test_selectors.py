"""What the pages read: who opens a posting, what an agency is offered, who sees contact data."""

import pytest

from identity.tests.factories import EnterpriseFactory, UserFactory
from marketplace import selectors

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def kind():
    return f.service_type()


def test_a_draft_opens_only_for_its_buyer(kind):
    draft = f.posting(kind=kind, publish=False)
    buyer = draft.buyer_enterprise.legal_representative
    agent = f.mandated_agent(draft.buyer_enterprise)
    assert selectors.posting_for_user(user=buyer, reference=draft.reference) == draft
    assert selectors.posting_for_user(user=agent, reference=draft.reference) == draft
    assert selectors.posting_for_user(user=UserFactory(), reference=draft.reference) is None
    assert selectors.posting_public(reference=draft.reference) is None
    published = f.posting(kind=kind)
    assert selectors.posting_for_user(user=UserFactory(), reference=published.reference) == published


def test_an_agency_is_offered_open_postings_of_its_types_but_not_its_own(kind):
    agency = f.agency(kind=kind)
    offered = f.posting(kind=kind)
    f.posting(kind=kind, enterprise=agency.enterprise)  # its own enterprise's
    # A sister enterprise's (same legal representative): the services refuse its quote.
    f.posting(kind=kind, enterprise=EnterpriseFactory(legal_representative=agency.enterprise.legal_representative))
    f.posting(kind=f.service_type())  # another type
    f.past_deadline(f.posting(kind=kind))  # past its deadline
    assert list(selectors.postings_open_for_agency(agency=agency)) == [offered]


def test_only_the_buyer_sees_the_selected_agencys_contact_after_the_result(kind):
    posting = f.posting(kind=kind)
    buyer = posting.buyer_enterprise.legal_representative
    assert not selectors.agency_contact_visible(user=buyer, posting=posting)
    posting, agencies = f.selected_posting(kind=kind)
    buyer = posting.buyer_enterprise.legal_representative
    assert selectors.agency_contact_visible(user=buyer, posting=posting)
    assert not selectors.agency_contact_visible(user=agencies[1].enterprise.legal_representative, posting=posting)


def test_the_agencies_a_user_acts_for(kind):
    agency = f.agency(kind=kind)
    agent = f.mandated_agent(agency.enterprise)
    assert list(selectors.agencies_for_user(user=agency.enterprise.legal_representative)) == [agency]
    assert list(selectors.agencies_for_user(user=agent)) == [agency]
    assert list(selectors.agencies_for_user(user=UserFactory())) == []


def test_an_agencys_own_lists(kind):
    posting, agencies = f.selected_posting(kind=kind)
    agency = agencies[1]
    assert [quote.posting_id for quote in selectors.quotes_of_agency(agency=agency)] == [posting.pk]
    assert [offered.service_type for offered in selectors.agency_services(agency=agency)] == [kind]
    assert selectors.agency_qualifications(agency=agency).count() == 1
    assert list(selectors.objections_of_agency(agency=agency)) == []
