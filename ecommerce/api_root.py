from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse


@extend_schema(
    responses=inline_serializer("ApiRoot", fields={"schema": serializers.URLField(), "docs": serializers.URLField()}),
    tags=["meta"],
)
@api_view(["GET"])
@permission_classes([AllowAny])
def api_root(request: Request) -> Response:
    """Links to the API's documentation."""
    return Response(
        {
            "schema": reverse("schema", request=request),
            "docs": reverse("swagger-ui", request=request),
            "redoc": reverse("redoc", request=request),
        }
    )
