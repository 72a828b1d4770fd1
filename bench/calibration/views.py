"""The four reference views. Each does what a Tongban page of its kind must at least do."""

import hashlib
import tempfile

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
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


@csrf_exempt
def upload(request):
    """A 1 MB multipart upload, hashed, written to disk and recorded with one INSERT."""
    uploaded = request.FILES["file"]
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=settings.UPLOAD_ROOT, delete=True) as target:
        for chunk in uploaded.chunks():
            digest.update(chunk)
            target.write(chunk)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO calibration_upload (size, sha256) VALUES (%s, %s)", [uploaded.size, digest.hexdigest()]
        )
    return JsonResponse({"size": uploaded.size}, status=201)
