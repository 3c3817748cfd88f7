"""The product list at scale (catalog.listing, SPEC §5 "Scale"): every plan returns what the
straightforward query returns, ties and inactive products included; each plan uses its index on
MySQL/MariaDB (EXPLAIN names it); counts are cached per filter, not per ordering."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.utils import timezone

from catalog import services
from catalog.listing import ORDERING_INDEXES, SORT_COST, ProductFilters, ProductListing
from catalog.models import Category, Product
from catalog.summary import own_figures_query
from tests.catalog.conftest import make_category

pytestmark = pytest.mark.django_db

ORDERINGS = ["", "price", "-price", "name", "-name", "created_at", "-created_at"]
PLANS = [
    None,
    ("ordered", None),  # the index is filled in per ordering below
    ("subtree", "product_cat_active_price_idx"),
    ("stock", "product_active_stock_idx"),
    ("price", "product_active_price_idx"),
    ("search", None),
]


@pytest.fixture
def shop(db):
    """Two trees, three levels; 60 products with tied prices, names and creation times, some inactive."""
    electronics = make_category("Electronics")
    phones = make_category("Phones", electronics)
    android = make_category("Android", phones)
    audio = make_category("Audio", electronics)
    home = make_category("Home")
    kitchen = make_category("Kitchen", home)
    categories = [electronics, phones, android, audio, home, kitchen]
    words = ["Steel Kettle", "Wireless Speaker", "Kettle with timer", "Phone case", "Lamp"]
    now = timezone.now()
    products = Product.objects.bulk_create(
        Product(
            name=words[i % 5] if i % 7 else "Kettle",
            sku=f"SKU-{i:03d}",
            description="Made with care, for the kitchen" if i % 3 == 0 else "Dust proof",
            price=Decimal(10 + i % 4),  # four prices: many ties
            stock=0 if i % 6 == 0 else i,
            category=categories[i % len(categories)],
            is_active=i % 9 != 0,
        )
        for i in range(60)
    )
    ids = [product.pk for product in products]
    for minutes in range(3):  # three creation times: ties
        Product.objects.filter(pk__in=ids[minutes::3]).update(created_at=now - timedelta(minutes=minutes))
    # Read back: each insert renumbered the tree fields of the categories created before it.
    return {c.name: c for c in Category.objects.all()}


def expected(filters: ProductFilters, queryset) -> list[int]:
    """The straightforward query: the same rows in (field, id) order, both in the ordering's direction."""
    field = filters.ordering.lstrip("-") or "id"
    sign = "-" if filters.ordering.startswith("-") else ""
    order = [f"{sign}{field}"] if field == "id" else [f"{sign}{field}", f"{sign}id"]
    return list(queryset.order_by(*order).values_list("id", flat=True))


def walk(listing: ProductListing, page_size: int = 7) -> list[int]:
    """Every page of the listing, as Django's paginator (and so the API) reads it."""
    paginator = Paginator(listing, page_size)
    return [row["id"] for number in paginator.page_range for row in paginator.page(number).object_list]


FILTER_CASES = {
    "everything": {},
    "root": {"category": "Electronics"},
    "subtree": {"category": "Phones"},
    "leaf": {"category": "Android"},
    "price range": {"min_price": Decimal("11"), "max_price": Decimal("12")},
    "in stock": {"in_stock": True},
    "out of stock": {"in_stock": False},
    "search": {"search": "kettle"},
    "search and subtree": {"search": "kett", "category": "Electronics"},
    "everything at once": {"category": "Electronics", "min_price": Decimal("11"), "in_stock": True, "search": "ste"},
}


# transaction=True here and below wherever a search runs: InnoDB's full-text index sees committed rows only.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", FILTER_CASES)
def test_every_plan_returns_the_straightforward_query(shop, case):
    params = {key: shop[value] if key == "category" else value for key, value in FILTER_CASES[case].items()}
    for ordering in ORDERINGS:
        filters = ProductFilters(**params, ordering=ordering)
        want = expected(filters, ProductListing(filters).queryset())
        assert want, "every case matches some products"
        for plan in PLANS:
            if plan is not None and plan[0] == "ordered":
                plan = ("ordered", ORDERING_INDEXES[ordering.lstrip("-") or "id"])
            if plan is not None and plan[0] == "search" and not filters.search:
                continue  # the full-text plan needs a search
            if plan is not None and plan[0] not in ("ordered", "search") and filters.search:
                continue  # a search is found through the full-text index, or checked row by row when ordered
            listing = ProductListing(filters, plan=plan)

            assert walk(listing) == want, (ordering, plan)
            assert listing.count() == len(want)


