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
]
