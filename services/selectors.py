"""Reads from the catalogue. Every function runs a fixed number of queries,
whatever the size of the catalogue (the portal's query-count tests hold them to it)."""

from dataclasses import dataclass, field

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
    Value,
    When,
)
from django.db.models.expressions import Expression, RawSQL

from common.prepared import CompiledRead, Placeholders, PreparedQueries, PreparedQuery

from . import search
from .cache import LocalEntries, catalogue_entry, catalogue_entry_key
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


def active_synonym_groups() -> list[list[str]]:
    """Active synonym groups, read now: writers inside a transaction need this, not the cache."""
    return [group.term_list() for group in SynonymGroup.objects.filter(is_active=True)]


def synonym_groups() -> list[list[str]]:
    """Active synonym groups, cached until the catalogue changes."""
    return catalogue_entry(catalogue_entry_key("synonyms"), active_synonym_groups, timeout=3600)


# What a search result shows (the portal's results page and the API's list),
# so the long search documents are never read back.
SEARCH_RESULT_FIELDS = (
    "code",
    "name",
    "name_en",
    "item_type",
    "audience",
    "popularity",
    "department__code",
    "department__name",
    "department__name_en",
)

# The portal's search page reads the item's own columns and names the department from the search
# context (:func:`_attach_departments`): joining the departments table into each of the ranking's
# three bands was 0.3-0.5 ms of PostgreSQL's planning of every search, and 0.1-0.4 ms of its work.
_SEARCH_PAGE_FIELDS = ("code", "name", "name_en", "item_type", "audience", "popularity", "department")


def _capped_popularity() -> Case:
    # Below the name bands, so a popular text match never outranks a name match.
    return Case(
        When(popularity__gt=_POPULARITY_CAP, then=Value(_POPULARITY_CAP)),
        default=F("popularity"),
        output_field=IntegerField(),
    )


def _matches_sql(table: str) -> str:
    # The tsquery is a bound parameter; the SQL text is our constant.
    return search.SEARCH_VECTOR_SQL.format(table=table) + " @@ to_tsquery('simple'::regconfig, %s)"


def service_item_search(
    *, query: str, items: QuerySet[ServiceItem] | None = None, groups: list[list[str]] | None = None
) -> QuerySet[ServiceItem]:
    """Items matching ``query``, annotated with an integer ``search_score`` and
    ordered by it: the exact name first, then name matches, then guide-text
    matches, each by popularity. Only ``SEARCH_RESULT_FIELDS`` are loaded.

    PostgreSQL matches words (segmented, with pinyin prefixes and synonyms, in
    any order) against the stored, GIN-indexed ``search_vector``; other
    databases match substrings of the same search documents (see the README's
    "Search" section). ``groups`` are the synonym groups, read from the cache
    when not given.
    """
    if items is None:
        items = service_item_list()
    items = items.only(*SEARCH_RESULT_FIELDS)
    query = query.strip()[:100]
    if groups is None:
        groups = synonym_groups()
    table = ServiceItem._meta.db_table
    popularity = _capped_popularity()
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
        # Segmented once, for both tsqueries.
        variants = search.variant_words(query, groups)
        if not variants:
            return items.none().annotate(search_score=Value(0))
        tsquery = search.variants_tsquery(variants)
        items = items.filter(RawSQL(_matches_sql(table), (tsquery,), output_field=BooleanField()))  # noqa: S611
        # The name's words carry weight A in the stored vector: a name match is
        # one more test on the same column, no text to read.
        name_match = RawSQL(  # noqa: S611
            _matches_sql(table), (search.variants_tsquery(variants, weights="A"),), output_field=BooleanField()
        )
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


