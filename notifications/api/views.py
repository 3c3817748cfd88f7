from django.conf import settings
from django.utils.crypto import constant_time_compare
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications.api.serializers import SmsDeliveryReportResultSerializer, SmsDeliveryReportSerializer
from notifications.reports import notification_record_delivery_report
from orders.events import EventSource


class SmsDeliveryReportView(APIView):
    """Africa's Talking's SMS delivery reports, authenticated by the shared callback secret."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    # The one form-encoded endpoint of the API: that is what Africa's Talking posts.
    parser_classes = [FormParser]

    @extend_schema(
        operation_id="notifications_sms_delivery_report",
        tags=["notifications"],
        summary="Receive an Africa's Talking SMS delivery report",
        parameters=[
            OpenApiParameter("secret", OpenApiTypes.STR, OpenApiParameter.QUERY, description="The callback secret."),
            OpenApiParameter(
                "X-Callback-Secret", OpenApiTypes.STR, OpenApiParameter.HEADER, description="The callback secret."
            ),
        ],
        request={"application/x-www-form-urlencoded": SmsDeliveryReportSerializer},
        responses={
            200: SmsDeliveryReportResultSerializer,
            400: OpenApiResponse(description="Invalid report (problem details)."),
            401: OpenApiResponse(description="No secret given (problem details)."),
            403: OpenApiResponse(description="Wrong secret (problem details)."),
            404: OpenApiResponse(description="Delivery reports are not configured (problem details)."),
            415: OpenApiResponse(description="Not form-encoded (problem details)."),
        },
    )
    def post(self, request: Request) -> Response:
        expected = settings.AFRICASTALKING_CALLBACK_SECRET
        if not expected:
            raise exceptions.NotFound("Delivery reports are not configured.")
        given = request.query_params.get("secret") or request.headers.get("X-Callback-Secret", "")
        if not given:
            raise exceptions.NotAuthenticated("The callback secret is missing.")
        if not constant_time_compare(given, expected):
            raise exceptions.PermissionDenied("The callback secret is wrong.")
        serializer = SmsDeliveryReportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        notification = notification_record_delivery_report(
            provider_message_id=data["id"],
            status=data["status"],
            phone_number=data["phoneNumber"],
            failure_reason=data["failureReason"],
            source=EventSource.API,
        )
        # An unknown id is acknowledged (200, matched false) so the provider does not keep re-posting it.
        return Response(
            {
                "id": data["id"],
                "matched": notification is not None,
                "notification": notification.pk if notification else None,
                "status": notification.status if notification else None,
            }
        )
