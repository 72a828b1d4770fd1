"""Building blocks shared by identity's admin classes."""

import secrets
from typing import ClassVar

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from common.masking import mask_personal_data

from .personal_data import id_number_digest

# Searches by a full identifier, per session: token -> what to match.
PRIVATE_SEARCHES_KEY = "admin_private_searches"
PRIVATE_SEARCHES_KEPT = 20
# A search term of this form is a token of a private search, not text.
PRIVATE_SEARCH_MARK = "~"


class DigestSearchMixin:
    """Lets officials search by a full identifier without it ever entering a URL.

    The changelist's search box posts its term (``_private_search``). A full
    identifier (an ID number or USCC that ``digest_of`` accepts, or a value one
    of ``private_exact_fields`` accepts, e.g. a full mobile number) is kept in
    the session as its blind-index digest (or the exact value) under a random
    token, and the official is redirected to the changelist with ``?q=~<token>``:
    the number reaches no access log, browser history or Referer. Any other
    term (a name) is redirected as an ordinary ``?q=`` search.

    A full identifier arriving in a GET query string anyway (a hand-typed or
    old link) has already reached the log: it is moved to a token at once (a
    redirect, so it stays out of the browser's history of results) with a
    message saying to use the search box.

    ``digest_of`` returns the digest or raises ``ValidationError`` for a term
    that is not such an identifier.
    """

    digest_field = "id_number_digest"
    digest_of = staticmethod(id_number_digest)
    # {field name: normaliser raising ValidationError}: plaintext columns
    # matched exactly when the term is a full value (UserAdmin: mobile).
    private_exact_fields: ClassVar[dict] = {}
    change_list_template = "admin/private_search_change_list.html"

    def _private_entry(self, term: str) -> dict | None:
        try:
            return {"digest": self.digest_of(term), "shown": mask_personal_data(term.strip())}
        except ValidationError:
            pass
        for field, normalise in self.private_exact_fields.items():
            try:
                value = normalise(term)
            except ValidationError:
                continue
            return {"field": field, "value": value, "shown": mask_personal_data(value)}
        return None

    def _searches(self, request) -> dict:
        return request.session.get(PRIVATE_SEARCHES_KEY, {})

    def _stored_entry(self, request, term: str) -> dict | None:
        if not term.startswith(PRIVATE_SEARCH_MARK):
            return None
        return self._searches(request).get(term[len(PRIVATE_SEARCH_MARK) :])

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST" and "_private_search" in request.POST:
            return self._private_search_redirect(request, request.POST.get("q", ""))
        raw = request.GET.get("q", "").strip()
        if request.method == "GET" and not raw.startswith(PRIVATE_SEARCH_MARK) and self._private_entry(raw):
            messages.warning(request, _("完整的证件号码或手机号码不能放在网址中，请在搜索框中输入后查找。"))
            return self._private_search_redirect(request, raw)
        entry = self._stored_entry(request, raw)
        if entry is not None:
            extra_context = {**(extra_context or {}), "private_search_shown": entry["shown"]}
        return super().changelist_view(request, extra_context)

    def _private_search_redirect(self, request, term: str) -> HttpResponseRedirect:
        term = term.strip()
        params = request.GET.copy()
        for name in ("q", "p"):
            params.pop(name, None)
        entry = self._private_entry(term) if term else None
        if entry is not None:
            token = secrets.token_urlsafe(12)
            searches = self._searches(request)
            searches[token] = entry
            # Dicts keep insertion order: drop the oldest beyond the limit.
            request.session[PRIVATE_SEARCHES_KEY] = dict(list(searches.items())[-PRIVATE_SEARCHES_KEPT:])
            params["q"] = PRIVATE_SEARCH_MARK + token
        elif term:
            params["q"] = term
        query = params.urlencode()
        return HttpResponseRedirect(f"{request.path}?{query}" if query else request.path)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term.startswith(PRIVATE_SEARCH_MARK):
            entry = self._stored_entry(request, term)
            if entry is None:
                messages.warning(request, _("这次查找已过期，请重新输入。"))
                return queryset.none(), False
        else:
            # A raw term (changelist_view never lets one through from a URL).
            entry = self._private_entry(term)
            if entry is None:
                return super().get_search_results(request, queryset, search_term)
        if "digest" in entry:
            return queryset.filter(**{self.digest_field: entry["digest"]}), False
        return queryset.filter(**{entry["field"]: entry["value"]}), False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit records: visible, never added, changed or deleted from the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
