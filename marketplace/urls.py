"""The marketplace's pages (中介超市): the public directory, postings and results under
``/marketplace/``, and the buyer's and agency's own pages under ``/my/marketplace/``."""

from django.urls import path

from . import views

app_name = "marketplace"

urlpatterns = [
    # Public
    path("marketplace/", views.home, name="home"),
    path("marketplace/agencies/", views.agency_list, name="agencies"),
    path("marketplace/agencies/<int:pk>/", views.agency_detail, name="agency"),
    path("marketplace/postings/", views.posting_list, name="postings"),
    path("marketplace/postings/<str:reference>/", views.posting_detail, name="posting"),
    path("marketplace/results/", views.result_list, name="results"),
    # My space: overview
    path("my/marketplace/", views.my_space, name="my"),
    # As a buyer (项目业主)
    path("my/marketplace/postings/new/", views.posting_new, name="posting_new"),
    path("my/marketplace/postings/<str:reference>/", views.my_posting, name="my_posting"),
    path("my/marketplace/postings/<str:reference>/edit/", views.my_posting_edit, name="posting_edit"),
    path("my/marketplace/postings/<str:reference>/publish/", views.my_posting_publish, name="posting_publish"),
    path("my/marketplace/postings/<str:reference>/cancel/", views.my_posting_cancel, name="posting_cancel"),
    path("my/marketplace/postings/<str:reference>/select/", views.my_posting_select, name="posting_select"),
    path("my/marketplace/postings/<str:reference>/contract/", views.my_posting_contract, name="posting_contract"),
    path("my/marketplace/postings/<str:reference>/delivery/", views.my_posting_delivery, name="posting_delivery"),
    path("my/marketplace/postings/<str:reference>/rating/", views.my_posting_rating, name="posting_rating"),
    # As an agency (中介机构)
    path("my/marketplace/agency/register/", views.agency_register, name="agency_register"),
    path("my/marketplace/agencies/<int:pk>/", views.my_agency, name="my_agency"),
    path("my/marketplace/agencies/<int:pk>/services/", views.my_agency_service, name="agency_service"),
    path(
        "my/marketplace/agencies/<int:pk>/qualifications/", views.my_agency_qualification, name="agency_qualification"
    ),
    path("my/marketplace/agencies/<int:pk>/postings/<str:reference>/", views.agency_posting, name="agency_posting"),
    path("my/marketplace/agencies/<int:pk>/postings/<str:reference>/quote/", views.agency_quote, name="agency_quote"),
    path(
        "my/marketplace/agencies/<int:pk>/postings/<str:reference>/objection/",
        views.agency_objection,
        name="agency_objection",
    ),
]