def test_inactive_products_are_never_listed_and_staff_see_them_on_request(shop):
    inactive = set(Product.objects.filter(is_active=False).values_list("id", flat=True))

    public = walk(ProductListing(ProductFilters(ordering="-price")))
    staff_all = walk(ProductListing(ProductFilters(ordering="name", is_active=None)))
    staff_inactive = walk(ProductListing(ProductFilters(is_active=False)))

    assert inactive and not inactive & set(public)
    assert sorted(staff_all) == sorted(Product.objects.values_list("id", flat=True))
    assert set(staff_inactive) == inactive


def test_a_moved_category_takes_its_products_along(shop):
    android_products = set(
        Product.objects.filter(category=shop["Android"], is_active=True).values_list("id", flat=True)
    )

    services.category_update(category=shop["Android"], parent=shop["Kitchen"])
    home = Category.objects.get(pk=shop["Home"].pk)
    electronics = Category.objects.get(pk=shop["Electronics"].pk)

    for ordering in ("price", "-created_at", ""):
        in_home = walk(ProductListing(ProductFilters(category=home, ordering=ordering)))
        in_electronics = walk(ProductListing(ProductFilters(category=electronics, ordering=ordering)))
        assert android_products <= set(in_home)
        assert not android_products & set(in_electronics)
        assert in_home == expected(ProductFilters(ordering=ordering), Product.objects.active().in_subtree(home))


@pytest.mark.django_db(transaction=True)
def test_imported_products_are_listed_in_their_new_categories(shop):
    import io

    from catalog.imports import catalog_import, catalog_parse_csv

    csv = "sku,name,description,price,stock,category_path\n" + "".join(
        f"IMP-{i},Imported kettle {i},,{i}.50,{i},Home > Garden > Tools\n" for i in range(5)
    )
    catalog_import(rows=catalog_parse_csv(io.StringIO(csv)).rows)
    home = Category.objects.get(pk=shop["Home"].pk)

    listed = walk(ProductListing(ProductFilters(category=home, ordering="-price", search="imported")))

    assert listed == list(
        Product.objects.filter(sku__startswith="IMP-").order_by("-price", "-id").values_list("id", flat=True)
    )


def test_ties_follow_the_ordering_direction(shop, api_client):
    response = api_client.get("/api/v1/products", {"ordering": "-price", "page_size": 100})
    rows = [(Decimal(p["price"]), p["id"]) for p in response.json()["results"]]

    assert rows == sorted(rows, reverse=True)


def test_a_page_past_the_middle_is_read_from_the_end_and_is_the_same(shop):
    filters = ProductFilters(ordering="name")
    listing = ProductListing(filters)
    count = listing.count()

    assert listing.plan(count - 5, count, count)[2] is True
    assert [row["id"] for row in listing[count - 5 : count]] == expected(filters, listing.queryset())[-5:]


def test_two_subtree_conditions_are_one(shop, api_client):
    def ids(path, **params):
        return [p["id"] for p in api_client.get(path, {"page_size": 100, **params}).json()["results"]]

    electronics, phones, home = shop["Electronics"], shop["Phones"], shop["Home"]
    in_phones = ids("/api/v1/products", category=phones.pk)

    assert ids(f"/api/v1/categories/{electronics.pk}/products", category=phones.pk) == in_phones
    assert ids(f"/api/v1/categories/{phones.pk}/products", category=electronics.pk) == in_phones
    assert ids(f"/api/v1/categories/{home.pk}/products", category=phones.pk) == []


# --- ?search= semantics (both backends) ------------------------------------------------------------


@pytest.fixture
def texts(transactional_db):
    category = make_category("Things")

    def product(sku, name, description=""):
        return services.product_create(
            name=name, sku=sku, description=description, price=Decimal(1), stock=1, category=category
        )

    return {
        "kettle": product("KT-100", "Steel Kettle", "boils water fast"),
        "usbc": product("CH-2", "Charger", "fast USB-C charging with cable"),
        "kettles": product("KT-200", "Kettlebell 12 kg", "for the gym"),
        "mug": product("MG-1", "Mug", "Ceramic, made in Kenya"),
        "pot": product("POTS-1", "Pot"),
        "charger_sku": product("CHARGER-9", "Power brick"),
    }


