from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from customers.models import Customer
from orders import selectors, services
from orders.api.filters import CustomerOrderFilter, OrderFilter
from orders.api.idempotency import idempotency_key_parse
from orders.api.serializers import OrderCreateSerializer, OrderEventSerializer, OrderSerializer, OrderStatusSerializer
from orders.events import EventSource
from orders.models import Order

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "1 to 255 printable ASCII characters (bare or as an RFC 8941 string). The same key and body from the "
        "same customer within 24 hours returns the first order again (201, `Idempotent-Replayed: true`) and "
        "takes no more stock; the same key with a different body is 422."
    ),
)
REPLAYED_HEADER = OpenApiParameter(
    "Idempotent-Replayed",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[201],
    description="`true` when the order was created by an earlier request with the same Idempotency-Key.",
)
PROBLEM_401 = OpenApiResponse(description="Not authenticated (problem details).")
PROBLEM_404 = OpenApiResponse(description="No such order, or not yours (problem details).")
PROBLEM_409_TRANSITION = OpenApiResponse(description="Status change not allowed from the current status.")


@extend_schema_view(
    list=extend_schema(
        summary="List orders",
        description="A customer's own orders, or every order for staff (`?status=`, `?customer=`); newest first.",
        responses={
            200: OrderSerializer(many=True),
            400: OpenApiResponse(description="Bad filter value."),
            401: PROBLEM_401,
        },
    ),
    retrieve=extend_schema(
        summary="Get an order",
        responses={200: OrderSerializer, 401: PROBLEM_401, 404: PROBLEM_404},
    ),
)
class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Orders: customers place and cancel their own; staff see all and move them along."""

    permission_classes = [IsAuthenticated]
    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    lookup_value_regex = "[0-9]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        return selectors.order_list(user=self.request.user)

    @extend_schema(
        summary="Place an order",
        request=OrderCreateSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER, REPLAYED_HEADER],
        responses={
            201: OrderSerializer,
            400: OpenApiResponse(description="Invalid body or Idempotency-Key; `errors` names each field."),
            401: PROBLEM_401,
            403: OpenApiResponse(description="The user has no customer profile (e.g. staff)."),
            409: OpenApiResponse(
                description="Not enough stock (`errors`: `items.N.quantity` per short line), or a concurrent "
                "request with the same key could not be resolved."
            ),
            422: OpenApiResponse(description="The Idempotency-Key was used with a different body."),
        },
    )
    def create(self, request: Request) -> Response:
        # The bearer authentication selects the customer with the user (no query here); a session or
        # force-authenticated user costs one query.
        customer = getattr(request.user, "customer", None)
        if customer is None:
            raise PermissionDenied("Only customers place orders; this account has no customer profile.")
        serializer = OrderCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.order_place(
            customer=customer,
            lines=serializer.validated_data["items"],
            note=serializer.validated_data["note"],
            idempotency_key=idempotency_key_parse(request.headers.get("Idempotency-Key")),
            source=EventSource.API,
        )
        headers = {"Location": reverse("order-detail", kwargs={"pk": result.order.pk})}
        if result.replayed:
            # Read back with its lines.
            headers["Idempotent-Replayed"] = "true"
            body = OrderSerializer(selectors.order_get(order_id=result.order.pk)).data
        else:
            # Rendered from the objects the service wrote: nothing is read back.
            body = OrderSerializer(result.order, context={"lines": result.lines}).data
        return Response(body, status=status.HTTP_201_CREATED, headers=headers)

    @extend_schema(
        summary="Change an order's status (staff)",
        request=OrderStatusSerializer,
        responses={
            200: OrderSerializer,
            400: OpenApiResponse(description="Not a status."),
            401: PROBLEM_401,
            403: OpenApiResponse(description="Only staff change an order's status."),
            404: PROBLEM_404,
            409: PROBLEM_409_TRANSITION,
        },
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        order = self.get_object()  # 404 for anyone but the owner and staff
        services.order_status_change_allowed(by=request.user)  # 403 for the owner, before the body is read
        serializer = OrderStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.order_set_status(
            order_id=order.pk, status=serializer.validated_data["status"], by=request.user, source=EventSource.API
        )
        return Response(OrderSerializer(selectors.order_get(order_id=order.pk)).data)

    @extend_schema(
        summary="Cancel an order",
        description="The owner while it is pending, staff while pending or confirmed; its stock is given back.",
        request=None,
        responses={200: OrderSerializer, 401: PROBLEM_401, 404: PROBLEM_404, 409: PROBLEM_409_TRANSITION},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        order = self.get_object()
        services.order_cancel(order_id=order.pk, by=request.user, source=EventSource.API)
        return Response(OrderSerializer(selectors.order_get(order_id=order.pk)).data)

    @extend_schema(
        summary="An order's timeline",
        description=(
            "Every change of the order, oldest first: placed, each status change, a cancellation with the stock "
            "returned, each notification queued, sent, failed or resent, and the provider's delivery reports. "
            "`actor_type` says who acted (`customer`, `staff`, `system`), `source` through what (`api`, `admin`, "
            "`command`, `task`). The owner and staff; anyone else gets 404, as for the order."
        ),
        request=None,
        responses={200: OrderEventSerializer(many=True), 401: PROBLEM_401, 404: PROBLEM_404},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def events(self, request: Request, pk: str) -> Response:
        # Scoped like the order itself (an EXISTS, not the order with its lines): another customer's is 404.
        if not selectors.order_is_visible(order_id=int(pk), user=request.user):
            raise NotFound("No such order.")
        page = self.paginate_queryset(selectors.order_event_list(order_id=int(pk)))
        context = {"viewer_is_staff": bool(request.user.is_staff)}
        return self.get_paginated_response(OrderEventSerializer(page, many=True, context=context).data)


@extend_schema(
    summary="A customer's order history",
    description="That customer or staff; newest first (`?status=` as on `/orders`). Anyone else gets 404.",
    parameters=[OpenApiParameter("customer_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
    responses={
        200: OrderSerializer(many=True),
        400: OpenApiResponse(description="Bad filter value."),
        401: PROBLEM_401,
        404: OpenApiResponse(description="No such customer."),
    },
    tags=["customers"],
)
class CustomerOrderListView(ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = OrderSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = CustomerOrderFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        customer_id = int(self.kwargs["customer_id"])
        user = self.request.user
        # Scoped before anything else: another customer's history is 404, like a missing one.
        if not (user.is_staff or user.pk == customer_id) or not Customer.objects.filter(pk=customer_id).exists():
            raise NotFound("No such customer.")
        return selectors.customer_order_list(customer_id=customer_id)
