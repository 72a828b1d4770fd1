"""Marketplace test helpers: service types, agencies in each state, postings moved through
the services, officials with the marketplace permissions.

Deadlines are made testable by moving them, never the clock: :func:`past_deadline` sets a
posting's quote deadline (or objection deadline) in the past with a queryset update.
"""

import datetime
import itertools

from django.contrib.auth.models import Permission
from django.utils import timezone

from identity.tests.factories import EnterpriseFactory, MandateFactory, UserFactory
from marketplace import services
from marketplace.constants import (
    SERVICE_CODE,
    AgencyStatus,
    Grade,
    PostingStatus,
    QualificationStatus,
    SelectionMethod,
)
from marketplace.models import Agency, AgencyService, Posting, Qualification, QualificationType, ServiceType

_serials = itertools.count(1)


def _grant(user, *codenames):
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="marketplace", codename__in=codenames))
    for cache in ("_perm_cache", "_user_perm_cache"):
        user.__dict__.pop(cache, None)
    return user


def reviewer():
    """An official of the supervising department: reviews agencies and decides objections."""
    return _grant(
        UserFactory(official=True),
        "review_agency",
        "decide_objection",
        "view_agency",
        "change_agency",
        "view_qualification",
        "view_posting",
        "view_objection",
    )


def qualification_type(*, code: str | None = None, name: str = "测试资质") -> QualificationType:
    code = code or f"q{next(_serials)}"
    return QualificationType.objects.get_or_create(code=code, defaults={"name": name})[0]


def service_type(*, code: str | None = None, name: str = "环境影响评价", min_grade: int = Grade.CLASS_C, item=None):
    code = code or f"t{next(_serials)}"
    kind = ServiceType.objects.create(
        code=code, name=name, qualification_type=qualification_type(name=f"{name}资质"), min_grade=min_grade
    )
    if item is not None:
        kind.service_items.add(item)
    return kind


def today() -> datetime.date:
    return timezone.localdate()


def agency(
    *,
    kind: ServiceType | None = None,
    status: str = AgencyStatus.APPROVED,
    grade: int = Grade.CLASS_A,
    valid_until: datetime.date | None = None,
    qualification_status: str = QualificationStatus.APPROVED,
    enterprise=None,
) -> Agency:
    """An agency offering ``kind`` with a qualification of its required type (written straight to
    the tables: the review services have their own tests)."""
    enterprise = enterprise or EnterpriseFactory()
    created = Agency.objects.create(
        enterprise=enterprise,
        status=status,
        contact_name="联系人",
        contact_phone="020-12345678",
        registered_by=enterprise.legal_representative,
    )
    if kind is not None:
        AgencyService.objects.create(agency=created, service_type=kind, fee_min_fen=100_00, fee_max_fen=50_000_00)
        if kind.qualification_type is not None:
            Qualification.objects.create(
                agency=created,
                qualification_type=kind.qualification_type,
                grade=grade,
                number=f"ZZ{next(_serials):06d}",
                valid_from=today() - datetime.timedelta(days=365),
                valid_until=valid_until or today() + datetime.timedelta(days=365),
                status=qualification_status,
                certificate_reference="DZZZ-TEST",
            )
    return created


def buyer():
    """A verified enterprise and its legal representative (who posts for it)."""
    enterprise = EnterpriseFactory()
    return enterprise, enterprise.legal_representative


def mandated_agent(enterprise, *, service_codes=(SERVICE_CODE,)):
    agent = UserFactory(verified=True)
    MandateFactory(enterprise=enterprise, agent=agent, service_codes=list(service_codes))
    return agent


def posting(
    *,
    kind: ServiceType,
    enterprise=None,
    actor=None,
    method: str = SelectionMethod.RANDOM_DRAW,
    budget_fen: int = 100_000_00,
    objection_period_days: int = 3,
    publish: bool = True,
    **kwargs,
) -> Posting:
    if enterprise is None:
        enterprise, actor = buyer()
    actor = actor or enterprise.legal_representative
    return services.posting_create(
        actor=actor,
        enterprise=enterprise,
        service_type=kind,
        title="某项目环境影响评价",
        scope="编制环境影响报告书",
        budget_fen=budget_fen,
        quote_deadline=timezone.now() + datetime.timedelta(days=3),
        selection_method=method,
        objection_period_days=objection_period_days,
        publish=publish,
        **kwargs,
    )


def past_deadline(posting: Posting) -> Posting:
    """Move the quote deadline into the past (the clock is never mocked)."""
    Posting.objects.filter(pk=posting.pk).update(quote_deadline=timezone.now() - datetime.timedelta(minutes=1))
    posting.refresh_from_db()
    return posting


def past_objection_period(posting: Posting) -> Posting:
    Posting.objects.filter(pk=posting.pk).update(objection_deadline=timezone.now() - datetime.timedelta(minutes=1))
    posting.refresh_from_db()
    return posting


def quote(posting: Posting, agency_: Agency, amount_fen: int, *, actor=None):
    return services.quote_submit(
        actor=actor or agency_.enterprise.legal_representative, posting=posting, agency=agency_, amount_fen=amount_fen
    )


def selected_posting(*, kind: ServiceType, method: str = SelectionMethod.LOWEST_QUOTE, bidders: int = 2, **kwargs):
    """A posting with ``bidders`` quotes, closed and selected through the services."""
    created = posting(kind=kind, method=method, **kwargs)
    agencies = [agency(kind=kind) for _i in range(bidders)]
    for index, bidder in enumerate(agencies):
        quote(created, bidder, 50_000_00 + index * 1_000_00)
    past_deadline(created)
    buyer_user = created.buyer_enterprise.legal_representative
    services.posting_select(
        actor=buyer_user, posting=created, agency=agencies[0] if method == SelectionMethod.DIRECT else None
    )
    created.refresh_from_db()
    assert created.status == PostingStatus.SELECTED
    return created, agencies
