"""The bare project's one view: `SELECT 1`, answered as a small JSON object."""

from django.contrib import admin
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path


def select_one(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return JsonResponse({"status": "ok", "one": one})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("select-one", select_one, name="select-one"),
]
