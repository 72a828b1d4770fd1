from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("search/suggest/", views.suggest, name="suggest"),
    path("services/<str:code>/", views.guide, name="guide"),
    path("departments/<slug:code>/", views.department, name="department"),
    path("life-events/<slug:code>/", views.life_event, name="life_event"),
    path("topics/<slug:code>/", views.topic, name="topic"),
    path("bundles/<slug:code>/", views.bundle, name="bundle"),
    # The partner guide (docs/partners/) and the error catalogue problem ``type`` URIs point into.
    path("developers/", views.developers, name="developers"),
    path("developers/errors/", views.developer_errors, name="developer_errors"),
    path("developers/<slug:slug>/", views.developers, name="developers_page"),
]
