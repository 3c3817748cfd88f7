from django.db import models
from django.db.models import Q
from mptt.models import MPTTModel, TreeForeignKey

from catalog.querysets import ProductQuerySet


class Category(MPTTModel):
    """A node of the category tree (django-mptt: lft/rght/tree_id/level).

    Tree writes must go through `catalog.services`, which serialises them with a lock
    (django-mptt's tree fields are not safe under concurrent writes).
    """

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, allow_unicode=False)
    parent = TreeForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children")

    class MPTTMeta:
        order_insertion_by = ["name"]

    class Meta:
        verbose_name_plural = "categories"
        constraints = [
            # Unique among siblings. Roots (parent NULL) are checked by the service under the tree lock,
            # since NULLs are distinct in a unique index and MySQL has no partial indexes.
            models.UniqueConstraint(fields=["parent", "slug"], name="category_unique_slug_per_parent"),
        ]
        indexes = [
            # A subtree is one (tree_id, lft BETWEEN lft AND rght) range: price stats, subtree filters
            # and tree reads in preorder all scan this index.
            models.Index(fields=["tree_id", "lft"], name="category_tree_lft_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class CategoryTreeLock(models.Model):
    """One row whose `SELECT ... FOR UPDATE` serialises every write of the category tree.

    The row is created after every `migrate` (post_migrate, `catalog.apps`).
    """

    id = models.PositiveSmallIntegerField(primary_key=True)

    class Meta:
        verbose_name = "category tree lock"

    def __str__(self) -> str:
        return "category tree lock"


# The largest stock a product can hold (the column is a PositiveIntegerField: 32-bit on MySQL).
MAX_STOCK = 2_147_483_647


class Product(models.Model):
    name = models.CharField(max_length=200)
    sku = models.CharField(max_length=64, unique=True)
    description = models.TextField(blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    stock = models.PositiveIntegerField(default=0)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_non_negative"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="product_stock_non_negative"),
        ]
        indexes = [
            # The category's products (the foreign key's index), price stats over a subtree (categories
            # by (tree_id, lft) range, then each one's active prices from this index alone), and the
            # page of a small subtree: its rows found here, then sorted (catalog.listing, plan "subtree").
            models.Index(fields=["category", "is_active", "price"], name="product_cat_active_price_idx"),
            # price_analytics: active products grouped by category, read from this index alone, in its order.
            models.Index(fields=["is_active", "category", "price"], name="product_active_cat_price_idx"),
            # The public list in each documented ordering (catalog.listing, plan "ordered"): the index is
            # read in order (backwards for a descending one), the id tiebreak is part of the key, and the
            # category (for a subtree) and the price (for a price range) are checked from the index
            # itself, so a page is found without reading rows and only its 20 rows are read.
            models.Index(fields=["is_active", "id", "category", "price"], name="product_active_id_idx"),
            models.Index(fields=["is_active", "price", "id", "category"], name="product_active_price_idx"),
            models.Index(fields=["is_active", "name", "id", "category", "price"], name="product_active_name_idx"),
            models.Index(
                fields=["is_active", "created_at", "id", "category", "price"], name="product_active_created_idx"
            ),
            # ?in_stock=false: the few products without stock, found directly.
            models.Index(fields=["is_active", "stock"], name="product_active_stock_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"
