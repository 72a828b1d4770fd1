from django.urls import path

from . import views

app_name = "complaints"

urlpatterns = [
    path("evaluations/", views.evaluation_figures, name="figures"),
    path("my/applications/<str:case_number>/evaluation/", views.evaluation_rate, name="rate"),
]
