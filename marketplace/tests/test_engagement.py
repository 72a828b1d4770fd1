"""After the result: the contract waits for the objection period, delivery is confirmed by the
buyer, and only then may the buyer rate the agency; ratings feed the agency's average."""

import datetime

import pytest
from django.utils import timezone

from common.exceptions import ApplicationError
from marketplace import selectors, services
from marketplace.constants import PostingStatus, SelectionMethod
from marketplace.models import Agency, PostingTransition

from . import factories as f

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 1)


@pytest.fixture
def kind():
    return f.service_type()


def _contract(posting, amount_fen=45_000_00):
    return services.contract_record(
        actor=posting.buyer_enterprise.legal_representative,
        posting=posting,
        amount_fen=amount_fen,
        start_date=TODAY,
        end_date=TODAY + datetime.timedelta(days=60),
    )


def test_the_contract_waits_for_the_objection_period_and_pending_objections(kind):
    posting, agencies = f.selected_posting(kind=kind)
    with pytest.raises(ApplicationError) as early:
        _contract(posting)
    assert early.value.code == "objection_period_running"

    services.objection_file(
        actor=agencies[1].enterprise.legal_representative, posting=posting, agency=agencies[1], reason="不服"
    )
    f.past_objection_period(posting)
    with pytest.raises(ApplicationError) as pending:
        _contract(posting)
    assert pending.value.code == "objection_pending"


def test_a_posting_runs_to_its_rating_and_every_step_is_recorded(kind):
    posting, agencies = f.selected_posting(kind=kind, objection_period_days=0)
    buyer = posting.buyer_enterprise.legal_representative

    contract = _contract(posting)
    assert _contract(posting).pk == contract.pk  # repeated: nothing new
    assert contract.agency_id == agencies[0].pk
    with pytest.raises(ApplicationError) as early:
        services.rating_submit(actor=buyer, posting=posting, score=5)
    assert early.value.code == "delivery_not_confirmed"

    services.delivery_confirm(actor=buyer, posting=posting, note="报告已通过评审")
    rating = services.rating_submit(actor=buyer, posting=posting, score=4, comment="按时交付")

    posting.refresh_from_db()
    assert posting.status == PostingStatus.RATED
    assert rating.agency_id == agencies[0].pk
    moves = list(PostingTransition.objects.filter(posting=posting).values_list("from_status", "to_status"))
    assert moves == [
        ("", "draft"),
        ("draft", "open"),
        ("open", "closed"),
        ("closed", "selected"),
        ("selected", "contracted"),
        ("contracted", "delivered"),
        ("delivered", "rated"),
    ]
    with pytest.raises(ApplicationError) as twice:
        services.rating_submit(actor=buyer, posting=posting, score=1)
    assert twice.value.code == "already_rated"


def test_a_rating_needs_a_confirmed_delivery_at_every_earlier_step(kind):
    posting = f.posting(kind=kind, method=SelectionMethod.LOWEST_QUOTE, objection_period_days=0)
    buyer = posting.buyer_enterprise.legal_representative

    def refused():
        with pytest.raises(ApplicationError) as error:
            services.rating_submit(actor=buyer, posting=posting, score=5)
        assert error.value.code == "delivery_not_confirmed"

    refused()  # open
    bidder = f.agency(kind=kind)
    f.quote(posting, bidder, 1_000_00)
    f.past_deadline(posting)
    refused()  # past the deadline
    services.posting_select(actor=buyer, posting=posting)
    refused()  # selected
    _contract(posting, amount_fen=1_000_00)
    refused()  # contracted
    services.delivery_confirm(actor=buyer, posting=posting)
    assert services.rating_submit(actor=buyer, posting=posting, score=5).score == 5


def test_only_the_buyer_rates_and_scores_are_one_to_five(kind):
    posting, agencies = f.selected_posting(kind=kind, objection_period_days=0)
    buyer = posting.buyer_enterprise.legal_representative
    _contract(posting)
    services.delivery_confirm(actor=buyer, posting=posting)
    with pytest.raises(ApplicationError) as stranger:
        services.rating_submit(actor=agencies[0].enterprise.legal_representative, posting=posting, score=5)
    assert stranger.value.code == "not_mandated"
    with pytest.raises(ApplicationError) as bad:
        services.rating_submit(actor=buyer, posting=posting, score=6)
    assert bad.value.code == "score_invalid"


def test_the_contract_may_not_exceed_the_budget(kind):
    posting, _agencies = f.selected_posting(kind=kind, objection_period_days=0, budget_fen=60_000_00)
    with pytest.raises(ApplicationError) as over:
        _contract(posting, amount_fen=60_000_01)
    assert over.value.code == "over_budget"


