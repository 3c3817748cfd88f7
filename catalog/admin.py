"""Back office for the catalog: the category tree (drag and drop) and the product list."""

from typing import cast

from django import forms, http
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from mptt.admin import DraggableMPTTAdmin
from mptt.forms import MPTTAdminForm

from catalog import selectors, services
from catalog.models import Category, Product
from catalog.querysets import ProductQuerySet
from ecommerce.admin_helpers import ServiceErrorsAsMessages, adopt, domain_error_message
from ecommerce.api import DomainError
from ecommerce.money import money_display


class CategoryAdminForm(MPTTAdminForm):
    """Name and parent; the slug is derived by `catalog.services` (unique among siblings)."""

    class Meta:
        model = Category
        fields = ("name", "parent")

    def clean(self):
        cleaned_data = super().clean()
        name = (cleaned_data.get("name") or "").strip()
        if name and "parent" not in self.errors:
            # Early, friendly feedback; the service checks again under the tree lock.
            parent = cleaned_data.get("parent")
            if services.category_name_taken(
                name=name, parent_id=parent.pk if parent else None, exclude_pk=self.instance.pk
            ):
                self.add_error("name", f"A category named {name!r} already exists here.")
        return cleaned_data


TREE_INDENT_LEVELS = 16  # classes in catalog/static/catalog/admin-tree.css


@admin.register(Category)
class CategoryAdmin(ServiceErrorsAsMessages, DraggableMPTTAdmin):
    """The tree, drag and drop included; every write goes through `catalog.services` (the tree lock)."""

    form = CategoryAdminForm
    list_display = ("tree_actions", "indented_title", "slug", "subtree_product_count")
    list_display_links = ("indented_title",)
    search_fields = ("name", "slug")
    readonly_fields = ("slug",)
    expand_tree_by_default = True
    # The whole tree on one page, so drag and drop can reach every node.
    list_per_page = 2000
    show_full_result_count = False

    class Media:
        css = {"all": ("catalog/admin-tree.css",)}

    @admin.display(description="title")
    def indented_title(self, item: Category) -> str:
        # django-mptt's own uses style="text-indent:…", which the Content-Security-Policy refuses.
        return format_html('<div class="tree-level-{}">{}</div>', min(item.level, TREE_INDENT_LEVELS - 1), item)

    def get_changelist_instance(self, request: HttpRequest):
        changelist = super().get_changelist_instance(request)
        # The catalog's roll-up (two queries for the whole page, whatever its size).
        counts = selectors.category_subtree_product_counts(changelist.result_list)
        for category in changelist.result_list:
            category.subtree_product_total = counts[category.pk]
        return changelist

    @admin.display(description="Products (subtree)")
    def subtree_product_count(self, category: Category) -> str:
        url = f"{reverse('admin:catalog_product_changelist')}?{urlencode({'category': category.pk})}"
        return format_html('<a href="{}">{}</a>', url, category.subtree_product_total)

    def get_fields(self, request: HttpRequest, obj: Category | None = None):
        return ("name", "parent", "slug") if obj is not None else ("name", "parent")

    def save_model(self, request: HttpRequest, obj: Category, form: forms.ModelForm, change: bool) -> None:
        name, parent = form.cleaned_data["name"], form.cleaned_data.get("parent")
        if change:
            saved = services.category_update(category=obj, name=name, parent=parent)
        else:
            saved = services.category_create(name=name, parent=parent)
        adopt(obj, saved)

    def delete_model(self, request: HttpRequest, obj: Category) -> None:
        services.category_delete(category=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Category]) -> None:
        # Deepest first, so a parent is never deleted before the children selected with it.
        for category in queryset.order_by("tree_id", "-lft"):
            if Category.objects.filter(pk=category.pk).exists():
                services.category_delete(category=category)

    def get_actions(self, request: HttpRequest, action_location=ActionLocation.CHANGE_LIST):
        # Django's own actions (its delete_selected calls delete_queryset above), not mptt's override, which
        # deletes without the tree lock.
        return admin.ModelAdmin.get_actions(self, request, action_location=action_location)

    def _move_node(self, request: HttpRequest) -> http.HttpResponse:
        """Drag and drop: `left`/`right` of a node means under its parent, `last-child` under the node itself
        (siblings are kept in name order, so the position among them is not chosen)."""
        position = request.POST.get("position")
        queryset = self.get_queryset(request)
        try:
            moved = queryset.get(pk=request.POST.get("cut_item"))
            target = queryset.get(pk=request.POST.get("pasted_on"))
        except (Category.DoesNotExist, TypeError, ValueError):
            self.message_user(request, "Those categories no longer exist; reload the page.", messages.ERROR)
            return http.HttpResponse("FAIL, invalid objects.")
        if position not in ("last-child", "left", "right"):
            self.message_user(request, "Did not understand the move.", messages.ERROR)
            return http.HttpResponse("FAIL, unknown instruction.")
        if not self.has_change_permission(request, moved):
            self.message_user(request, "No permission to move categories.", messages.ERROR)
            return http.HttpResponse("FAIL, no permission.")
        new_parent = target if position == "last-child" else target.parent
        try:
            services.category_update(category=moved, parent=new_parent)
        except DomainError as error:
            self.message_user(request, domain_error_message(error), messages.ERROR)
            return http.HttpResponse("FAIL, invalid move.")
        self.log_change(request, moved, [{"changed": {"fields": ["parent"]}}])
        where = f"under {new_parent}" if new_parent else "to the top level"
        self.message_user(request, f"{moved} moved {where}.", messages.SUCCESS)
        return http.HttpResponse("OK, moved.")


