"""Back office for the catalog: the category tree (drag and drop) and the product list."""

from django.contrib import admin, messages
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from mptt.admin import DraggableMPTTAdmin

from catalog.models import Category, Product
from ecommerce.admin_site import format_money


@admin.register(Category)
class CategoryAdmin(DraggableMPTTAdmin):
    list_display = ("tree_actions", "indented_title", "slug", "subtree_product_count")
    list_display_links = ("indented_title",)
    search_fields = ("name", "slug")
    fields = ("name", "slug", "parent")
    prepopulated_fields = {"slug": ("name",)}
    expand_tree_by_default = True
    # The whole tree on one page, so drag and drop can reach every node.
    list_per_page = 2000
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        # Every node's product count over its whole subtree, in the tree's one query. Not mptt's
        # add_related_count(cumulative=True): it nests the correlated filter inside a derived table, which
        # MariaDB rejects ("Unknown column catalog_category.lft"); this is one correlated aggregate instead.
        subtree_count = (
            Product.objects.filter(
                category__tree_id=OuterRef("tree_id"),
                category__lft__gte=OuterRef("lft"),
                category__lft__lte=OuterRef("rght"),
            )
            .order_by()
            .values("category__tree_id")
            .annotate(total=Count("pk"))
            .values("total")
        )
        return super().get_queryset(request).annotate(subtree_product_total=Coalesce(Subquery(subtree_count), 0))

    @admin.display(description="Products (subtree)", ordering="subtree_product_total")
    def subtree_product_count(self, category: Category) -> int:
        return category.subtree_product_total


class CategorySubtreeFilter(admin.SimpleListFilter):
    """A category and all its descendants, by the tree's lft/rght range (one indexed range query)."""

    title = "category (with subcategories)"
    parameter_name = "category"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            (str(category.pk), f"{'— ' * category.level}{category.name}")
            for category in Category.objects.only("pk", "name", "level", "tree_id", "lft").order_by("tree_id", "lft")
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> QuerySet[Product]:
        value = self.value()
        if not value:
            return queryset
        try:
            category = Category.objects.only("tree_id", "lft", "rght").get(pk=int(value))
        except (Category.DoesNotExist, ValueError):
            return queryset.none()
        return queryset.filter(
            category__tree_id=category.tree_id,
            category__lft__gte=category.lft,
            category__rght__lte=category.rght,
        )


class StockFilter(admin.SimpleListFilter):
    title = "stock"
    parameter_name = "stock"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("out", "Out of stock"), ("in", "In stock")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> QuerySet[Product]:
        if self.value() == "out":
            return queryset.filter(stock=0)
        if self.value() == "in":
            return queryset.filter(stock__gt=0)
        return queryset


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("sku", "name", "category", "price", "stock", "is_active", "updated_at")
    list_display_links = ("sku", "name")
    list_editable = ("price", "stock")
    list_filter = (CategorySubtreeFilter, "is_active", StockFilter)
    list_select_related = ("category",)
    search_fields = ("sku", "name", "description")
    autocomplete_fields = ("category",)
    readonly_fields = ("price_display", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("sku", "name", "description", "category", "is_active")}),
        ("Price and stock", {"fields": ("price", "price_display", "stock")}),
        ("History", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
    actions = ("activate", "deactivate")
    ordering = ("sku",)
    show_full_result_count = False

    @admin.display(description="Price")
    def price_display(self, product: Product) -> str:
        return format_money(product.price)

    @admin.action(description="Activate selected products", permissions=["change"])
    def activate(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        updated = queryset.filter(is_active=False).update(is_active=True)
        self.message_user(request, f"{updated} product(s) activated.", messages.SUCCESS)

    @admin.action(description="Deactivate selected products", permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        updated = queryset.filter(is_active=True).update(is_active=False)
        self.message_user(request, f"{updated} product(s) deactivated.", messages.SUCCESS)
