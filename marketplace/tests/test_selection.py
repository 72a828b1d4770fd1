"""Selection: the three methods, the reproducible random draw, and a published result that
changes only through an upheld objection."""

import datetime
import hashlib
import hmac

import pytest
from django.db import DatabaseError, connection, transaction

from common.exceptions import ApplicationError
from marketplace import draw, selectors, services
from marketplace.constants import AgencyStatus, ObjectionStatus, PostingStatus, SelectionMethod
from marketplace.models import Posting, PostingTransition, Qualification, SelectionResult

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def kind():
    return f.service_type()


# --- The draw as a pure function --------------------------------------------------------------


def test_the_draw_is_a_documented_pure_function_of_seed_and_candidates():
    seed = "ab" * 32
    candidates = [12, 3, 7]
    # Recomputed here exactly as marketplace/draw.py documents it, without calling it.
    digest = hmac.new(seed.encode(), b"3\n7\n12", hashlib.sha256).digest()
    expected = [3, 7, 12][int.from_bytes(digest, "big") % 3]

    assert draw.draw_winner(seed, candidates) == expected
    # Order and duplicates of the input do not matter; the seed does.
    assert draw.draw_winner(seed, [7, 12, 3, 3]) == expected
    winners = {draw.draw_winner(draw.new_seed(), candidates) for _i in range(60)}
    assert winners == {3, 7, 12}


def test_the_draw_needs_a_candidate():
    with pytest.raises(ValueError, match="at least one"):
        draw.draw_winner("00", [])


# --- Random draw on a posting ----------------------------------------------------------------


def test_the_seed_is_recorded_and_its_hash_published_when_the_posting_opens(kind):
    draft = f.posting(kind=kind, publish=False)
    assert draft.draw_seed == ""
    opened = services.posting_publish(actor=draft.buyer_enterprise.legal_representative, posting=draft)

    assert len(opened.draw_seed) == 64
    assert opened.draw_seed_hash == hashlib.sha256(opened.draw_seed.encode()).hexdigest()
    assert opened.draw_seed_recorded_at == opened.published_at


def test_a_random_draw_is_reproducible_from_its_published_seed_and_bidders(kind):
    posting = f.posting(kind=kind, method=SelectionMethod.RANDOM_DRAW)
    seed_before = posting.draw_seed
    agencies = [f.agency(kind=kind) for _i in range(4)]
    quotes = [f.quote(posting, agency, 10_000_00 + index) for index, agency in enumerate(agencies)]
    # A bidder that lost its qualification before the draw is not a candidate.
    Qualification.objects.filter(agency=agencies[3]).update(valid_until=f.today() - datetime.timedelta(days=1))
    f.past_deadline(posting)

    result = services.posting_select(actor=posting.buyer_enterprise.legal_representative, posting=posting)

    assert result.seed == seed_before  # the seed recorded before any quote
    assert result.seed_hash == hashlib.sha256(seed_before.encode()).hexdigest()
    assert result.candidates == sorted(quote.pk for quote in quotes[:3])
    assert result.quote_id == draw.draw_winner(result.seed, result.candidates)
    assert result.agency_id == result.quote.agency_id
    [check] = selectors.verify_draw(Posting.objects.get(pk=posting.pk))
    assert check.ok
    assert check.expected_quote_id == result.quote_id


def test_verify_draw_notices_a_result_that_does_not_follow_from_its_seed(kind):
    posting, _agencies = f.selected_posting(kind=kind, method=SelectionMethod.RANDOM_DRAW, bidders=3)
    result = posting.result
    loser = next(candidate for candidate in result.candidates if candidate != result.quote_id)
    # A forged row (inserted, since rows cannot be updated) claiming another winner.
    forged = SelectionResult.objects.create(
        posting=posting,
        sequence=99,
        method=result.method,
        agency=result.agency,
        quote_id=loser,
        candidates=result.candidates,
        seed=result.seed,
        seed_hash="0" * 64,
    )
    checks = {check.result_id: check for check in selectors.verify_draw(posting)}
    assert checks[result.pk].ok
    assert not checks[forged.pk].ok
    assert not checks[forged.pk].seed_matches_hash


# --- Lowest quote and direct choice ------------------------------------------------------------


def test_the_lowest_quote_wins_and_ties_go_to_the_earlier_last_version(kind):
    posting = f.posting(kind=kind, method=SelectionMethod.LOWEST_QUOTE)
    first, second, third = (f.agency(kind=kind) for _i in range(3))
    f.quote(posting, first, 5_000_00)
    f.quote(posting, second, 4_000_00)
    f.quote(posting, third, 6_000_00)
    f.quote(posting, third, 4_000_00)  # revised later to the same amount
    f.past_deadline(posting)

    result = services.posting_select(actor=posting.buyer_enterprise.legal_representative, posting=posting)
    assert result.agency_id == second.pk
    assert result.amount_fen == 4_000_00