@pytest.mark.parametrize(
    ("search", "wanted"),
    [
        ("kettle", {"kettle", "kettles"}),  # a word, and words it begins
        ("KETT", {"kettle", "kettles"}),  # case-insensitive prefix
        ("ettle", set()),  # not the middle of a word
        ("steel kettle", {"kettle"}),  # every word must match
        ("kettle gym", {"kettles"}),  # in the name or the description
        ("usb-c", {"usbc"}),  # punctuation separates words; one-letter words too
        ("c", {"usbc", "mug", "charger_sku"}),  # "C" of USB-C, "Ceramic", "charger", "cable"; SKU CHARGER-9
        ("with", {"usbc"}),  # a stopword elsewhere is a word here
        ("12 kg", {"kettles"}),  # short words only
        ("kt-10", {"kettle"}),  # SKU prefix: KT-100
        (" Ch-2 ", {"usbc"}),  # the whole search, trimmed, begins the SKU (any case)
        ("100", set()),  # a SKU matches from its beginning only
        ("pot", {"pot"}),  # a SKU prefix (POTS-1) or words: the name "Pot"
        ("charger", {"usbc", "charger_sku"}),  # words of one product, the SKU of another
        ("KT", {"kettle", "kettles"}),
        ("mg-1", {"mug"}),
        ("---", set()),  # no words at all
        ("zzzz", set()),
    ],
)
def test_search_matches_word_beginnings(texts, search, wanted):
    found = set(Product.objects.search(search).values_list("id", flat=True))

    assert found == {texts[name].pk for name in wanted}


def test_search_ignores_accents_on_mysql(texts, mysql_only):
    assert set(Product.objects.search("kénya").values_list("id", flat=True)) == {texts["mug"].pk}


def test_a_too_long_search_is_400(api_client):
    response = api_client.get("/api/v1/products", {"search": "x" * 201})

    assert response.status_code == 400
    assert "search" in response.json()["errors"]


# --- Query plans on MySQL/MariaDB ----------------------------------------------------------------


