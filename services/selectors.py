"""Reads from the catalogue. Every function runs a fixed number of queries,
whatever the size of the catalogue (the portal's query-count tests hold them to it)."""

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    F,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat

from . import search
from .cache import catalogue_cache_key
from .constants import Audience
from .models import Bundle, BundleItem, Department, LifeEvent, ServiceItem, SynonymGroup, Topic, TopicItem

# Score bands: the exact name outranks a name match, which outranks a match in
# the guide text; popularity orders items inside a band.
# The sum stays below 2**31, so PostgreSQL can add them as integers.
_EXACT_NAME_BAND = 200_000_000
_NAME_MATCH_BAND = 100_000_000
_POPULARITY_CAP = 99_999_999


def published_items() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.filter(published_version__isnull=False)


def service_item_list(
    *,
    audience: str | None = None,
    department: str | None = None,
    region: str | None = None,
    topic: str | None = None,
    life_event: str | None = None,
) -> QuerySet[ServiceItem]:
    """Published items filtered by navigation facets, most popular first.

    ``audience`` "resident" or "enterprise" also includes items for both.
    """
    items = published_items().select_related("department")
    if audience in (Audience.RESIDENT, Audience.ENTERPRISE):
        items = items.filter(audience__in=(audience, Audience.BOTH))
    elif audience == Audience.BOTH:
        items = items.filter(audience=Audience.BOTH)
    if department:
        items = items.filter(department__code=department)
    if region:
        items = items.filter(department__region_code=region)
    if topic:
        items = items.filter(topics__code=topic)
    if life_event:
        items = items.filter(life_events__code=life_event)
    return items.order_by("-popularity", "code")


def synonym_groups() -> list[list[str]]:
    """Active synonym groups, cached until the catalogue changes."""
    key = catalogue_cache_key("synonyms")
    groups = cache.get(key)
    if groups is None:
        groups = [group.term_list() for group in SynonymGroup.objects.filter(is_active=True)]
        cache.set(key, groups, timeout=3600)
    return groups


def service_item_search(*, query: str, items: QuerySet[ServiceItem] | None = None) -> QuerySet[ServiceItem]:
    """Items matching ``query``, annotated with an integer ``search_score`` and
    ordered by it: the exact name first, then name matches, then guide-text
    matches, each by popularity.

    PostgreSQL matches words (segmented, with pinyin prefixes and synonyms)
    through the GIN index; other databases match substrings of the same
    search documents (see the README's "Search" section).
    """
    if items is None:
        items = service_item_list()
    query = query.strip()[:100]
    groups = synonym_groups()
    table = ServiceItem._meta.db_table
    popularity = Case(
        When(popularity__gt=_POPULARITY_CAP, then=Value(_POPULARITY_CAP)),
        default=F("popularity"),
        output_field=IntegerField(),
    )
    names = list(dict.fromkeys([query, *search.query_variants(query, groups)]))
    # An exact alias counts as the exact name: 公租房 is what residents call 公共租赁住房申请.
    exact = Q(name__in=names) | Q(name_en__iexact=query)
    for name in names:
        exact |= (
            Q(aliases=name)
            | Q(aliases__startswith=f"{name},")
            | Q(aliases__endswith=f",{name}")
            | Q(aliases__contains=f",{name},")
        )

    if connection.vendor == "postgresql":
        tsquery = search.tsquery(query, groups)
        if not tsquery:
            return items.none().annotate(search_score=Value(0))
        # The tsquery is a bound parameter; the SQL text is our constant.
        matches = RawSQL(  # noqa: S611
            search.TSVECTOR_SQL.format(table=table) + " @@ to_tsquery('simple'::regconfig, %s)",
            (tsquery,),
            output_field=BooleanField(),
        )
        # Which matches are in the name: a prefix test on the stored words is
        # far cheaper per row than rebuilding the name's tsvector.
        name_match = Q()
        for variant in search.query_variants(query, groups):
            words = search.query_words(variant)
            if words:
                name_match |= Q.create([("padded_search_name__contains", f" {word}") for word in words])
        items = items.annotate(padded_search_name=Concat(Value(" "), "search_name", output_field=TextField()))
        items = items.filter(matches)
    else:
        words = [word for word in query.lower().split() if word]
        if not words:
            return items.none().annotate(search_score=Value(0))
        name_match = Q()
        body_match = Q()
        for variant in search.query_variants(query, groups):
            variant_name = Q()
            variant_body = Q()
            for word in variant.split():
                in_name = Q(search_name__icontains=word) | Q(name__icontains=word) | Q(aliases__icontains=word)
                variant_name &= in_name
                variant_body &= in_name | Q(search_body__icontains=word) | Q(keywords__icontains=word)
            name_match |= variant_name
            body_match |= variant_body
        items = items.filter(body_match)

    score = (
        Case(When(exact, then=Value(_EXACT_NAME_BAND)), default=Value(0), output_field=IntegerField())
        + Case(When(name_match, then=Value(_NAME_MATCH_BAND)), default=Value(0), output_field=IntegerField())
        + popularity
    )
    return items.annotate(search_score=ExpressionWrapper(score, output_field=IntegerField())).order_by(
        "-search_score", "code"
    )


def service_item_suggestions(*, query: str, limit: int = 8) -> list[dict]:
    """Names for the search box's suggestions as the resident types."""
    if not query.strip():
        return []
    return [
        {"code": item.code, "name": item.name, "department": item.department.name}
        for item in service_item_search(query=query)[:limit]
    ]


def service_item_guide(*, code: str) -> ServiceItem | None:
    """A published item with its whole published guide, in a fixed number of queries."""
    version_parts = ("materials", "fees", "steps", "special_steps", "faqs")
    return (
        published_items()
        .select_related("department", "published_version")
        .prefetch_related(
            "life_events",
            Prefetch("topics", queryset=Topic.objects.order_by("order", "code")),
            Prefetch("bundles", queryset=Bundle.objects.order_by("order", "code")),
            *(f"published_version__{part}" for part in version_parts),
        )
        .filter(code=code)
        .first()
    )


def department_list() -> QuerySet[Department]:
    return Department.objects.all()


def life_event_list(*, kind: str | None = None) -> QuerySet[LifeEvent]:
    events = LifeEvent.objects.all()
    return events.filter(kind=kind) if kind else events


def topic_list() -> QuerySet[Topic]:
    return Topic.objects.all()


def bundle_list() -> QuerySet[Bundle]:
    return Bundle.objects.all()


def topic_with_items(*, code: str) -> Topic | None:
    entries = (
        TopicItem.objects.filter(item__published_version__isnull=False)
        .select_related("item__department", "item__published_version")
        .order_by("order", "pk")
    )
    return (
        Topic.objects.prefetch_related(Prefetch("topicitem_set", queryset=entries, to_attr="entries"))
        .filter(code=code)
        .first()
    )


def bundle_with_items(*, code: str) -> Bundle | None:
    entries = (
        BundleItem.objects.filter(item__published_version__isnull=False)
        .select_related("item__department", "item__published_version")
        .order_by("order", "pk")
    )
    return (
        Bundle.objects.prefetch_related(Prefetch("bundleitem_set", queryset=entries, to_attr="entries"))
        .filter(code=code)
        .first()
    )
