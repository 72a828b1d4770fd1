from django.urls import path

from . import views

urlpatterns = [
    path("hello", views.hello),
    path("one-query", views.one_query),
    path("page", views.page),
    path("drf", views.row_list),
    path("upload", views.upload),
]