def test_agency_ratings_and_statistics_are_aggregated(kind, django_assert_num_queries):
    rated = []
    for score, amount in ((5, 40_000_00), (3, 80_000_00)):
        posting, agencies = f.selected_posting(kind=kind, objection_period_days=0, budget_fen=100_000_00)
        buyer = posting.buyer_enterprise.legal_representative
        _contract(posting, amount_fen=amount)
        services.delivery_confirm(actor=buyer, posting=posting)
        services.rating_submit(actor=buyer, posting=posting, score=score)
        rated.append(agencies[0])

    with django_assert_num_queries(1):
        rows = {agency.pk: agency for agency in selectors.with_rating(Agency.objects.all())}
    assert rows[rated[0].pk].rating_average == 5
    assert rows[rated[0].pk].rating_count == 1
    assert selectors.agency_rating(agency=rated[1]) == (3, 1)

    figures = selectors.statistics()
    assert figures.postings == 2
    assert figures.contracted == 2
    assert figures.average_savings == pytest.approx(0.4)  # (0.6 + 0.2) / 2
    assert figures.average_rating == 4
    assert figures.ratings == 2


def test_the_beat_task_closes_postings_past_their_deadline_once(kind):
    due = f.past_deadline(f.posting(kind=kind))
    running = f.posting(kind=kind)
    assert services.postings_close_due() == 1
    assert services.postings_close_due() == 0
    due.refresh_from_db()
    running.refresh_from_db()
    assert due.status == PostingStatus.CLOSED
    assert due.closed_at is not None
    assert running.status == PostingStatus.OPEN
    assert PostingTransition.objects.filter(posting=due, to_status=PostingStatus.CLOSED, role="system").count() == 1


def test_publishing_needs_a_deadline_far_enough_ahead(kind, settings):
    settings.MARKETPLACE_MIN_QUOTE_HOURS = 24
    enterprise, actor = f.buyer()
    with pytest.raises(ApplicationError) as soon:
        services.posting_create(
            actor=actor,
            enterprise=enterprise,
            service_type=kind,
            title="测绘",
            scope="地形图测绘",
            budget_fen=1_000_00,
            quote_deadline=timezone.now() + datetime.timedelta(hours=2),
            selection_method=SelectionMethod.RANDOM_DRAW,
            publish=True,
        )
    assert soon.value.code == "quote_deadline_too_soon"


def test_a_posting_asks_at_least_the_service_types_grade(kind):
    kind.min_grade = 2
    kind.save()
    posting = f.posting(kind=kind, required_min_grade=1)
    assert posting.required_qualification_type_id == kind.qualification_type_id
    assert posting.required_min_grade == 2


def test_a_posting_cannot_ask_for_another_qualification_than_its_service_type(kind):
    with pytest.raises(ApplicationError) as mismatch:
        f.posting(kind=kind, required_qualification_type=f.qualification_type())
    assert mismatch.value.code == "qualification_type_mismatch"


def test_an_ungraded_qualification_asks_for_no_grade(kind):
    kind.qualification_type.graded = False
    kind.qualification_type.save()
    posting = f.posting(kind=kind, required_min_grade=3)
    assert posting.required_min_grade == 0


def test_the_buyer_is_told_when_quotes_close(kind):
    from notifications.models import OutboxMessage

    due = f.past_deadline(f.posting(kind=kind))
    services.postings_close_due()
    message = OutboxMessage.objects.get(template="marketplace.quotes_closed", channel="inbox")
    assert message.user == due.buyer_enterprise.legal_representative
    assert message.context["count"] == 0


def test_a_draft_is_edited_and_a_published_posting_is_not(kind):
    draft = f.posting(kind=kind, publish=False)
    buyer = draft.buyer_enterprise.legal_representative
    fields = {
        "service_type": kind,
        "title": "改过的项目名称",
        "scope": "改过的服务内容",
        "budget_fen": 88_000_00,
        "quote_deadline": timezone.now() + datetime.timedelta(days=5),
        "selection_method": SelectionMethod.LOWEST_QUOTE,
    }
    edited = services.posting_update_draft(actor=buyer, posting=draft, **fields)
    assert (edited.title, edited.budget_fen, edited.selection_method) == ("改过的项目名称", 88_000_00, "lowest_quote")
    services.posting_publish(actor=buyer, posting=draft)
    with pytest.raises(ApplicationError) as published:
        services.posting_update_draft(actor=buyer, posting=draft, **fields)
    assert published.value.code == "not_a_draft"
