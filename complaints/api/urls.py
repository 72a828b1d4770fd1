from django.urls import path

from .views import EvaluationSummaryView

urlpatterns = [
    path("evaluations/summary/", EvaluationSummaryView.as_view(), name="evaluation-summary"),
]
