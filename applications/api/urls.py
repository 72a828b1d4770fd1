from django.urls import path

from . import views

urlpatterns = [
    path("applications/", views.ApplicationList.as_view(), name="application-list"),
    path("applications/<str:case_number>/", views.ApplicationDetail.as_view(), name="application-detail"),
]
