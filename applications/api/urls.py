from django.urls import path

from . import views

urlpatterns = [
    path("applications/drafts/", views.DraftCreate.as_view(), name="draft-create"),
    path("applications/drafts/<int:pk>/", views.DraftDetail.as_view(), name="draft-detail"),
    path("applications/drafts/<int:pk>/materials/", views.DraftMaterial.as_view(), name="draft-material"),
    path("applications/drafts/<int:pk>/submit/", views.DraftSubmit.as_view(), name="draft-submit"),
    path("applications/", views.ApplicationList.as_view(), name="application-list"),
    path("applications/<str:case_number>/", views.ApplicationDetail.as_view(), name="application-detail"),
]