class _OnItems(Expression):
    """A boolean SQL condition on the service item table, written with ``{table}`` for the
    table's alias in the query compiling it: unlike RawSQL's fixed table name, it stays on
    the inner table when the condition is part of a subquery. ``params`` are bound."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, template: str, *params):
        super().__init__()
        self.template, self.params = template, params

    def as_sql(self, compiler, connection):
        alias = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return self.template.format(table=alias), list(self.params)


def service_item_search_page(
    *,
    query: str,
    offset: int,
    limit: int,
    items: QuerySet[ServiceItem] | None = None,
    groups: list[list[str]] | None = None,
    departments: list[Department] | None = None,
    audience: str | None = None,
    department: str | None = None,
    region: str | None = None,
) -> list[ServiceItem]:
    """``limit`` items of :func:`service_item_search`'s ranking from ``offset``, in one query that
    reads only what the page can show, whatever the number of matches.

    ``items`` narrows the search to a queryset; without it, the published items narrowed by
    ``audience``, ``department`` and ``region`` as :func:`service_item_list` does, through SQL
    compiled once per shape of search (:func:`_search_page_shape`). ``groups`` and ``departments``
    are the search context's, passed by a caller that has read it already.

    On PostgreSQL the ranking's bands are read apart and joined (UNION ALL), each in the order
    it is shown and cut at ``offset + limit`` rows: the exact names and aliases through their
    indexes, then the other name matches and then the guide-text matches through the
    popularity index (migration services 0007). Ranking every match instead cost 13-30 ms for
    a common word at 10,000 items. The bands after the exact one are read by raw popularity,
    which is the ranking's capped popularity below the cap (a click count, 10^8).
    Elsewhere: a slice of :func:`service_item_search`.
    """
    if groups is None:
        groups = synonym_groups()
    if connection.vendor != "postgresql":
        if items is None:
            items = service_item_list(audience=audience, department=department, region=region)
        return list(service_item_search(query=query, items=items, groups=groups)[offset : offset + limit])
    query = query.strip()[:100]
    variants = search.variant_words(query, groups)
    if not variants:
        return []
    arguments = {
        "tsquery": search.variants_tsquery(variants),
        "names": list(dict.fromkeys([query, *search.query_variants(query, groups)])),
        "query": query,
    }
    if items is not None:
        read = _search_page_read(items, offset=offset, limit=limit, **arguments)
        rows = PreparedQuery(read, Placeholders()).run()
        _attach_departments(rows, departments)
        return rows
    prepared = _prepared_search_page(
        # service_item_list ignores any other audience: one shape for all of them, so that a
        # made-up value cannot compile and keep a shape of its own.
        audience=audience if audience in Audience.values else None,
        department=bool(department),
        region=bool(region),
        offset=offset,
        limit=limit,
    )
    rows = prepared.run(**arguments, department=department, region=region)
    _attach_departments(rows, departments)
    return rows


def _attach_departments(items: list[ServiceItem], departments: list[Department] | None) -> None:
    """Each item's department, from ``departments`` (the search context's, cached per catalogue
    generation, when not given); one query for any they do not hold yet."""
    if departments is None:
        departments = search_context().departments
    by_pk = {department.pk: department for department in departments}
    missing = {item.department_id for item in items} - by_pk.keys()
    if missing:
        by_pk.update(Department.objects.in_bulk(missing))
    for item in items:
        item.department = by_pk[item.department_id]


def _search_page_read(
    items: QuerySet[ServiceItem], *, tsquery: str, names: list[str], query: str, offset: int, limit: int
) -> CompiledRead:
    """The union of the ranking's bands that :func:`service_item_search_page` reads.

    The exact and name bands are common table expressions, materialized: the text band is read
    only when those two cannot fill the page (every exact or name match outranks every text
    match), and PostgreSQL finds whether they do in what it has already read rather than by
    reading the name matches a second time (0.3-0.6 ms at 10,000 items for a word with hundreds
    of them). When they fill the page, PostgreSQL skips the text band's scan entirely: its planner
    cannot know how few text-only matches a common name word leaves, and read the popularity
    index through every item looking for them (18 ms).
    """
    matches = _OnItems(search.SEARCH_VECTOR_SQL + " @@ to_tsquery('simple'::regconfig, %s)", tsquery)
    in_name = _OnItems("{table}.name_vector @@ to_tsquery('simple'::regconfig, %s)", tsquery)
    exact_sql = (
        "{table}.name = ANY(%s) OR UPPER({table}.name_en::text) = UPPER(%s) "
        "OR string_to_array({table}.aliases, ',') && %s::text[]"
    )
    exact = _OnItems(f"({exact_sql})", names, query, names)
    # Never NULL, so that the rows it does not hold for stay.
    not_exact = _OnItems(f"NOT COALESCE({exact_sql}, false)", names, query, names)
    popularity = _capped_popularity()
    name_band = Case(When(in_name, then=Value(_NAME_MATCH_BAND)), default=Value(0), output_field=IntegerField())
    shown = items.select_related(None).only(*_SEARCH_PAGE_FIELDS)
    base = shown.filter(matches)
    end = offset + limit

    def score(value) -> ExpressionWrapper:
        return ExpressionWrapper(value, output_field=IntegerField())

    exact_band = base.filter(exact).annotate(search_score=score(Value(_EXACT_NAME_BAND) + name_band + popularity))
    # A name match is a match: name_vector's words are search_vector's weight-A words, at the same
    # positions, so the name band does not test search_vector as well.
    name_matches = shown.filter(in_name, not_exact).annotate(search_score=score(Value(_NAME_MATCH_BAND) + popularity))
    # Whether the two bands hold a row at the page's last position, read from what PostgreSQL
    # has already read for them.
    bands_fill_page = RawSQL(  # noqa: S611 - constant SQL; the position is a bound parameter
        f"EXISTS (SELECT 1 FROM {_EXACT_BAND_CTE} UNION ALL SELECT 1 FROM {_NAME_BAND_CTE} OFFSET %s)",  # noqa: S608
        (end - 1,),
        output_field=BooleanField(),
    )
    text_matches = base.exclude(in_name).filter(not_exact, ~Q(bands_fill_page)).annotate(search_score=score(popularity))
    bands = (
        exact_band.order_by("-search_score", "code")[:end],
        name_matches.order_by("-popularity", "code")[:end],
        text_matches.order_by("-popularity", "code")[:end],
    )
    (exact_band_sql, exact_params), (name_sql, name_params), (text_sql, text_params) = (
        band.query.get_compiler(using=band.db).as_sql() for band in bands
    )
    # Constants and the SQL Django compiled for the bands; every value is a bound parameter.
    sql = (
        f"WITH {_EXACT_BAND_CTE} AS MATERIALIZED ({exact_band_sql}), {_NAME_BAND_CTE} AS MATERIALIZED ({name_sql}) "  # noqa: S608
        f"SELECT * FROM {_EXACT_BAND_CTE} UNION ALL SELECT * FROM {_NAME_BAND_CTE} UNION ALL ({text_sql}) "
        f'ORDER BY "search_score" DESC, "code" ASC LIMIT {int(limit)} OFFSET {int(offset)}'
    )
    # The same columns in the same order, for the instances: the union the SQL above stands for.
    union = bands[0].union(*bands[1:], all=True).order_by("-search_score", "code")[offset:end]
    return CompiledRead(queryset=union, sql=sql, params=(*exact_params, *name_params, *text_params))


_EXACT_BAND_CTE = '"search_exact_band"'
_NAME_BAND_CTE = '"search_name_band"'


def _search_page_shape(
    placeholders: Placeholders, *, audience: str | None, department: bool, region: bool, offset: int, limit: int
) -> CompiledRead:
    """The search page's query (:func:`_search_page_read` over :func:`service_item_list`) for one
    shape of search: the facets used, the page's offset and size. Compiled once per worker
    (:mod:`common.prepared`): building and compiling the three-band ORM query was about 5 ms of
    every search against 1-2 ms of PostgreSQL."""
    items = service_item_list(
        audience=audience,
        department=placeholders.text("department") if department else None,
        region=placeholders.text("region") if region else None,
    )
    return _search_page_read(
        items,
        tsquery=placeholders.text("tsquery"),
        names=placeholders.text_list("names"),
        query=placeholders.text("query"),
        offset=offset,
        limit=limit,
    )


# 4 audiences x 4 facet uses x 50 pages x a couple of page sizes.
_prepared_search_page = PreparedQueries(_search_page_shape, max_shapes=1000)


@dataclass(frozen=True)
class NavigationEntry:
    """A topic, bundle, life event or department as search sees it (cached, so plain data)."""

    kind: str  # "topic", "bundle", "life_event" or "department"
    code: str
    name: str
    name_en: str
    audience: str  # "resident", "enterprise" or "both"; "" for departments
    region_code: str
    name_words: tuple[str, ...]  # sorted, without repeats (search.sorted_words)
    words: tuple[str, ...]  # the name's and the text's, sorted, without repeats
    text: str


@dataclass
class SearchContext:
    """What every search needs besides the items, read once per catalogue generation."""

    synonym_groups: list[list[str]]
    navigation: list[NavigationEntry]
    departments: list[Department]
    popular_items: list[ServiceItem]


POPULAR_SUGGESTIONS = 6
NAVIGATION_RESULTS = 6
NEAREST_TOPICS = 3


def _entry(kind: str, row, *, audience: str = "", region_code: str = "", text: str = "") -> NavigationEntry:
    name_words = search.document([row.name, row.name_en]).split()
    return NavigationEntry(
        kind=kind,
        code=row.code,
        name=row.name,
        name_en=row.name_en,
        audience=audience,
        region_code=region_code,
        name_words=search.sorted_words(name_words),
        words=search.sorted_words([*name_words, *search.document([text]).split()]),
        text=text,
    )


def search_context() -> SearchContext:
    """Synonyms, navigation entries, departments and popular items, cached until the catalogue changes.

    A search that misses this cache runs six small queries to fill it; every
    other search reads it with one cache lookup, or from this worker's memory (unpickling it
    was 0.7 ms of every search). Read-only: the same object serves every search.
    """
    return catalogue_entry(
        catalogue_entry_key("search-context"), _search_context_build, timeout=3600, memory=_search_context_memory
    )


# One context per database (tests run several); a couple of entries are plenty.
_search_context_memory = LocalEntries(max_entries=4)


def _search_context_build() -> SearchContext:
    departments = list(department_list())
    navigation = [
        *(_entry("topic", topic, audience=Audience.BOTH, text=topic.description) for topic in topic_list()),
        *(_entry("bundle", bundle, audience=bundle.audience, text=bundle.description) for bundle in bundle_list()),
        *(_entry("life_event", event, audience=event.kind, text=event.description) for event in life_event_list()),
        *(_entry("department", department, region_code=department.region_code) for department in departments),
    ]
    return SearchContext(
        synonym_groups=synonym_groups(),
        navigation=navigation,
        departments=departments,
        popular_items=list(service_item_list().only(*SEARCH_RESULT_FIELDS)[:POPULAR_SUGGESTIONS]),
    )


def navigation_search(
    *, query: str, context: SearchContext, audience: str | None = None, region: str | None = None
) -> list[NavigationEntry]:
    """Topics, bundles, life events and departments whose words match ``query``:
    name matches first, then matches in their description."""
    variants = search.variant_words(query, context.synonym_groups)
    if not variants:
        return []
    found = []
    for position, entry in enumerate(context.navigation):
        if audience in (Audience.RESIDENT, Audience.ENTERPRISE) and entry.audience not in ("", Audience.BOTH, audience):
            continue
        if region and entry.kind == "department" and entry.region_code != region:
            continue
        if search.sorted_words_match(variants, entry.name_words):
            found.append((0, position, entry))
        elif search.sorted_words_match(variants, entry.words):
            found.append((1, position, entry))
    return [entry for *_rank, entry in sorted(found)][:NAVIGATION_RESULTS]


def nearest_topics(*, query: str, context: SearchContext) -> list[NavigationEntry]:
    """The topics and bundles closest to ``query`` by shared characters and
    syllables, or the first topics when none shares anything."""
    curated = [entry for entry in context.navigation if entry.kind in ("topic", "bundle")]
    scored = [
        (search.closeness(query, entry.name + entry.text), -position, entry) for position, entry in enumerate(curated)
    ]
    close = [entry for score, _position, entry in sorted(scored, reverse=True) if score > 0]
    return (close or [entry for entry in curated if entry.kind == "topic"])[:NEAREST_TOPICS]


def service_item_did_you_mean(*, query: str, items: QuerySet[ServiceItem] | None = None) -> str:
    """A respelling of ``query`` whose pinyin matches an item (营叶执照 → 营业执照), or ""."""
    pinyin_query = search.pinyin_tsquery(query)
    if not pinyin_query:
        return ""
    if items is None:
        items = service_item_list()
    if connection.vendor == "postgresql":
        sql = _matches_sql(ServiceItem._meta.db_table)
        items = items.filter(RawSQL(sql, (pinyin_query,), output_field=BooleanField()))  # noqa: S611
    else:
        for lexeme in pinyin_query.split(" & "):
            items = items.filter(search_name__icontains=lexeme.split("'")[1])
    candidates = []
    for name, aliases in items.order_by("-popularity", "code").values_list("name", "aliases")[:3]:
        candidates += [name, *aliases.split(",")]
    return search.respell(query, candidates) if candidates else ""


@dataclass
class SearchPage:
    """One page of a catalogue search. There is no total count: a page knows only
    whether another follows (it reads one row more than it shows)."""

    query: str
    number: int
    items: list[ServiceItem]
    has_next: bool
    navigation: list[NavigationEntry]
    departments: list[Department]
    # Filled only when no item matched, so the road never ends there.
    did_you_mean: str = ""
    nearest_topics: list[NavigationEntry] = field(default_factory=list)
    popular_items: list[ServiceItem] = field(default_factory=list)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def exact_count(self) -> int | None:
        """How many items matched, when all of them are on this first page."""
        return len(self.items) if self.number == 1 and not self.has_next else None


def catalogue_search(
    *,
    query: str,
    page: int = 1,
    page_size: int = 20,
    audience: str | None = None,
    department: str | None = None,
    region: str | None = None,
) -> SearchPage:
    """The search page: one page of items with the matching topics, bundles,
    life events and departments beside them, and suggestions when nothing matched.

    One query when the search context is cached (two when no item matched:
    the "did you mean" lookup); never a COUNT.
    """
    query = query.strip()[:100]
    context = search_context()
    result = SearchPage(
        query=query, number=page, items=[], has_next=False, navigation=[], departments=context.departments
    )
    if not query:
        return result
    rows = service_item_search_page(
        query=query,
        offset=(page - 1) * page_size,
        limit=page_size + 1,
        groups=context.synonym_groups,
        departments=context.departments,
        audience=audience,
        department=department,
        region=region,
    )
    result.items, result.has_next = rows[:page_size], len(rows) > page_size
    if page == 1:
        result.navigation = navigation_search(query=query, context=context, audience=audience, region=region)
    if not rows and page == 1:
        result.did_you_mean = service_item_did_you_mean(
            query=query, items=service_item_list(audience=audience, department=department, region=region)
        )
        result.nearest_topics = nearest_topics(query=query, context=context)
        result.popular_items = context.popular_items
    return result


def service_item_suggestions(*, query: str, limit: int = 8) -> list[dict]:
    """Names for the search box's suggestions as the resident types."""
    if not query.strip():
        return []
    return [
        {"code": item.code, "name": item.name, "department": item.department.name}
        for item in service_item_search_page(query=query, offset=0, limit=limit)
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
