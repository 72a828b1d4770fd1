"""A URLconf without language prefixes, for the language switch's tests."""

from django.urls import path

from portal import views

urlpatterns = [path("search/", views.search, name="search")]
