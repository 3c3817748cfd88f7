"""The bench's stack baseline: bare Django's one query, through the service's middleware and DRF stack.

Mounted at `/api/v1/bench/baseline` by the bench's own URLconf (`bench/urls.py`, chosen by
`bench/settings.py`); the production URLconf does not know it. It keeps DRF's default authentication,
permission, throttling and renderer classes, and runs exactly what the bare-Django yardstick's view
runs (`bench/bare/urls.py`: `SELECT 1` on a cursor, a small JSON object back), so its ratio to bare
Django is what the service's plumbing costs (SPEC §5), and an endpoint's ratio to it is what the
endpoint costs beyond that plumbing (its queries through the ORM and its serializers).
"""

from django.db import connection
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class BaselineView(APIView):
    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            (one,) = cursor.fetchone()
        return Response({"status": "ok", "one": one})
