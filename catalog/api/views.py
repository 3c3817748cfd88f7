"""Catalog endpoints (SPEC §4.3, §4.4): reads are public, writes are for staff.

Views check permissions, validate input, call one service or selector, and serialise the result.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from catalog import selectors, services
from catalog.api.filters import CategoryFilter, ProductFilter, StaffProductFilter
from catalog.api.serializers import (
    CategoryCreateSerializer,
    CategorySerializer,
    CategoryTreeNodeSerializer,
    CategoryUpdateSerializer,
    PriceStatsSerializer,
    ProductSerializer,
    ProductWriteSerializer,
    product_representation,
)
from catalog.listing import ProductFilters
from catalog.models import Category, Product

PROBLEM = OpenApiResponse(description="Problem details (RFC 9457)")


class IsStaffOrReadOnly(permissions.BasePermission):
    """Anyone reads; only staff write (anonymous writers get 401, customers 403)."""

    def has_permission(self, request: Request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


def _is_staff(request: Request) -> bool:
    return bool(request.user and request.user.is_authenticated and request.user.is_staff)


WRITE_ERRORS = {400: PROBLEM, 401: PROBLEM, 403: PROBLEM}


def _product_filters(request: Request, filterset_class: type[ProductFilter]) -> ProductFilters:
    """The list's validated query parameters (400 when any is invalid).

    A public list without any of ProductFilter's parameters skips building django-filter's form
    (a quarter of such a page's time). Staff lists always go through StaffProductFilter (it keeps
    active products unless asked otherwise).
    """
    if filterset_class is ProductFilter and request.query_params.keys().isdisjoint(ProductFilter.base_filters):
        return ProductFilters()
    return filterset_class.validated(request.query_params)


@extend_schema_view(
    list=extend_schema(summary="List categories (flat, tree order)", responses={200: CategorySerializer(many=True)}),
    retrieve=extend_schema(summary="A category", responses={200: CategorySerializer, 404: PROBLEM}),
    create=extend_schema(
        summary="Create a category",
        request=CategoryCreateSerializer,
        responses={201: CategorySerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Rename or move a category (its subtree moves along)",
        request=CategoryUpdateSerializer,
        responses={200: CategorySerializer, **WRITE_ERRORS, 404: PROBLEM},
    ),
    destroy=extend_schema(
        summary="Delete a category and its subtree (409 while any product is in it)",
        responses={204: None, 401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM},
    ),
)
class CategoryViewSet(viewsets.GenericViewSet):
    permission_classes = [IsStaffOrReadOnly]
    serializer_class = CategorySerializer
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet:
        if self.action == "products":
            return selectors.product_list()
        return selectors.category_list()

    @property
    def filterset_class(self):
        if self.action == "list":
            return CategoryFilter
        if self.action == "products":
            return ProductFilter
        return None

    def _get_category(self) -> Category:
        if self.request.method == "GET":  # reads: a statement built once (writes load it through the ORM)
            category = selectors.category_get(int(self.kwargs["pk"]), for_listing=self.action == "products")
            if category is None:
                raise NotFound()
            return category
        return get_object_or_404(selectors.category_list(), pk=self.kwargs["pk"])

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(CategorySerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(CategorySerializer(self._get_category()).data)

    def create(self, request: Request) -> Response:
        serializer = CategoryCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        category = services.category_create(**serializer.validated_data)
        return Response(CategorySerializer(category).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        category = self._get_category()
        serializer = CategoryUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        category = services.category_update(category=category, **serializer.validated_data)
        return Response(CategorySerializer(category).data)

    def destroy(self, request: Request, pk: str) -> Response:
        services.category_delete(category=self._get_category())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="The whole category tree, nested",
        responses={200: CategoryTreeNodeSerializer(many=True)},
        filters=False,
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def tree(self, request: Request) -> HttpResponse:
        # The body is cached rendered (selectors.category_tree_json_bytes): no renderer runs.
        return HttpResponse(selectors.category_tree_json_bytes(), content_type="application/json")

    @extend_schema(
        summary="Active products of this category and all its descendants",
        responses={200: ProductSerializer(many=True), 400: PROBLEM, 404: PROBLEM},
        filters=True,
    )
    @action(detail=True, methods=["get"])
    def products(self, request: Request, pk: str) -> Response:
        category = self._get_category()
        filters = _product_filters(request, ProductFilter)
        listing = selectors.product_listing(filters=filters, within=category)
        page = self.paginate_queryset(cast(Any, listing)) or []
        return self.get_paginated_response([product_representation(row) for row in page])

    @extend_schema(
        summary="Price statistics over the active products of this category's subtree",
        responses={200: PriceStatsSerializer, 404: PROBLEM},
        filters=False,
    )
    @action(detail=True, methods=["get"], url_path="price-stats", pagination_class=None)
    def price_stats(self, request: Request, pk: str) -> Response:
        stats = selectors.category_price_stats_cached(self._get_category())
        return Response(PriceStatsSerializer(stats).data)


@extend_schema_view(
    list=extend_schema(summary="List active products", responses={200: ProductSerializer(many=True), 400: PROBLEM}),
    retrieve=extend_schema(
        summary="A product (staff also see inactive ones)", responses={200: ProductSerializer, 404: PROBLEM}
    ),
    create=extend_schema(
        summary="Create a product", request=ProductWriteSerializer, responses={201: ProductSerializer, **WRITE_ERRORS}
    ),
    update=extend_schema(
        summary="Replace a product",
        request=ProductWriteSerializer,
        responses={200: ProductSerializer, **WRITE_ERRORS, 404: PROBLEM},
    ),
    partial_update=extend_schema(
        summary="Change some of a product's fields",
        request=ProductWriteSerializer,
        responses={200: ProductSerializer, **WRITE_ERRORS, 404: PROBLEM},
    ),
    destroy=extend_schema(
        summary="Delete a product (409 when an order references it: deactivate it instead)",
        responses={204: None, 401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM},
    ),
)
class ProductViewSet(viewsets.GenericViewSet):
    permission_classes = [IsStaffOrReadOnly]
    serializer_class = ProductSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Product]:
        if self.action == "list":
            # Staff lists go through StaffProductFilter, which keeps active products by default.
            return selectors.product_list(include_inactive=_is_staff(self.request))
        return selectors.product_visible_to(is_staff=_is_staff(self.request))

    @property
    def filterset_class(self):
        if self.action != "list":
            return None
        request = getattr(self, "request", None)
        return StaffProductFilter if request is not None and _is_staff(request) else ProductFilter

    def list(self, request: Request) -> Response:
        listing = selectors.product_listing(filters=_product_filters(request, self.filterset_class))
        page = self.paginate_queryset(cast(Any, listing)) or []
        return self.get_paginated_response([product_representation(row) for row in page])

    def retrieve(self, request: Request, pk: str) -> Response:
        row = selectors.product_detail(product_id=int(pk), is_staff=_is_staff(request))
        if row is None:
            raise NotFound()
        return Response(product_representation(row))

    def create(self, request: Request) -> Response:
        serializer = ProductWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = services.product_create(**serializer.validated_data)
        return Response(ProductSerializer(product).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str) -> Response:
        return self._update(request, partial=False)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        product = self.get_object()
        serializer = ProductWriteSerializer(product, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        product = services.product_update(product=product, **serializer.validated_data)
        return Response(ProductSerializer(product).data)

    def destroy(self, request: Request, pk: str) -> Response:
        services.product_delete(product=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
