"""The marketplace's pages: what each role sees and may do, through the real services.

Fairness on the pages: quotes (and even their number) stay hidden before the deadline from
the public and the buyer, an agency never sees another's quote, and only who may act for
an enterprise (identity's acting rules) posts or quotes for it. Every form answers a bad
input with its errors and a 400 (or a message and a redirect), never a 500, and every
write is a POST that redirects.
"""

import datetime
import re

import pytest
from django.utils import timezone

from identity.tests.factories import EnterpriseFactory, UserFactory
from marketplace import draw
from marketplace.constants import PostingStatus, QualificationStatus, SelectionMethod
from marketplace.models import Agency, AgencyService, Objection, Posting, Qualification, Quote
from marketplace.tests import factories as f

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def kind():
    return f.service_type(name="环境影响评价")


def _posting_data(enterprise, kind, **overrides):
    data = {
        "enterprise": enterprise.pk,
        "service_type": kind.pk,
        "title": "新建厂房环境影响评价",
        "scope": "编制环境影响报告表并取得批复",
        "budget": "80000.00",
        "quote_deadline": _local(timezone.now() + datetime.timedelta(days=3)),
        "selection_method": SelectionMethod.RANDOM_DRAW,
        "objection_period_days": "3",
        "action": "publish",
    }
    data.update(overrides)
    return data


