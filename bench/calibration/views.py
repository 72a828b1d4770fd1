"""The four reference views. Each does what a Tongban page of its kind must at least do."""

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from rest_framework import serializers
from rest_framework.generics import ListAPIView

from .models import Row


def hello(request):
    """The floor: Django's request cycle and nothing else."""
    return HttpResponse("ok")


def one_query(request):
    """One primary-key read, answered as JSON."""
    number = request.GET.get("n", "0")
    row = Row.objects.filter(pk=1 + (int(number) if number.isdigit() else 0) % 1000).values("code", "title").first()
    return JsonResponse(row or {})


def page(request):
    """A 20-row HTML page from one query and a template, like a list or search results page."""
    offset = int(request.GET.get("page", "0") or 0) % 50 * 20
    rows = Row.objects.all()[offset : offset + 20]
    return render(request, "calibration/page.html", {"rows": rows})


class RowSerializer(serializers.ModelSerializer):
    class Meta:
        model = Row
        fields = ("code", "title", "department", "created_at")


class RowList(ListAPIView):
    """A 20-row DRF list with a plain ModelSerializer, like an API list or detail."""

    serializer_class = RowSerializer

    def get_queryset(self):
        offset = int(self.request.GET.get("page", "0") or 0) % 50 * 20
        return Row.objects.all()[offset : offset + 20]


row_list = RowList.as_view()
