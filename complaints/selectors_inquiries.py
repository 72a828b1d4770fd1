"""Reads for inquiries and complaints (咨询投诉): routing, who sees what, the timeline.

Routing is a read: :func:`routing_for` answers which department an inquiry goes
to and why, and :func:`complaints.services_inquiries.inquiry_submit` acts on it.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet
from django.utils.crypto import constant_time_compare, salted_hmac

from applications.models import DepartmentOfficial
from applications.selectors import official_department_ids
from services.models import Department

from .models import Inquiry, InquiryTransition, RoutingRule

_QUERY_CODE_SALT = "complaints.inquiry-query-code"


def query_code_hash(*, reference: str, query_code: str) -> str:
    """The keyed hash stored for a query code (查询码): the code itself is never stored."""
    return salted_hmac(_QUERY_CODE_SALT, f"{reference}:{query_code.strip().upper()}").hexdigest()


def inquiry_by_query_code(*, reference: str, query_code: str) -> Inquiry | None:
    """The inquiry ``reference`` if ``query_code`` is its code; None otherwise (whichever part is wrong)."""
    reference = (reference or "").strip().upper()
    query_code = (query_code or "").strip()
    if not reference or not query_code or len(reference) > 20 or len(query_code) > 20:
        return None
    inquiry = Inquiry.objects.filter(reference=reference).select_related("department").first()
    expected = query_code_hash(reference=reference, query_code=query_code)
    if inquiry is None or not constant_time_compare(inquiry.query_code_hash, expected):
        return None
    return inquiry


# --- Routing --------------------------------------------------------------------------


def region_prefix(region_code: str) -> str:
    """The significant part of an administrative division code (GB/T 2260): ``440000`` → ``44``
    (the province), ``440100`` → ``4401`` (the city), ``440106`` → ``440106`` (the district);
    longer township codes keep their own zeros trimmed the same way, two digits at a time."""
    code = (region_code or "").strip()
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def region_matches(*, rule_code: str, region_code: str) -> bool:
    """Whether a rule for ``rule_code`` covers ``region_code`` (an empty rule code covers all)."""
    if not rule_code:
        return True
    return bool(region_code) and region_prefix(region_code).startswith(region_prefix(rule_code))


def _specificity(rule: RoutingRule) -> tuple:
    return (
        rule.service_item_id is not None,
        rule.category_id is not None,
        len(region_prefix(rule.region_code)),
        bool(rule.kind),
        -rule.priority,
        -rule.pk,
    )


def routing_rule_for(*, kind: str, category_id, service_item_id, region_code: str) -> RoutingRule | None:
    """The active rule that routes an inquiry with these attributes: the most specific of those
    that match (see :class:`~complaints.models.RoutingRule`), or None. One query."""
    candidates = RoutingRule.objects.filter(active=True).filter(
        Q(kind="") | Q(kind=kind),
        Q(category__isnull=True) | Q(category_id=category_id),
        Q(service_item__isnull=True) | Q(service_item_id=service_item_id),
    )
    matching = [rule for rule in candidates if region_matches(rule_code=rule.region_code, region_code=region_code)]
    return max(matching, key=_specificity, default=None)


@dataclass(frozen=True)
class Routing:
    department_id: int | None
    rule: RoutingRule | None
    # Why, for the record: "rule", "application", "service_item", "department" or "" (unrouted).
    reason: str


def routing_for(
    *, kind: str, category_id=None, service_item=None, about_department_id=None, application=None, region_code=""
) -> Routing:
    """Where an inquiry goes: a matching routing rule first; else the department of the case it is
    about, of the service item, or the department it names; else nowhere (the dispatch centre
    assigns it by hand)."""
    rule = routing_rule_for(
        kind=kind,
        category_id=category_id,
        service_item_id=service_item.pk if service_item is not None else None,
        region_code=region_code,
    )
    if rule is not None:
        return Routing(department_id=rule.department_id, rule=rule, reason="rule")
    if application is not None and application.department_id:
        return Routing(department_id=application.department_id, rule=None, reason="application")
    if service_item is not None:
        return Routing(department_id=service_item.department_id, rule=None, reason="service_item")
    if about_department_id:
        return Routing(department_id=about_department_id, rule=None, reason="department")
    return Routing(department_id=None, rule=None, reason="")


# --- Who sees what --------------------------------------------------------------------


def inquiries_for_resident(*, user) -> QuerySet[Inquiry]:
    """The signed-in resident's own items (我的咨询投诉), newest first. Anonymous reports are not
    linked to anyone, so they are followed with their query code instead."""
    return (
        Inquiry.objects.filter(submitter=user)
        .select_related("department", "category", "service_item")
        .order_by("-created_at", "-pk")
    )


def inquiry_for_resident(*, user, reference: str) -> Inquiry | None:
    return inquiries_for_resident(user=user).filter(reference=(reference or "").upper()).first()


def inquiries_for_official(*, user) -> QuerySet[Inquiry]:
    """The items an official may see: their departments' only; the dispatch centre
    (``complaints.dispatch_inquiry``) and superusers see all, including unassigned ones."""
    inquiries = Inquiry.objects.all()
    if user.is_superuser or user.has_perm("complaints.dispatch_inquiry"):
        return inquiries
    return inquiries.filter(department_id__in=official_department_ids(user=user))


def may_see_reporter(*, user, inquiry: Inquiry) -> bool:
    """Whether ``user`` may see who submitted ``inquiry``: anyone handling it for an inquiry,
    complaint or suggestion; for a report (举报) only holders of ``complaints.view_reporter_identity``."""
    return not inquiry.is_report or user.has_perm("complaints.view_reporter_identity")


def inquiry_timeline(*, inquiry: Inquiry) -> QuerySet[InquiryTransition]:
    """The recorded steps, oldest first, with their departments (one query)."""
    return inquiry.transitions.select_related("from_department", "to_department").order_by("created_at", "pk")


def departments_handled(*, inquiry: Inquiry) -> set[int]:
    """The departments that have held ``inquiry`` (it is never transferred back to one of them)."""
    ids = set(
        InquiryTransition.objects.filter(inquiry=inquiry, to_department__isnull=False).values_list(
            "to_department_id", flat=True
        )
    )
    if inquiry.department_id:
        ids.add(inquiry.department_id)
    return ids


def department_officials(*, department_id: int) -> QuerySet:
    """Active officials of a department, told when one of its items is escalated."""
    user_ids = DepartmentOfficial.objects.filter(department_id=department_id).values("user_id")
    return get_user_model().objects.filter(pk__in=user_ids, is_active=True)


def dispatchers() -> QuerySet:
    """Active users of the dispatch centre (``complaints.dispatch_inquiry``, directly or by group)."""
    permission = Permission.objects.filter(content_type__app_label="complaints", codename="dispatch_inquiry")
    return (
        get_user_model()
        .objects.filter(Q(user_permissions__in=permission) | Q(groups__permissions__in=permission), is_active=True)
        .distinct()
    )


def region_choices() -> list[tuple[str, str]]:
    """The regions departments serve, for the submission form: (code, name), by code."""
    rows = Department.objects.order_by("region_code").values_list("region_code", "region").distinct()
    return [(code, name) for code, name in rows if code]
