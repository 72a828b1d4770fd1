from django.urls import path

from . import views

app_name = "benefits"

urlpatterns = [
    path("", views.task_list, name="tasks"),
    path("<int:task_id>/", views.task_detail, name="task"),
    path("<int:task_id>/certify/", views.task_certify, name="certify"),
    path("<int:task_id>/result/", views.task_result, name="result"),
    path("<int:task_id>/home-visit/", views.home_visit, name="home_visit"),
]
