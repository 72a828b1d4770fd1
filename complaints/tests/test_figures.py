import pytest

from complaints import selectors, services
from complaints.constants import FollowUpStatus, Level
from complaints.selectors import figures_of

from .factories import followup_official, published_item, rated_case, supervisor

pytestmark = pytest.mark.django_db


def _rows(queryset, key="code"):
    return {row[key]: row for row in queryset}


def test_the_figures_match_the_ratings():
    item = published_item(department_code="ga")
    other = published_item(department_code="rsj")
    for level in (Level.VERY_SATISFIED, Level.SATISFIED, Level.FAIRLY_SATISFIED, Level.VERY_DISSATISFIED):
        rated_case(level=level, item=item)
    _case, bad = rated_case(level=Level.DISSATISFIED, item=other)
    official = followup_official(department=other.department)
    services.followup_callback_log(followup_id=bad.followup.pk, actor=official, note="已回访")
    services.followup_transition(
        followup_id=bad.followup.pk, to_status=FollowUpStatus.RECTIFIED, actor=official, note="已整改"
    )
    services.followup_transition(followup_id=bad.followup.pk, to_status=FollowUpStatus.CLOSED, actor=official)

    departments = _rows(selectors.department_figures())
    ga = figures_of(departments["ga"])
    assert (ga.ratings, ga.satisfied, ga.followups, ga.rectified) == (4, 3, 1, 0)
    assert ga.satisfaction_rate == 75.0
    assert ga.rectification_rate == 0.0
    rsj = figures_of(departments["rsj"])
    assert (rsj.ratings, rsj.satisfaction_rate, rsj.rectification_rate) == (1, 0.0, 100.0)
    items = _rows(selectors.item_figures())
    assert figures_of(items[item.code]).ratings == 4
    assert figures_of(items[other.code]).rectified == 1


def test_an_upheld_appeal_excludes_the_rating_from_the_figures():
    item = published_item(department_code="ga")
    rated_case(level=Level.VERY_SATISFIED, item=item)
    _case, bad = rated_case(level=Level.VERY_DISSATISFIED, item=item)
    before = figures_of(_rows(selectors.department_figures())["ga"])
    assert (before.ratings, before.satisfaction_rate, before.followups) == (2, 50.0, 1)

    official = followup_official(department=item.department)
    services.followup_transition(
        followup_id=bad.followup.pk, to_status=FollowUpStatus.APPEAL_REQUESTED, actor=official, note="评价与本事项无关"
    )
    services.followup_transition(
        followup_id=bad.followup.pk,
        to_status=FollowUpStatus.APPEAL_UPHELD,
        actor=supervisor(department=item.department),
        note="申诉成立",
    )
    after = figures_of(_rows(selectors.department_figures())["ga"])
    assert (after.ratings, after.satisfaction_rate, after.followups, after.rectification_rate) == (1, 100.0, 0, None)


def _figures_queries(django_assert_num_queries):
    with django_assert_num_queries(2):
        table = selectors.figures_table()
    return table


def test_the_figures_cost_the_same_queries_at_two_sizes(django_assert_num_queries):
    first = published_item(department_code="ga")
    rated_case(level=Level.SATISFIED, item=first)
    small = _figures_queries(django_assert_num_queries)
    assert [row["code"] for row in small] == ["ga"]

    for code in ("rsj", "mz"):
        item = published_item(department_code=code)
        rated_case(level=Level.VERY_SATISFIED, item=item)
        rated_case(level=Level.DISSATISFIED, item=item)
    rated_case(level=Level.SATISFIED, item=published_item(department_code="ga"))
    big = _figures_queries(django_assert_num_queries)
    assert [row["code"] for row in big] == ["ga", "mz", "rsj"]
    assert [len(row["items"]) for row in big] == [2, 1, 1]
    assert big[1]["figures"].satisfaction_rate == 50.0
