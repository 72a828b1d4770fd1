"""Building blocks shared by identity's admin classes."""

from django.contrib import admin
from django.core.exceptions import ValidationError

from .personal_data import id_number_digest


class DigestSearchMixin:
    """Lets officials search by a full identifier: a valid one is hashed and
    matched against the blind index; nothing else is searched in plaintext.

    ``digest_of`` returns the digest or raises ``ValidationError`` for a term
    that is not such an identifier (then the ordinary search applies).
    """

    digest_field = "id_number_digest"
    digest_of = staticmethod(id_number_digest)

    def get_search_results(self, request, queryset, search_term):
        try:
            digest = self.digest_of(search_term.strip().replace(" ", ""))
        except ValidationError:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(**{self.digest_field: digest}), False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit records: visible, never added, changed or deleted from the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