def explain(listing: ProductListing, start: int = 0, stop: int = 20) -> tuple[str, list[dict]]:
    count = listing.count()
    sql, params, plan = listing.page_sql(start, min(stop, count), count)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        columns = [column[0] for column in cursor.description]
        return plan, [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def product_rows(plan_rows: list[dict]) -> list[dict]:
    """The rows of the plan that read the products table for the page's ids (the derived table)."""
    return [row for row in plan_rows if row["table"] == "catalog_product" and row["select_type"] == "DERIVED"]


@pytest.mark.parametrize("ordering", ORDERINGS)
@pytest.mark.parametrize("category", [None, "Electronics", "Android"])
def test_each_ordering_reads_its_index_without_sorting(shop, mysql_only, ordering, category):
    filters = ProductFilters(ordering=ordering, category=shop[category] if category else None)
    index = ORDERING_INDEXES[ordering.lstrip("-") or "id"]

    _, rows = explain(ProductListing(filters, plan=("ordered", index)))

    (row,) = product_rows(rows)
    assert row["key"] == index
    assert "filesort" not in (row["Extra"] or "")
    assert "temporary" not in (row["Extra"] or "")


def test_a_small_subtree_reads_its_categories_products_only(shop, mysql_only):
    plan, rows = explain(ProductListing(ProductFilters(ordering="price", category=shop["Android"])))

    assert plan == "subtree"
    assert "product_cat_active_price_idx" in {row["key"] for row in product_rows(rows)}


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_the_search_uses_the_full_text_index(texts, mysql_only, ordering):
    plan, rows = explain(ProductListing(ProductFilters(search="kettle", ordering=ordering)))

    assert plan == "search"
    (row,) = product_rows(rows)
    assert (row["type"], row["key"]) == ("fulltext", "product_search_ft")


def test_a_sku_prefix_is_read_from_the_sku_index_and_joined_with_the_words(texts, mysql_only):
    listing = ProductListing(ProductFilters(search="charger"))

    plan, rows = explain(listing)

    assert plan == "search"
    assert [row["id"] for row in listing[0:20]] == sorted([texts["usbc"].pk, texts["charger_sku"].pk])
    keys = {(row["type"], row["key"]) for row in rows}
    assert ("fulltext", "product_search_ft") in keys
    assert ("range", "sku") in keys  # `sku LIKE 'charger%'`: the unique index, not a scan


def test_the_plan_follows_the_count(shop, monkeypatch, settings):
    # The ordered plan is taken when (offset + page) x active / count ≤ SORT_COST x count (both indexes
    # hold every column needed here), once more than FEW match (FEW lowered so that this small catalog has "many").
    monkeypatch.setattr("catalog.listing.FEW", 5)
    settings.API_COUNT_CACHE_MIN_ROWS = 10**9
    quarter = ProductListing(ProductFilters(ordering="-price", min_price=Decimal("13")))
    leaf = ProductListing(ProductFilters(ordering="price", category=shop["Android"]))
    everything = ProductListing(ProductFilters(ordering="price"))

    assert quarter.plan(0, 2, quarter.count()) == ("ordered", "product_active_price_idx", False)
    assert leaf.plan(4, 6, leaf.count()) == ("subtree", "product_cat_active_price_idx", False)  # its middle
    active, count = Product.objects.filter(is_active=True).count(), quarter.count()
    for start in range(count - 2):  # deeper pages: the filter's index reads fewer entries
        offset = min(start, count - start - 2)  # a page past the middle is read from the end
        ordered = SORT_COST * count * count >= (offset + 2) * active
        assert quarter.plan(start, start + 2, count)[0] == ("ordered" if ordered else "price")
    assert {quarter.plan(start, start + 2, count)[0] for start in range(count - 2)} == {"ordered", "price"}
    assert everything.plan(0, 20, everything.count()) == ("ordered", "product_active_price_idx", False)


def test_a_plan_whose_index_lacks_the_ordering_pays_for_reading_rows(shop, monkeypatch, settings):
    # Sorting a subtree by name needs every row's name (product_cat_active_price_idx has no name): the
    # name index, which holds the category, is walked instead even where it reads more entries.
    monkeypatch.setattr("catalog.listing.FEW", 5)
    settings.API_COUNT_CACHE_MIN_ROWS = 10**9
    by_price = ProductListing(ProductFilters(ordering="price", category=shop["Android"]))
    by_name = ProductListing(ProductFilters(ordering="name", category=shop["Android"]))
    count, active = by_name.count(), Product.objects.filter(is_active=True).count()

    # The page in the middle (rows 4-5 of 10): the name index reads more entries than the subtree holds.
    assert count == 10 and SORT_COST * count * count < 6 * active
    assert by_price.plan(4, 6, count)[0] == "subtree"
    assert by_name.plan(4, 6, count) == ("ordered", "product_active_name_idx", False)


def test_the_catalog_summary_reads_the_covering_index_alone(shop, mysql_only):
    sql, params = own_figures_query().query.sql_with_params()

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        columns = [column[0] for column in cursor.description]
        (row,) = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]

    assert row["key"] == "product_cat_active_price_idx"
    assert "Using index" in (row["Extra"] or "")  # no product row is read


def test_a_statement_built_for_one_category_and_price_range_answers_for_others(shop):
    """The count and page statements are built once per shape (ecommerce.db.statements) and reused: each
    category and price range still gets its own products, in its own order, with its own count."""
    cases = [
        {"category": shop["Phones"]},
        {"category": shop["Kitchen"]},
        {"category": shop["Audio"]},
        {"min_price": Decimal("10"), "max_price": Decimal("11")},
        {"min_price": Decimal("12"), "max_price": Decimal("13")},
        {"category": shop["Home"], "min_price": Decimal("11"), "max_price": Decimal("12")},
        {"category": shop["Electronics"], "min_price": Decimal("13"), "max_price": Decimal("13")},
    ]
    for _ in range(2):  # the second round reads every shape from its statements
        for params in cases:
            for ordering in ("", "price", "-name"):
                filters = ProductFilters(**params, ordering=ordering)
                want = expected(filters, ProductListing(filters).queryset())
                assert want, params
                listing = ProductListing(filters)
                assert walk(listing, page_size=3) == want, (params, ordering)
                assert listing.count() == len(want)


def test_the_categorys_lookup_is_the_orms(shop):
    from catalog.selectors import category_for_listing, category_for_listing_get

    for category in Category.objects.all():
        found = category_for_listing_get(category.pk)
        orm = category_for_listing().get(pk=category.pk)
        assert (found.pk, found.name, found.parent_id, found.tree_id, found.lft, found.rght, found.level) == (
            orm.pk, orm.name, orm.parent_id, orm.tree_id, orm.lft, orm.rght, orm.level,
        )  # fmt: skip
        assert (
            found.category_total == orm.category_total == (Category.objects.count() if orm.parent_id is None else None)
        )
    assert category_for_listing_get(Category.objects.order_by("-pk").first().pk + 1) is None
