"""A small urlconf for the enterprise page tests.

``identity.urls`` also names views the account work adds in parallel and the
root urlconf does not include identity yet, so the tests mount only the
enterprise patterns, plus the portal for base.html's ``portal:home`` link.
"""

from django.urls import include, path

urlpatterns = [
    path("identity/", include(("identity.urls_enterprises", "identity"), namespace="identity")),
    path("", include("portal.urls")),
]
