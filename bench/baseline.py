"""The bench's yardstick: one trivial query through the same middleware and DRF stack.

Mounted at `/api/v1/bench/baseline` by the bench's own URLconf (`bench/urls.py`, chosen by
`bench/settings.py`); the production URLconf does not know it. It keeps DRF's default authentication,
permission, throttling and renderer classes, so the only thing it skips is the endpoint's
own work (its queries and serializers): the ratio of an endpoint's throughput to this one's
is what the endpoint costs beyond the framework.
"""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Category


class BaselineView(APIView):
    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        first = Category.objects.order_by("pk").values_list("pk", flat=True).first()
        return Response({"status": "ok", "first_category": first})
