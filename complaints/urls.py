from django.urls import path

from . import views, views_inquiries

app_name = "complaints"

urlpatterns = [
    path("evaluations/", views.evaluation_figures, name="figures"),
    path("my/applications/<str:case_number>/evaluation/", views.evaluation_rate, name="rate"),
    path("my/inquiries/", views_inquiries.inquiry_list, name="inquiries"),
    path("my/inquiries/new/", views_inquiries.inquiry_new, name="inquiry_new"),
    path("my/inquiries/<str:reference>/", views_inquiries.inquiry_detail, name="inquiry"),
    path("my/inquiries/<str:reference>/close/", views_inquiries.inquiry_close, name="inquiry_close"),
    path("my/inquiries/<str:reference>/reopen/", views_inquiries.inquiry_reopen, name="inquiry_reopen"),
    path("inquiries/report/", views_inquiries.inquiry_report, name="inquiry_report"),
    path("inquiries/track/", views_inquiries.inquiry_track, name="inquiry_track"),
]
