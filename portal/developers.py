"""The partner guide (``docs/partners/*.md``) served as pages under /developers/, and the
error catalogue every problem+json ``type`` URI points into.

The guide is Markdown in the repository, readable on a code host as it is; here each
file becomes one page (``01-tokens.md`` → /developers/tokens/). Links between the
files are rewritten to the pages. The error catalogue is built from the published
OpenAPI schema, so it lists exactly the ``code`` values the operations declare.
"""

import functools
import re
from dataclasses import dataclass

import markdown
from django.conf import settings
from django.urls import reverse

GUIDE_DIR = settings.BASE_DIR / "docs" / "partners"
_FILE_NAME = re.compile(r"^(?:\d+-)?(?P<slug>[a-z0-9-]+)\.md$")
_MARKDOWN_LINK = re.compile(r'href="(?:\./)?(?:\d+-)?(?P<slug>[a-z0-9-]+)\.md(?P<anchor>#[^"]*)?"')


@dataclass(frozen=True)
class GuidePage:
    slug: str
    title: str
    html: str


def _slug(name: str) -> str | None:
    match = _FILE_NAME.match(name)
    if match is None:
        return None
    return "" if match["slug"] == "readme" else match["slug"]


def _page_url(slug: str) -> str:
    return reverse("portal:developers") if not slug else reverse("portal:developers_page", args=[slug])


def _link(match: re.Match) -> str:
    slug = "" if match["slug"] == "readme" else match["slug"]
    return f'href="{_page_url(slug)}{match["anchor"] or ""}"'


@functools.cache
def guide_pages() -> tuple[GuidePage, ...]:
    """Every page of the guide, in file-name order (README first); read once per process."""
    pages = []
    for path in sorted(GUIDE_DIR.glob("*.md"), key=lambda item: (item.name.lower() != "readme.md", item.name)):
        slug = _slug(path.name.lower())
        if slug is None:
            continue
        text = path.read_text(encoding="utf-8")
        title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), path.stem)
        html = markdown.markdown(text, extensions=["fenced_code", "tables", "toc"], output_format="html")
        pages.append(GuidePage(slug=slug, title=title, html=_MARKDOWN_LINK.sub(_link, html)))
    return tuple(pages)


def guide_page(slug: str) -> GuidePage | None:
    return next((page for page in guide_pages() if page.slug == slug), None)


@dataclass(frozen=True)
class ErrorEntry:
    code: str
    status: int
    detail: str
    operations: tuple[str, ...]


@functools.cache
def error_catalogue() -> tuple[ErrorEntry, ...]:
    """Every problem ``code`` the published schema declares, with its status, an example
    ``detail`` and the operations that can answer it, ordered by status then code."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(api_version="v1").get_schema(request=None, public=True)
    found: dict[str, dict] = {}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, response in operation["responses"].items():
                content = response.get("content", {}).get("application/problem+json", {})
                for example in content.get("examples", {}).values():
                    value = example.get("value", {})
                    code = value.get("code")
                    if not code:
                        continue
                    entry = found.setdefault(
                        code, {"status": int(status), "detail": value.get("detail", ""), "operations": set()}
                    )
                    entry["operations"].add(f"{method.upper()} {path}")
    return tuple(
        ErrorEntry(
            code=code, status=data["status"], detail=data["detail"], operations=tuple(sorted(data["operations"]))
        )
        for code, data in sorted(found.items(), key=lambda item: (item[1]["status"], item[0]))
    )
