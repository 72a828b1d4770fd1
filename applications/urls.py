"""The resident's pages. Mounted at the root of the language-prefixed URLs:
``/applications/…`` for applying (the catalogue's “在线办理” leads to
``/applications/new/<code>/``) and ``/my/applications/…`` for 我的办件
(notifications link to ``/my/applications/<case_number>/``)."""

from django.urls import path

from . import views

app_name = "applications"

urlpatterns = [
    path("applications/new/<str:code>/", views.apply, name="apply"),
    path("applications/bundles/<slug:code>/", views.apply_bundle, name="apply_bundle"),
    path("applications/drafts/<int:draft_id>/", views.draft, name="draft"),
    path("applications/drafts/<int:draft_id>/autosave/", views.autosave, name="autosave"),
    path("applications/drafts/<int:draft_id>/review/", views.review, name="review"),
    path("applications/drafts/<int:draft_id>/materials/", views.material_upload, name="material_upload"),
    path(
        "applications/drafts/<int:draft_id>/materials/certificate/",
        views.material_certificate,
        name="material_certificate",
    ),
    path(
        "applications/drafts/<int:draft_id>/materials/<int:material_id>/",
        views.draft_material_download,
        name="draft_material_download",
    ),
    path(
        "applications/drafts/<int:draft_id>/materials/<int:material_id>/delete/",
        views.material_delete,
        name="material_delete",
    ),
    path("applications/drafts/<int:draft_id>/report/", views.prefill_report, name="prefill_report"),
    path("my/applications/", views.case_list, name="case_list"),
    path("my/applications/<str:case_number>/", views.case_detail, name="case"),
    path("my/applications/<str:case_number>/supplement/", views.supplement_upload, name="supplement_upload"),
    path("my/applications/<str:case_number>/supplement/submit/", views.supplement_submit, name="supplement_submit"),
    path(
        "my/applications/<str:case_number>/supplement/<int:material_id>/delete/",
        views.supplement_material_delete,
        name="supplement_material_delete",
    ),
    path("my/applications/<str:case_number>/withdraw/", views.withdraw, name="withdraw"),
    path(
        "my/applications/<str:case_number>/materials/<int:material_id>/",
        views.material_download,
        name="material_download",
    ),
    path("my/applications/<str:case_number>/results/<int:result_id>/", views.result_download, name="result_download"),
]
