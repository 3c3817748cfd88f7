"""`GET /api/v1`: links to every resource collection and to the documentation (DRF's API root style).

The links are reversed by URL name, so this module imports no app (the layers in pyproject.toml).
"""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

# Link name -> URL name, in the order a newcomer would explore them.
LINKS = {
    "products": "product-list",
    "categories": "category-list",
    "category_tree": "category-tree",
    "orders": "order-list",
    "customers": "customer-list",
    "me": "customer-me",
    "auth_login": "auth-login",
    "auth_refresh": "auth-refresh",
    "auth_logout": "auth-logout",
    "schema": "schema",
    "docs": "swagger-ui",
    "redoc": "redoc",
}


@extend_schema(
    responses=inline_serializer("ApiRoot", fields={name: serializers.URLField() for name in LINKS}),
    tags=["meta"],
)
@api_view(["GET"])
@permission_classes([AllowAny])
def api_root(request: Request) -> Response:
    """Links to every resource collection (products, categories, orders, customers, the caller's profile, the
    token endpoints) and to the API's documentation."""
    return Response({name: reverse(url_name, request=request) for name, url_name in LINKS.items()})