class CategorySubtreeFilter(admin.SimpleListFilter):
    """A category and all its descendants, by the tree's lft/rght range (one indexed range query)."""

    title = "category (with subcategories)"
    parameter_name = "category"

    # The sidebar lists the top of the tree only (a big catalog has thousands of categories); any category
    # can still be chosen by id (?category=<id>, e.g. from the category tree's product counts).
    max_level_listed = 2
    max_listed = 300

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        categories = (
            Category.objects.filter(level__lte=self.max_level_listed)
            .only("pk", "name", "level", "tree_id", "lft")
            .order_by("tree_id", "lft")[: self.max_listed]
        )
        return [(str(category.pk), f"{'— ' * category.level}{category.name}") for category in categories]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> QuerySet[Product]:
        value = self.value()
        if not value:
            return queryset
        try:
            category = Category.objects.only("tree_id", "lft", "rght").get(pk=int(value))
        except (Category.DoesNotExist, ValueError):
            return queryset.none()
        return cast(ProductQuerySet, queryset).in_subtree(category)


class StockFilter(admin.SimpleListFilter):
    title = "stock"
    parameter_name = "stock"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            ("out", "Out of stock"),
            ("low", f"Low (at most {settings.LOW_STOCK_THRESHOLD})"),
            ("in", "In stock"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> QuerySet[Product]:
        if self.value() == "out":
            return queryset.filter(stock=0)
        if self.value() == "low":
            # LOW_STOCK_THRESHOLD, as the dashboard counts them (out of stock included)
            return queryset.filter(stock__lte=settings.LOW_STOCK_THRESHOLD)
        if self.value() == "in":
            return queryset.filter(stock__gt=0)
        return queryset


@admin.register(Product)
class ProductAdmin(ServiceErrorsAsMessages, admin.ModelAdmin):
    """Products; saves (the list's price/stock edits included), deletes and bulk actions go through
    `catalog.services` (product_update locks the row and writes only the changed columns)."""

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
        return money_display(product.price)

    def save_model(self, request: HttpRequest, obj: Product, form: forms.ModelForm, change: bool) -> None:
        fields = [name for name in form.cleaned_data if name in services.PRODUCT_UPDATABLE_FIELDS]
        if change:
            changes = {name: form.cleaned_data[name] for name in form.changed_data if name in fields}
            saved = services.product_update(product=obj, **changes)
        else:
            saved = services.product_create(**{name: form.cleaned_data[name] for name in fields})
        adopt(obj, saved)

    def delete_model(self, request: HttpRequest, obj: Product) -> None:
        services.product_delete(product=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        for product in queryset:
            services.product_delete(product=product)

    def _set_active(self, request: HttpRequest, queryset: QuerySet[Product], is_active: bool) -> int:
        changed = 0
        for product in queryset.filter(is_active=not is_active).order_by("pk"):
            services.product_update(product=product, is_active=is_active)
            changed += 1
        return changed

    @admin.action(description="Activate selected products", permissions=["change"])
    def activate(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        updated = self._set_active(request, queryset, True)
        self.message_user(request, f"{updated} product(s) activated.", messages.SUCCESS)

    @admin.action(description="Deactivate selected products", permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        updated = self._set_active(request, queryset, False)
        self.message_user(request, f"{updated} product(s) deactivated.", messages.SUCCESS)