def test_a_direct_choice_may_name_a_qualified_agency_that_did_not_quote(kind):
    posting = f.posting(kind=kind, method=SelectionMethod.DIRECT)
    chosen = f.agency(kind=kind)
    unqualified = f.agency(kind=kind, status=AgencyStatus.SUSPENDED)
    buyer = posting.buyer_enterprise.legal_representative
    f.past_deadline(posting)

    with pytest.raises(ApplicationError) as refused:
        services.posting_select(actor=buyer, posting=posting, agency=unqualified)
    assert refused.value.code == "agency_not_approved"
    result = services.posting_select(actor=buyer, posting=posting, agency=chosen)
    assert result.agency_id == chosen.pk
    assert result.quote is None


def test_nobody_selects_before_the_deadline_and_only_the_buyer_selects(kind):
    posting = f.posting(kind=kind, method=SelectionMethod.LOWEST_QUOTE)
    bidder = f.agency(kind=kind)
    f.quote(posting, bidder, 1_000_00)
    with pytest.raises(ApplicationError) as early:
        services.posting_select(actor=posting.buyer_enterprise.legal_representative, posting=posting)
    assert early.value.code == "deadline_not_passed"
    f.past_deadline(posting)
    with pytest.raises(ApplicationError) as stranger:
        services.posting_select(actor=bidder.enterprise.legal_representative, posting=posting)
    assert stranger.value.code == "not_mandated"


def test_selecting_twice_changes_nothing(kind):
    posting, _agencies = f.selected_posting(kind=kind, method=SelectionMethod.RANDOM_DRAW)
    again = services.posting_select(actor=posting.buyer_enterprise.legal_representative, posting=posting)
    assert again.pk == posting.result_id
    assert posting.results.count() == 1
    assert PostingTransition.objects.filter(posting=posting, to_status=PostingStatus.SELECTED).count() == 1


# --- The published result is immutable ----------------------------------------------------------


def test_a_published_result_cannot_be_changed_in_the_database(kind):
    posting, agencies = f.selected_posting(kind=kind)
    result = posting.result
    result.agency = agencies[1]
    with pytest.raises(DatabaseError), transaction.atomic():
        result.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        SelectionResult.objects.filter(pk=result.pk).update(amount_fen=1)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM marketplace_selectionresult WHERE id = %s", [result.pk])
    assert SelectionResult.objects.get(pk=result.pk).agency_id == agencies[0].pk


def test_no_buyer_path_changes_a_published_result(kind):
    posting, agencies = f.selected_posting(kind=kind)
    buyer = posting.buyer_enterprise.legal_representative
    original = posting.result

    assert services.posting_select(actor=buyer, posting=posting).pk == original.pk
    assert services.posting_select(actor=buyer, posting=posting, agency=agencies[1]).pk == original.pk
    with pytest.raises(ApplicationError) as cancel:
        services.posting_cancel(actor=buyer, posting=posting, reason="想换一家")
    assert cancel.value.code == "transition_not_allowed"
    posting.refresh_from_db()
    assert posting.result_id == original.pk
    assert posting.results.count() == 1


def test_an_upheld_objection_reruns_the_selection_and_keeps_the_old_result(kind):
    posting, agencies = f.selected_posting(kind=kind, method=SelectionMethod.LOWEST_QUOTE, bidders=3)
    old = posting.result
    assert old.agency_id == agencies[0].pk
    objector = agencies[1]
    objection = services.objection_file(
        actor=objector.enterprise.legal_representative, posting=posting, agency=objector, reason="中选机构资质造假"
    )
    official = f.reviewer()

    services.objection_decide(official=official, objection=objection, uphold=True, reason="经核查属实")

    posting.refresh_from_db()
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.UPHELD
    new = posting.result
    assert new.pk != old.pk
    assert new.supersedes_id == old.pk
    assert new.objection_id == objection.pk
    assert new.agency_id == agencies[1].pk  # the next lowest, the old winner excluded
    assert new.excluded == [agencies[0].pk]
    assert SelectionResult.objects.get(pk=old.pk).agency_id == agencies[0].pk  # kept as it was
    assert posting.status == PostingStatus.SELECTED
    assert PostingTransition.objects.filter(
        posting=posting, from_status=PostingStatus.SELECTED, to_status=PostingStatus.SELECTED, role="official"
    ).exists()


