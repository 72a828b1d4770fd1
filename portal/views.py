"""Portal pages: thin views over the catalogue's selectors."""

from dataclasses import dataclass
from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from common.fragments import render_fragment
from common.i18n import display_name, is_english
from marketplace.selectors import service_types_for_item
from services import selectors
from services.constants import Audience, Channel, ItemType, LifeEventKind

from . import developers as developer_guide
from .caching import SEARCH_TIMEOUT, cached_anonymous_page

HOT_SERVICES = 8
SEARCH_PAGE_SIZE = 20
# Deep pages cost an OFFSET scan and nobody reads them: refine the search instead.
SEARCH_MAX_PAGE = 50


@require_safe
@cached_anonymous_page
def home(request: HttpRequest) -> HttpResponse:
    """The front door: search, hot services, life events, topics, bundles and departments."""
    events = list(selectors.life_event_list())
    context = {
        "hot_items": list(selectors.service_item_list().select_related("published_version")[:HOT_SERVICES]),
        "resident_events": [event for event in events if event.kind == LifeEventKind.RESIDENT],
        "enterprise_stages": [event for event in events if event.kind == LifeEventKind.ENTERPRISE],
        "topics": list(selectors.topic_list()),
        "bundles": list(selectors.bundle_list()),
        "departments": list(selectors.department_list()),
    }
    return render(request, "portal/home.html", context)


def _search_filters(request: HttpRequest) -> dict:
    audience = request.GET.get("audience", "")
    return {
        "audience": audience if audience in Audience.values else "",
        "department": request.GET.get("department", "")[:40],
        "region": request.GET.get("region", "")[:12],
    }


def _search_page_number(request: HttpRequest) -> int:
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        return 1
    return min(max(number, 1), SEARCH_MAX_PAGE)


@dataclass(frozen=True)
class ResultRow:
    """A search result as the page shows it: link, name and one line of facts."""

    url: str
    name: str
    meta: str


def _result_rows(items) -> list[ResultRow]:
    # Built here in plain Python, with the language, the URL and each choice's label looked up
    # once a page rather than once a row: the template's {% url %}, name filters and
    # get_<field>_display() (a translation lookup each) cost about 60 µs a row, which made a
    # full page of 20 results the slowest part of a search.
    placeholder = "__code__"
    guide_url = reverse("portal:guide", kwargs={"code": placeholder})
    english = is_english()
    audiences = {value: str(label) for value, label in Audience.choices}
    item_types = {value: str(label) for value, label in ItemType.choices}

    return [
        ResultRow(
            url=guide_url.replace(placeholder, quote(item.code, safe="")),
            name=display_name(item, english=english),
            meta=" · ".join(
                (
                    display_name(item.department, english=english),
                    audiences.get(item.audience, item.audience),
                    item_types.get(item.item_type, item.item_type),
                )
            ),
        )
        for item in items
    ]


def _options(options) -> str:
    return render_fragment("portal/options.html", {"options": list(options)})


@require_safe
@cached_anonymous_page(timeout=SEARCH_TIMEOUT, shared=False)
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    filters = _search_filters(request)
    result = selectors.catalogue_search(
        query=query,
        page=_search_page_number(request),
        page_size=SEARCH_PAGE_SIZE,
        **{k: v or None for k, v in filters.items()},
    )
    english = is_english()
    context = {
        "query": query,
        "filters": filters,
        "result": result,
        # The results' rows and the filters' options come from Jinja2 fragments (common/fragments.py).
        "rows": render_fragment("portal/result_rows.html", {"rows": _result_rows(result.items)}),
        # The options as (value, label, selected): named here once a page, not by a filter and
        # a comparison per option in the template.
        "audience_options": _options(
            (value, str(label), value == filters["audience"]) for value, label in Audience.choices
        ),
        "department_options": _options(
            (department.code, display_name(department, english=english), department.code == filters["department"])
            for department in result.departments
        ),
    }
    return render(request, "portal/search.html", context)


@require_safe
@cached_anonymous_page(timeout=SEARCH_TIMEOUT, shared=False)
def suggest(request: HttpRequest) -> JsonResponse:
    """Suggestions while typing, for static/js/search-suggest.js."""
    query = request.GET.get("q", "").strip()[:50]
    return JsonResponse({"suggestions": selectors.service_item_suggestions(query=query)})


@require_safe
@cached_anonymous_page
def guide(request: HttpRequest, code: str) -> HttpResponse:
    """The service guide (办事指南): every standard element of the published version."""
    item = selectors.service_item_guide(code=code)
    if item is None:
        raise Http404
    version = item.published_version
    channels = [Channel(code).label for code in version.channels if code in Channel.values]
    context = {
        "item": item,
        "version": version,
        "channels": channels,
        # "Needs an environmental impact report: find an agency" (中介超市). Rendered into the
        # cached page: marketplace/signals.py bumps the catalogue generation when the links change.
        "intermediary_types": list(service_types_for_item(item)),
    }
    return render(request, "portal/guide.html", context)


def _listing(request, template: str, subject, items, **extra) -> HttpResponse:
    if subject is None:
        raise Http404
    return render(request, template, {"subject": subject, "items": items, **extra})


@require_safe
@cached_anonymous_page
def department(request: HttpRequest, code: str) -> HttpResponse:
    subject = selectors.department_list().filter(code=code).first()
    items = selectors.service_item_list(department=code).select_related("published_version")
    return _listing(request, "portal/department.html", subject, list(items))


@require_safe
@cached_anonymous_page
def life_event(request: HttpRequest, code: str) -> HttpResponse:
    subject = selectors.life_event_list().filter(code=code).first()
    items = selectors.service_item_list(life_event=code).select_related("published_version")
    return _listing(request, "portal/life_event.html", subject, list(items))


@require_safe
@cached_anonymous_page
def topic(request: HttpRequest, code: str) -> HttpResponse:
    subject = selectors.topic_with_items(code=code)
    items = [entry.item for entry in subject.entries] if subject else []
    return _listing(request, "portal/topic.html", subject, items)


@require_safe
@cached_anonymous_page
def bundle(request: HttpRequest, code: str) -> HttpResponse:
    subject = selectors.bundle_with_items(code=code)
    items = [entry.item for entry in subject.entries] if subject else []
    departments = list(dict.fromkeys(item.department for item in items))
    return _listing(request, "portal/bundle.html", subject, items, departments=departments)


@require_safe
def developers(request: HttpRequest, slug: str = "") -> HttpResponse:
    """The partner guide: one page per file of docs/partners/ (README at /developers/)."""
    page = developer_guide.guide_page(slug)
    if page is None:
        raise Http404
    return render(request, "portal/developers/page.html", {"page": page, "pages": developer_guide.guide_pages()})


@require_safe
def developer_errors(request: HttpRequest) -> HttpResponse:
    """The error catalogue: every problem ``type`` URI (…/developers/errors/#code) lands on its entry."""
    return render(
        request,
        "portal/developers/errors.html",
        {"errors": developer_guide.error_catalogue(), "pages": developer_guide.guide_pages()},
    )