def _messages(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


# --- Public pages ---------------------------------------------------------------------------


def test_public_pages_render_with_what_each_shows(client, kind):
    agency = f.agency(kind=kind)
    hidden = f.agency(kind=kind, status="pending")
    posting = f.posting(kind=kind)
    directory = _text(client.get("/marketplace/agencies/"))
    assert agency.name in directory and hidden.name not in directory
    assert "有效期至" in directory and "暂无评价" in directory
    assert client.get(f"/marketplace/agencies/{agency.pk}/").status_code == 200
    assert client.get(f"/marketplace/agencies/{hidden.pk}/").status_code == 404
    assert posting.title in _text(client.get("/marketplace/postings/"))
    assert posting.title in _text(client.get(f"/marketplace/postings/?type={kind.code}"))
    assert posting.title not in _text(client.get(f"/marketplace/postings/?type={f.service_type().code}"))
    assert client.get("/marketplace/agencies/?type=no-such-type").status_code == 404
    assert client.get("/marketplace/").status_code == 200
    assert client.get("/marketplace/results/").status_code == 200
    assert client.get("/marketplace/postings/NOPE/").status_code == 404
    # A draft is the buyer's own: no public page.
    draft = f.posting(kind=kind, publish=False)
    assert client.get(f"/marketplace/postings/{draft.reference}/").status_code == 404


def test_directory_filters_by_service_type_and_shows_only_valid_qualifications(client, kind):
    other_kind = f.service_type(name="安全评价")
    listed = f.agency(kind=kind)
    expired = f.agency(kind=kind, valid_until=timezone.localdate() - datetime.timedelta(days=1))
    elsewhere = f.agency(kind=other_kind)
    html = _text(client.get(f"/marketplace/agencies/?type={kind.code}"))
    assert listed.name in html and elsewhere.name not in html
    # An approved agency whose certificate expired stays listed, without the expired certificate.
    card = client.get(f"/marketplace/agencies/?type={kind.code}").content.decode()
    expired_card = card.split(f'data-testid="agency-{expired.pk}"')[1].split("</li>\n    \n")[0]
    assert "暂无有效资质" in expired_card


@pytest.mark.parametrize("url", ["/marketplace/agencies/", "/marketplace/postings/", "/marketplace/results/"])
def test_list_pages_run_the_same_queries_for_few_and_many_rows(client, kind, url, django_assert_max_num_queries):
    def grow(count):
        for _index in range(count):
            agency = f.agency(kind=kind)
            f.selected_posting(kind=kind, bidders=1)
            f.posting(kind=kind)
            f.quote(f.posting(kind=kind), agency, 10_000_00)

    grow(2)
    with django_assert_max_num_queries(8) as captured:
        assert client.get(url).status_code == 200
    few = len(captured)
    grow(6)
    with django_assert_max_num_queries(few):
        assert client.get(url).status_code == 200


def test_my_space_runs_a_fixed_number_of_queries(client, kind, django_assert_max_num_queries):
    enterprise, user = f.buyer()
    for _index in range(3):
        f.posting(kind=kind, enterprise=enterprise)
    f.agency(kind=kind, enterprise=EnterpriseFactory(legal_representative=user))
    client.force_login(user)
    client.get("/marketplace/")
    with django_assert_max_num_queries(16) as captured:
        assert client.get("/my/marketplace/").status_code == 200
    few = len(captured)
    for _index in range(10):
        f.posting(kind=kind, enterprise=enterprise)
    with django_assert_max_num_queries(few):
        assert client.get("/my/marketplace/").status_code == 200


# --- Buyer -----------------------------------------------------------------------------------


def test_a_buyer_posts_and_nobody_sees_quotes_before_the_deadline(client, kind):
    enterprise, user = f.buyer()
    client.force_login(user)
    response = client.post("/my/marketplace/postings/new/", _posting_data(enterprise, kind))
    posting = Posting.objects.get(buyer_enterprise=enterprise)
    assert response.status_code == 302
    assert response["Location"] == f"/my/marketplace/postings/{posting.reference}/"
    assert posting.status == PostingStatus.OPEN
    assert posting.budget_fen == 80_000_00
    assert posting.draw_seed_hash and posting.draw_seed_hash in _text(client.get(response["Location"]))

    first, second = f.agency(kind=kind), f.agency(kind=kind)
    f.quote(posting, first, 61_234_00)
    f.quote(posting, second, 59_876_00)
    for page, who in (
        (client.get(f"/my/marketplace/postings/{posting.reference}/"), "buyer"),
        (client.get(f"/marketplace/postings/{posting.reference}/"), "buyer on the public page"),
    ):
        html = _text(page)
        assert page.status_code == 200
        assert "61234" not in html and "59876" not in html, who
        assert first.name not in html and second.name not in html, who
        assert "共收到" not in html, who
    anonymous = _text(client.__class__().get(f"/marketplace/postings/{posting.reference}/"))
    assert "61234" not in anonymous and "不公开报价数量" in anonymous
    # The seed itself is never shown before the draw, only its digest.
    assert posting.draw_seed not in anonymous and posting.draw_seed_hash in anonymous

    f.past_deadline(posting)
    buyer_page = _text(client.get(f"/my/marketplace/postings/{posting.reference}/"))
    assert "61234.00" in buyer_page and "59876.00" in buyer_page
    public = _text(client.__class__().get(f"/marketplace/postings/{posting.reference}/"))
    assert "共收到 2 份报价" in public and "61234" not in public

    response = client.post(f"/my/marketplace/postings/{posting.reference}/select/", {"comment": ""})
    assert response.status_code == 302
    posting.refresh_from_db()
    assert posting.status == PostingStatus.SELECTED
    result = posting.result
    public = _text(client.__class__().get(f"/marketplace/postings/{posting.reference}/"))
    assert result.seed in public and result.agency.name in public
    assert "61234.00" in public and "59876.00" in public
    assert "一致" in public and "不一致" not in public
    assert f"抽中报价编号 {draw.draw_winner(result.seed, result.candidates)}" in public
    assert posting.title in _text(client.get("/marketplace/results/"))


def test_a_draft_is_published_from_its_page_and_a_bad_deadline_is_shown_on_its_field(client, kind, settings):
    enterprise, user = f.buyer()
    client.force_login(user)
    too_soon = _local(timezone.now() + datetime.timedelta(hours=1))
    response = client.post("/my/marketplace/postings/new/", _posting_data(enterprise, kind, quote_deadline=too_soon))
    assert response.status_code == 400
    assert "报价截止时间应至少在发布后" in response.content.decode()
    assert 'id="id_quote_deadline_error"' in response.content.decode()
    assert not Posting.objects.exists()

    response = client.post("/my/marketplace/postings/new/", _posting_data(enterprise, kind, action="draft"))
    posting = Posting.objects.get()
    assert posting.status == PostingStatus.DRAFT
    assert client.get(response["Location"]).status_code == 200
    response = client.post(f"/my/marketplace/postings/{posting.reference}/publish/")
    assert response.status_code == 302
    posting.refresh_from_db()
    assert posting.status == PostingStatus.OPEN


def test_someone_who_does_not_act_for_the_enterprise_cannot_post_for_it(client, kind):
    enterprise, _representative = f.buyer()
    stranger = UserFactory(verified=True)
    client.force_login(stranger)
    response = client.post("/my/marketplace/postings/new/", _posting_data(enterprise, kind))
    assert response.status_code == 400
    assert not Posting.objects.exists()
    # An agent whose mandate does not name the marketplace is refused by the acting rules.
    agent = f.mandated_agent(enterprise, service_codes=("some-other-service",))
    client.force_login(agent)
    response = client.post("/my/marketplace/postings/new/", _posting_data(enterprise, kind))
    assert response.status_code == 400
    assert "form-errors" in response.content.decode()
    assert not Posting.objects.exists()
    # An agent whose mandate names it may.
    client.force_login(f.mandated_agent(enterprise))
    assert client.post("/my/marketplace/postings/new/", _posting_data(enterprise, kind)).status_code == 302
    posting = Posting.objects.get()
    # The agent mandated for other services does not reach the buyer's page of it either.
    client.force_login(agent)
    assert client.get(f"/my/marketplace/postings/{posting.reference}/").status_code == 404
    # Nobody else reaches the buyer's page or acts on it.
    client.force_login(stranger)
    assert client.get(f"/my/marketplace/postings/{posting.reference}/").status_code == 404
    assert client.post(f"/my/marketplace/postings/{posting.reference}/cancel/", {"reason": "x"}).status_code == 404
    posting.refresh_from_db()
    assert posting.status == PostingStatus.OPEN


def test_the_whole_engagement_through_the_pages(client, kind):
    posting, _agencies = f.selected_posting(kind=kind, method=SelectionMethod.LOWEST_QUOTE, objection_period_days=0)
    client.force_login(posting.buyer_enterprise.legal_representative)
    url = f"/my/marketplace/postings/{posting.reference}/"
    # Over the budget: the error is on the amount, nothing is recorded.
    response = client.post(
        url + "contract/", {"amount": "999999999", "start_date": "2026-01-01", "end_date": "2026-06-30"}
    )
    assert response.status_code == 400 and "合同金额不能超过预算上限" in response.content.decode()
    response = client.post(url + "contract/", {"amount": "50000", "start_date": "2026-01-01", "end_date": "2026-06-30"})
    assert response.status_code == 302
    posting.refresh_from_db()
    assert posting.status == PostingStatus.CONTRACTED and posting.contract.amount_fen == 50_000_00
    # A rating before the delivery is refused (a message, nothing stored).
    response = client.post(url + "rating/", {"score": "5"})
    assert response.status_code == 302 and "确认交付后才能评价。" in _messages(response)
    assert client.post(url + "delivery/", {"note": "报告已批复"}).status_code == 302
    assert client.post(url + "rating/", {"score": "4", "comment": "按时交付"}).status_code == 302
    posting.refresh_from_db()
    assert posting.status == PostingStatus.RATED
    page = _text(client.get(url))
    assert "4 / 5" in page and "按时交付" in page
    winner = posting.result.agency
    assert "4.0 / 5（1 次评价）" in _text(client.get(f"/marketplace/agencies/{winner.pk}/"))


def test_a_direct_choice_picks_from_selectable_agencies_only(client, kind):
    enterprise, user = f.buyer()
    posting = f.posting(kind=kind, enterprise=enterprise, method=SelectionMethod.DIRECT)
    chosen = f.agency(kind=kind)
    unqualified = f.agency(kind=kind, qualification_status=QualificationStatus.PENDING)
    f.past_deadline(posting)
    client.force_login(user)
    page = client.get(f"/my/marketplace/postings/{posting.reference}/").content.decode()
    assert chosen.name in page and unqualified.name not in page
    url = f"/my/marketplace/postings/{posting.reference}/select/"
    assert client.post(url, {"agency": unqualified.pk}).status_code == 400
    assert client.post(url, {}).status_code == 400
    assert client.post(url, {"agency": chosen.pk}).status_code == 302
    posting.refresh_from_db()
    assert posting.result.agency == chosen


# --- Agency ----------------------------------------------------------------------------------


def test_an_enterprise_registers_as_an_agency_and_adds_services_and_qualifications(client, kind):
    enterprise, user = f.buyer()
    client.force_login(user)
    response = client.post(
        "/my/marketplace/agency/register/",
        {"enterprise": enterprise.pk, "contact_name": "王工", "contact_phone": "not a phone"},
    )
    assert response.status_code == 400 and "请填写有效的联系电话。" in response.content.decode()
    response = client.post(
        "/my/marketplace/agency/register/",
        {"enterprise": enterprise.pk, "contact_name": "王工", "contact_phone": "020-88886666"},
    )
    agency = Agency.objects.get(enterprise=enterprise)
    assert response["Location"] == f"/my/marketplace/agencies/{agency.pk}/"
    url = f"/my/marketplace/agencies/{agency.pk}/"
    response = client.post(url + "services/", {"service_type": kind.pk, "fee_min": "9000", "fee_max": "5000"})
    assert response.status_code == 400 and "最低收费不能高于最高收费。" in response.content.decode()
    assert (
        client.post(url + "services/", {"service_type": kind.pk, "fee_min": "5000", "fee_max": "9000"}).status_code
        == 302
    )
    assert AgencyService.objects.get(agency=agency).fee_max_fen == 9000_00
    today = timezone.localdate()
    qualification = {
        "qualification_type": kind.qualification_type.pk,
        "grade": "3",
        "number": "HP-001",
        "valid_from": (today - datetime.timedelta(days=10)).isoformat(),
        "valid_until": (today + datetime.timedelta(days=300)).isoformat(),
    }
    response = client.post(url + "qualifications/", qualification)
    assert response.status_code == 400 and "请上传资质证书文件，或填写电子证照编号。" in response.content.decode()
    response = client.post(url + "qualifications/", {**qualification, "certificate_reference": "DZZZ-1"})
    assert response.status_code == 302
    assert Qualification.objects.get(agency=agency).status == QualificationStatus.PENDING
    page = _text(client.get(url))
    assert "待审核" in page and "HP-001" in page
    # A pending agency is not in the directory.
    assert enterprise.name not in _text(client.get("/marketplace/agencies/"))
    assert client.post(url + "services/", {"action": "remove", "service_type": kind.code}).status_code == 302
    assert not AgencyService.objects.filter(agency=agency).exists()


def test_an_agency_quotes_revises_and_is_frozen_after_the_deadline(client, kind):
    posting = f.posting(kind=kind, budget_fen=100_000_00)
    agency = f.agency(kind=kind)
    client.force_login(agency.enterprise.legal_representative)
    url = f"/my/marketplace/agencies/{agency.pk}/postings/{posting.reference}/"
    assert posting.title in _text(client.get(f"/my/marketplace/agencies/{agency.pk}/"))
    response = client.post(url + "quote/", {"amount": "200000"})
    assert response.status_code == 400 and "报价不能超过预算上限" in response.content.decode()
    assert client.post(url + "quote/", {"amount": "70000"}).status_code == 302
    assert client.post(url + "quote/", {"amount": "65000.50", "note": "含专家评审"}).status_code == 302
    quote = Quote.objects.get(posting=posting, agency=agency)
    assert (quote.amount_fen, quote.revision) == (65_000_50, 1)
    assert "65000.50" in _text(client.get(url))
    f.past_deadline(posting)
    response = client.post(url + "quote/", {"amount": "1000"})
    assert response.status_code == 302
    assert "该项目已截止报价，报价不能再提交或修改。" in _messages(response)
    quote.refresh_from_db()
    assert quote.amount_fen == 65_000_50
    assert "报价已截止" in _text(client.get(url))


def test_an_agency_never_sees_another_agencys_quote_or_pages(client, kind):
    posting = f.posting(kind=kind)
    mine, theirs = f.agency(kind=kind), f.agency(kind=kind)
    f.quote(posting, mine, 70_000_00)
    f.quote(posting, theirs, 68_123_00)
    client.force_login(mine.enterprise.legal_representative)
    for url in (
        f"/my/marketplace/agencies/{mine.pk}/postings/{posting.reference}/",
        f"/marketplace/postings/{posting.reference}/",
        f"/my/marketplace/agencies/{mine.pk}/",
    ):
        html = _text(client.get(url))
        assert "68123" not in html and theirs.name not in html, url
    assert "70000.00" in _text(client.get(f"/my/marketplace/agencies/{mine.pk}/postings/{posting.reference}/"))
    for url in (
        f"/my/marketplace/agencies/{theirs.pk}/",
        f"/my/marketplace/agencies/{theirs.pk}/postings/{posting.reference}/",
    ):
        assert client.get(url).status_code == 404
    response = client.post(f"/my/marketplace/agencies/{theirs.pk}/postings/{posting.reference}/quote/", {"amount": "1"})
    assert response.status_code == 404
    assert Quote.objects.get(agency=theirs).amount_fen == 68_123_00
    # After the deadline, before a result: still nothing of the other's quote.
    f.past_deadline(posting)
    html = _text(client.get(f"/my/marketplace/agencies/{mine.pk}/postings/{posting.reference}/"))
    assert "68123" not in html and "共收到 2 份报价" in html


def test_an_unqualified_agency_is_told_why_it_cannot_quote(client, kind):
    posting = f.posting(kind=kind)
    expired = f.agency(kind=kind, valid_until=timezone.localdate() - datetime.timedelta(days=1))
    client.force_login(expired.enterprise.legal_representative)
    url = f"/my/marketplace/agencies/{expired.pk}/postings/{posting.reference}/"
    assert "资质已过期" in _text(client.get(url))
    response = client.post(url + "quote/", {"amount": "1000"})
    assert response.status_code == 302 and not Quote.objects.exists()


def test_a_losing_bidder_objects_within_the_period(client, kind):
    posting, agencies = f.selected_posting(kind=kind, method=SelectionMethod.LOWEST_QUOTE)
    loser = next(agency for agency in agencies if agency.pk != posting.result.agency_id)
    client.force_login(loser.enterprise.legal_representative)
    url = f"/my/marketplace/agencies/{loser.pk}/postings/{posting.reference}/"
    assert "提出异议" in _text(client.get(url))
    assert client.post(url + "objection/", {"reason": ""}).status_code == 400
    assert client.post(url + "objection/", {"reason": "中选机构资质等级不符"}).status_code == 302
    assert Objection.objects.get().agency == loser
    f.past_objection_period(posting)
    response = client.post(url + "objection/", {"reason": "再次提出"})
    assert response.status_code == 302 and Objection.objects.count() == 1


# --- Every form, bad input --------------------------------------------------------------------


BAD_VALUES = ["", "abc", "-1", "0", "1e309", "NaN", "9" * 40, "１２３元", "\x00", "<script>", "0.001"]


def test_no_bad_input_makes_a_500_or_a_write(client, kind):
    enterprise, user = f.buyer()
    posting = f.posting(kind=kind, enterprise=enterprise, method=SelectionMethod.DIRECT)
    agency = f.agency(kind=kind, enterprise=EnterpriseFactory(legal_representative=user))
    other = f.posting(kind=kind)
    client.force_login(user)
    posts = {
        "/my/marketplace/postings/new/": [
            "budget",
            "quote_deadline",
            "objection_period_days",
            "enterprise",
            "service_type",
        ],
        f"/my/marketplace/postings/{posting.reference}/select/": ["agency"],
        f"/my/marketplace/postings/{posting.reference}/contract/": ["amount", "start_date"],
        f"/my/marketplace/postings/{posting.reference}/rating/": ["score"],
        "/my/marketplace/agency/register/": ["enterprise", "contact_phone"],
        f"/my/marketplace/agencies/{agency.pk}/services/": ["fee_min", "service_type"],
        f"/my/marketplace/agencies/{agency.pk}/qualifications/": ["grade", "valid_until", "qualification_type"],
        f"/my/marketplace/agencies/{agency.pk}/postings/{other.reference}/quote/": ["amount"],
        f"/my/marketplace/agencies/{agency.pk}/postings/{other.reference}/objection/": ["reason"],
    }
    before = (Posting.objects.count(), Quote.objects.count(), Qualification.objects.count())
    for url, fields in posts.items():
        for field in fields:
            for value in BAD_VALUES:
                response = client.post(url, {field: value, "reason": "" if field != "reason" else value})
                assert response.status_code in (302, 400), (url, field, value, response.status_code)
    assert (Posting.objects.count(), Quote.objects.count(), Qualification.objects.count()) == before
    response = client.post(f"/my/marketplace/postings/{posting.reference}/cancel/", {"reason": "  "})
    assert response.status_code == 400 and 'id="id_reason_error"' in response.content.decode()
    posting.refresh_from_db()
    assert posting.status == PostingStatus.OPEN
    for url in ("/marketplace/agencies/?type=%00", "/marketplace/postings/?page=abc", "/marketplace/results/?page=-1"):
        assert client.get(url).status_code in (200, 400, 404), url


def test_my_pages_need_a_sign_in_and_writes_need_a_post(client, kind):
    posting = f.posting(kind=kind)
    for url in ("/my/marketplace/", "/my/marketplace/postings/new/", f"/my/marketplace/postings/{posting.reference}/"):
        response = client.get(url)
        assert response.status_code == 302 and "/account/login/" in response["Location"]
    client.force_login(posting.buyer_enterprise.legal_representative)
    assert client.get(f"/my/marketplace/postings/{posting.reference}/cancel/").status_code == 405


# --- The service guide's link -----------------------------------------------------------------


def test_a_guide_links_to_the_agencies_of_the_intermediary_service_it_needs(
    client, catalogue, django_capture_on_commit_callbacks
):
    from services.models import ServiceItem

    item = ServiceItem.objects.filter(published_version__isnull=False).first()
    url = f"/services/{item.code}/"
    assert "中介服务" not in _text(client.get(url))
    assert "中介服务" not in _text(client.get(url))  # now served from the cache
    # Linking an approval to a service type invalidates the cached guide once committed.
    with django_capture_on_commit_callbacks(execute=True):
        kind = f.service_type(name="环境影响评价", item=item)
    html = client.get(url).content.decode()
    assert "本事项需要环境影响评价（中介服务）" in _text(client.get(url))
    assert f'href="/marketplace/agencies/?type={kind.code}"' in html
    # The directory it leads to lists the agencies of that type.
    agency = f.agency(kind=kind)
    assert agency.name in _text(client.get(f"/marketplace/agencies/?type={kind.code}"))
    # Deactivating the type (the admin saves it) takes the link away again.
    with django_capture_on_commit_callbacks(execute=True):
        kind.active = False
        kind.save(update_fields=["active", "updated_at"])
    assert "中介服务" not in _text(client.get(url))


def test_a_posting_page_runs_the_same_queries_for_few_and_many_bidders(client, kind, django_assert_max_num_queries):
    def drawn(bidders):
        posting, _agencies = f.selected_posting(kind=kind, method=SelectionMethod.RANDOM_DRAW, bidders=bidders)
        return f"/marketplace/postings/{posting.reference}/"

    few_url, many_url = drawn(2), drawn(8)
    with django_assert_max_num_queries(10) as captured:
        assert client.get(few_url).status_code == 200
    few = len(captured)
    with django_assert_max_num_queries(few):
        response = client.get(many_url)
    assert response.status_code == 200 and response.content.decode().count("<tr>") >= 8


def test_the_section_of_the_marketplace_is_marked_in_its_menu(client, kind):
    agency = f.agency(kind=kind)
    html = client.get(f"/marketplace/agencies/{agency.pk}/").content.decode()
    assert 'aria-current="true">中介机构</a>' in html
    menu = html.split('class="market-nav"')[1].split("</nav>")[0]
    assert menu.count("aria-current") == 1


def test_a_draft_is_edited_then_published_and_a_published_posting_is_not_edited(client, kind):
    enterprise, user = f.buyer()
    draft = f.posting(kind=kind, enterprise=enterprise, publish=False)
    client.force_login(user)
    url = f"/my/marketplace/postings/{draft.reference}/edit/"
    form = client.get(url)
    assert form.status_code == 200 and draft.title in form.content.decode()
    data = _posting_data(enterprise, kind, title="改过的项目名称", budget="90000", action="draft")
    del data["enterprise"]
    assert client.post(url, data).status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.budget_fen, draft.status) == ("改过的项目名称", 90_000_00, PostingStatus.DRAFT)
    # Publishing with a deadline too soon keeps the draft as it was (nothing half saved).
    too_soon = _local(timezone.now() + datetime.timedelta(hours=1))
    response = client.post(url, {**data, "title": "又改了", "quote_deadline": too_soon, "action": "publish"})
    assert response.status_code == 400 and 'id="id_quote_deadline_error"' in response.content.decode()
    draft.refresh_from_db()
    assert (draft.title, draft.status) == ("改过的项目名称", PostingStatus.DRAFT)
    assert client.post(url, {**data, "action": "publish"}).status_code == 302
    draft.refresh_from_db()
    assert draft.status == PostingStatus.OPEN and draft.draw_seed_hash
    response = client.get(url)
    assert response.status_code == 302 and "项目公告发布后不能修改。" in _messages(response)
    # Someone else's draft is not found.
    other_draft = f.posting(kind=kind, publish=False)
    assert client.get(f"/my/marketplace/postings/{other_draft.reference}/edit/").status_code == 404