def test_an_upheld_objection_to_a_draw_redraws_with_a_seed_derived_from_the_committed_one(kind):
    posting, agencies = f.selected_posting(kind=kind, method=SelectionMethod.RANDOM_DRAW, bidders=3)
    old = posting.result
    objector = next(agency for agency in agencies if agency.pk != old.agency_id)
    objection = services.objection_file(
        actor=objector.enterprise.legal_representative, posting=posting, agency=objector, reason="抽取过程有误"
    )
    services.objection_decide(official=f.reviewer(), objection=objection, uphold=True, reason="重新抽取")
    posting.refresh_from_db()
    new = posting.result
    assert new.seed != old.seed
    assert new.seed == draw.round_seed(old.seed, 2)  # derived from the seed committed at opening
    assert new.seed_hash == old.seed_hash == draw.seed_hash(old.seed)
    assert new.agency_id != old.agency_id
    assert old.quote_id not in new.candidates
    assert all(check.ok for check in selectors.verify_draw(posting))


def test_a_dismissed_objection_leaves_the_result(kind):
    posting, agencies = f.selected_posting(kind=kind)
    objection = services.objection_file(
        actor=agencies[1].enterprise.legal_representative, posting=posting, agency=agencies[1], reason="不服"
    )
    official = f.reviewer()
    services.objection_decide(official=official, objection=objection, uphold=False, reason="理由不成立")
    # Repeating the decision changes nothing; the other decision is refused.
    services.objection_decide(official=official, objection=objection, uphold=False, reason="理由不成立")
    with pytest.raises(ApplicationError) as refused:
        services.objection_decide(official=official, objection=objection, uphold=True, reason="改判")
    assert refused.value.code == "already_decided"
    posting.refresh_from_db()
    assert posting.results.count() == 1
    assert posting.result.agency_id == agencies[0].pk


def test_objections_come_from_bidders_within_the_period_and_officials_decide(kind):
    posting, agencies = f.selected_posting(kind=kind)
    outsider = f.agency(kind=kind)
    with pytest.raises(ApplicationError) as not_bidder:
        services.objection_file(
            actor=outsider.enterprise.legal_representative, posting=posting, agency=outsider, reason="不服"
        )
    assert not_bidder.value.code == "not_a_bidder"
    with pytest.raises(ApplicationError) as winner:
        services.objection_file(
            actor=agencies[0].enterprise.legal_representative, posting=posting, agency=agencies[0], reason="?"
        )
    assert winner.value.code == "selected_agency"
    objection = services.objection_file(
        actor=agencies[1].enterprise.legal_representative, posting=posting, agency=agencies[1], reason="不服"
    )
    with pytest.raises(ApplicationError) as not_official:
        services.objection_decide(
            official=posting.buyer_enterprise.legal_representative, objection=objection, uphold=True, reason="x"
        )
    assert not_official.value.code == "permission_denied"

    f.past_objection_period(posting)
    with pytest.raises(ApplicationError) as late:
        services.objection_file(
            actor=agencies[1].enterprise.legal_representative, posting=posting, agency=agencies[1], reason="再议"
        )
    assert late.value.code == "objection_closed"


def test_an_upheld_objection_to_a_direct_choice_returns_it_to_the_buyer(kind):
    posting = f.posting(kind=kind, method=SelectionMethod.DIRECT)
    first, second = f.agency(kind=kind), f.agency(kind=kind)
    f.quote(posting, first, 1_000_00)
    f.quote(posting, second, 2_000_00)
    f.past_deadline(posting)
    buyer = posting.buyer_enterprise.legal_representative
    old = services.posting_select(actor=buyer, posting=posting, agency=first)
    objection = services.objection_file(
        actor=second.enterprise.legal_representative, posting=posting, agency=second, reason="不服"
    )
    services.objection_decide(official=f.reviewer(), objection=objection, uphold=True, reason="成立")
    posting.refresh_from_db()
    assert posting.status == PostingStatus.CLOSED
    assert posting.result is None
    with pytest.raises(ApplicationError) as excluded:
        services.posting_select(actor=buyer, posting=posting, agency=first)
    assert excluded.value.code == "agency_excluded"
    new = services.posting_select(actor=buyer, posting=posting, agency=second)
    assert new.supersedes_id == old.pk


def _user_reads_when_selecting(kind, bidders: int) -> int:
    from django.test.utils import CaptureQueriesContext

    from identity.models import User

    posting = f.posting(kind=kind, method=SelectionMethod.LOWEST_QUOTE)
    for index in range(bidders):
        f.quote(posting, f.agency(kind=kind), 50_000_00 + index * 1_000_00)
    f.past_deadline(posting)
    with CaptureQueriesContext(connection) as captured:
        services.posting_select(actor=posting.buyer_enterprise.legal_representative, posting=posting)
    table = f"FROM {connection.ops.quote_name(User._meta.db_table)}"
    return sum(1 for query in captured.captured_queries if query["sql"].startswith("SELECT") and table in query["sql"])


def test_publishing_a_result_reads_no_user_per_bidder(kind):
    """The result's message goes to every bidder's people, read with the bidders: not one query each."""
    assert _user_reads_when_selecting(kind, 2) == _user_reads_when_selecting(kind, 5)
