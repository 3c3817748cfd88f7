from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from customers.api.serializers import (
    CustomerRegisterSerializer,
    CustomerSerializer,
    CustomerUpdateSerializer,
    LoginSerializer,
    LogoutSerializer,
    RefreshSerializer,
)
from customers.selectors import customer_visible_to
from customers.services import customer_register, customer_register_problems, customer_update
from customers.throttling import LoginEmailThrottle, LoginIPThrottle, RegistrationIPThrottle
from ecommerce.search import BoundedSearchFilter

PROBLEM = OpenApiResponse(description="Problem details (RFC 9457).")


class CustomerPermission(permissions.BasePermission):
    """Anyone registers; the list is staff's; everything else needs a signed-in user."""

    def has_permission(self, request, view) -> bool:
        if view.action == "create":
            return True
        if not (request.user and request.user.is_authenticated):
            return False
        if view.action == "list":
            return bool(request.user.is_staff)
        return True


@extend_schema(tags=["customers"])
class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Registration, the caller's profile, profiles by id (own or staff), the staff list."""

    serializer_class = CustomerSerializer
    permission_classes = [CustomerPermission]
    filter_backends = [BoundedSearchFilter]
    search_fields = ["user__email", "first_name", "last_name", "phone"]

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.action == "create":
            # Registration answers whether an email is taken: limited per client IP (SPEC §6).
            throttles.append(RegistrationIPThrottle())
        return throttles

    def get_queryset(self):
        # Scoped before any other check: another customer's profile is simply not there (404).
        return customer_visible_to(user=self.request.user)

    @extend_schema(
        request=CustomerRegisterSerializer,
        responses={201: CustomerSerializer, 400: PROBLEM, 429: PROBLEM},
        summary="Register a customer",
        description=(
            "201 with `Location: /api/v1/customers/{id}`. A 400 names every problem of the request at once. "
            "Throttled per client IP (`REGISTRATION_THROTTLE_IP`, default 10/hour): 429 with `Retry-After`."
        ),
        parameters=[
            OpenApiParameter(
                "Location",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                response=[201],
                description="The new customer's profile, `/api/v1/customers/{id}`.",
            )
        ],
    )
    def create(self, request):
        data = CustomerRegisterSerializer(data=request.data)
        if not data.is_valid():
            # One answer names every problem: the shape errors, and the rules on the fields that are well-formed.
            valid = data.values_that_validated()
            problems = customer_register_problems(
                email=valid.get("email"),
                password=valid.get("password"),
                first_name=valid.get("first_name", ""),
                last_name=valid.get("last_name", ""),
            )
            errors = {field: list(messages) for field, messages in data.errors.items()}
            for field, messages in problems.items():
                errors.setdefault(field, []).extend(messages)
            raise exceptions.ValidationError(errors)
        customer = customer_register(**data.validated_data)
        return Response(
            CustomerSerializer(customer).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("customer-detail", kwargs={"pk": customer.pk})},
        )

    @extend_schema(
        request=CustomerUpdateSerializer,
        responses={200: CustomerSerializer, 400: PROBLEM, 404: PROBLEM},
        summary="Update a profile (own, or any for staff)",
    )
    def partial_update(self, request, pk=None):
        customer = self.get_object()
        data = CustomerUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        customer = customer_update(customer=customer, **data.validated_data)
        return Response(CustomerSerializer(customer).data)

    @extend_schema(responses={200: CustomerSerializer, 401: PROBLEM, 404: PROBLEM}, summary="The caller's profile")
    @action(detail=False, methods=["get"], url_path="me")
    def me(self, request):
        customer = get_object_or_404(customer_visible_to(user=request.user), user_id=request.user.pk)
        return Response(CustomerSerializer(customer).data)


@extend_schema(tags=["auth"], responses={200: LoginSerializer, 400: PROBLEM, 401: PROBLEM, 429: PROBLEM})
class LoginView(TokenObtainPairView):
    """Email and password → `{access, refresh}`. Throttled per client IP and per email."""

    serializer_class = LoginSerializer
    throttle_classes = [LoginIPThrottle, LoginEmailThrottle]


@extend_schema(tags=["auth"])
class RefreshView(TokenRefreshView):
    """A refresh token → a new `{access, refresh}`; the old refresh token is blacklisted.

    401 for a token of a deleted or deactivated user, or issued before the password last changed.
    """

    serializer_class = RefreshSerializer


@extend_schema(
    tags=["auth"],
    request=LogoutSerializer,
    responses={204: None, 400: PROBLEM, 401: PROBLEM},
)
class LogoutView(APIView):
    """Blacklists the caller's refresh token (a token of another user is refused, not revoked)."""

    permission_classes = [permissions.IsAuthenticated]

    def post(self, request):
        data = LogoutSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            token = RefreshToken(data.validated_data["refresh"])
        except TokenError:
            raise exceptions.ValidationError({"refresh": ["Not a valid refresh token."]}) from None
        if str(token.get(jwt_settings.USER_ID_CLAIM)) != str(request.user.pk):
            raise exceptions.ValidationError({"refresh": ["Not a valid refresh token."]})
        token.blacklist()
        return Response(status=status.HTTP_204_NO_CONTENT)