def test_the_buyer_sees_the_selected_agencys_contact_and_the_public_does_not(client, kind):
    posting, _agencies = f.selected_posting(kind=kind)
    winner = posting.result.agency
    assert winner.contact_phone not in client.get(f"/marketplace/postings/{posting.reference}/").content.decode()
    client.force_login(posting.buyer_enterprise.legal_representative)
    contact = _text(client.get(f"/my/marketplace/postings/{posting.reference}/"))
    assert f"{winner.contact_name}，电话 {winner.contact_phone}" in contact


def test_an_agency_of_the_buyers_own_representative_cannot_quote_or_be_chosen(client, kind):
    enterprise, user = f.buyer()
    posting = f.posting(kind=kind, enterprise=enterprise, method=SelectionMethod.DIRECT)
    sibling = f.agency(kind=kind, enterprise=EnterpriseFactory(legal_representative=user))
    client.force_login(user)
    url = f"/my/marketplace/agencies/{sibling.pk}/postings/{posting.reference}/"
    page = _text(client.get(url))
    assert "这是本单位发布的项目，不能报价。" in page and "提交报价" not in page
    assert url not in client.get(f"/marketplace/postings/{posting.reference}/").content.decode()
    assert client.post(url + "quote/", {"amount": "1000"}).status_code == 302
    assert not Quote.objects.exists()
    f.past_deadline(posting)
    buyer_page = client.get(f"/my/marketplace/postings/{posting.reference}/").content.decode()
    assert f'<option value="{sibling.pk}"' not in buyer_page


def test_the_post_form_starts_with_the_service_type_of_the_directory_it_came_from(client, kind):
    enterprise, user = f.buyer()
    assert (
        f"/my/marketplace/postings/new/?type={kind.code}"
        in client.get(f"/marketplace/agencies/?type={kind.code}").content.decode()
    )
    client.force_login(user)
    html = client.get(f"/my/marketplace/postings/new/?type={kind.code}").content.decode()
    assert f'<option value="{kind.pk}" selected>' in html
    assert f'<option value="{enterprise.pk}" selected>' in html or enterprise.name in html


def test_an_agent_mandated_for_other_services_does_not_reach_the_agencys_space(client, kind):
    agency = f.agency(kind=kind)
    outsider = f.mandated_agent(agency.enterprise, service_codes=("some-other-service",))
    client.force_login(outsider)
    assert client.get(f"/my/marketplace/agencies/{agency.pk}/").status_code == 404
    client.force_login(f.mandated_agent(agency.enterprise))
    assert client.get(f"/my/marketplace/agencies/{agency.pk}/").status_code == 200
