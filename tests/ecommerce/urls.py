"""The real URLconf plus a few views that raise each kind of error, to test the handler."""

from django.urls import path
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes, throttle_classes
from rest_framework.permissions import AllowAny, IsAdminUser, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from ecommerce.api import DomainError
from ecommerce.urls import handler400, handler403, handler404, handler500  # noqa: F401
from ecommerce.urls import urlpatterns as real_urlpatterns


class LineSerializer(serializers.Serializer):
    product = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField(min_value=1, max_value=1000)


class EchoSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=10)
    items = LineSerializer(many=True)


@api_view(["POST"])
@permission_classes([AllowAny])
def echo(request):
    serializer = EchoSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return Response(serializer.validated_data, status=201)


@api_view(["GET"])
@permission_classes([IsAuthenticated])
def private(request):
    return Response({"user": request.user.pk})


@api_view(["GET"])
@permission_classes([IsAdminUser])
def staff_only(request):
    return Response({"ok": True})


class OutOfStock(DomainError):
    code = "insufficient_stock"
    title = "Insufficient stock"


@api_view(["POST"])
@permission_classes([AllowAny])
def conflict(request):
    raise OutOfStock("Not enough stock.", errors={"items.0.quantity": ["Only 3 available."]})


class OnePerMinute(AnonRateThrottle):
    rate = "1/min"


@api_view(["GET"])
@permission_classes([AllowAny])
@throttle_classes([OnePerMinute])
def throttled(request):
    return Response({"ok": True})


@api_view(["GET"])
@permission_classes([AllowAny])
def boom(request):
    raise RuntimeError("internal detail 42")


urlpatterns = [
    path("api/v1/_test/echo", echo),
    path("api/v1/_test/private", private),
    path("api/v1/_test/staff", staff_only),
    path("api/v1/_test/conflict", conflict),
    path("api/v1/_test/throttled", throttled),
    path("api/v1/_test/boom", boom),
    *real_urlpatterns,
]
