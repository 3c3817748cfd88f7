"""SPEC §4.4: the product endpoints, filters and ordering."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import Product
from tests.catalog.conftest import make_category, make_product
from tests.conftest import assert_problem
from tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db

VALID = {"name": "Phone X", "sku": "PX-1", "description": "Nice", "price": "1499.50", "stock": 5, "is_active": True}


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [p["id"] for p in response.json()["results"]]


@pytest.fixture
def category(db):
    return make_category("Phones")


def test_list_shows_active_products_with_money_as_strings(api_client, category, settings):
    settings.SHOP_CURRENCY = "KES"
    active = make_product(category, sku="A", price="1499")
    make_product(category, sku="B", is_active=False)

    response = api_client.get("/api/v1/products")

    assert ids(response) == [active.pk]
    item = response.json()["results"][0]
    assert item["price"] == "1499.00"
    assert item["currency"] == "KES"
    assert item["category"] == category.pk
    assert set(item) == {
        "id", "name", "sku", "description", "price", "currency", "stock", "category", "is_active", "created_at",
        "updated_at",
    }  # fmt: skip


def test_staff_list_is_active_by_default_and_can_ask_for_inactive(staff_client, customer_client, category):
    active = make_product(category, sku="A")
    inactive = make_product(category, sku="B", is_active=False)

    assert ids(staff_client.get("/api/v1/products")) == [active.pk]
    assert ids(staff_client.get("/api/v1/products", {"is_active": "false"})) == [inactive.pk]
    assert ids(staff_client.get("/api/v1/products", {"is_active": "all"})) == [active.pk, inactive.pk]
    assert ids(customer_client.get("/api/v1/products", {"is_active": "false"})) == [active.pk]


def test_pagination(api_client, category):
    for n in range(25):
        make_product(category, sku=f"S{n:02d}")

    first = api_client.get("/api/v1/products").json()
    second = api_client.get("/api/v1/products", {"page": 2, "page_size": 20}).json()

    assert first["count"] == 25 and len(first["results"]) == 20 and first["next"]
    assert len(second["results"]) == 5 and second["previous"]


def test_category_filter_covers_the_subtree_at_depth_five(api_client, chain):
    products = [make_product(node, sku=f"P{node.level}") for node in chain]
    outside = make_product(make_category("Elsewhere"), sku="OUT")

    assert ids(api_client.get("/api/v1/products", {"category": chain[0].pk})) == [p.pk for p in products]
    assert ids(api_client.get("/api/v1/products", {"category": chain[3].pk})) == [p.pk for p in products[3:]]
    assert ids(api_client.get("/api/v1/products", {"category": chain[5].pk})) == [products[5].pk]
    assert outside.pk in ids(api_client.get("/api/v1/products"))


def test_unknown_category_filter_is_400(api_client):
    body = assert_problem(api_client.get("/api/v1/products", {"category": 999999}), 400)

    assert "category" in body["errors"]


def test_price_stock_and_search_filters(api_client, category):
    cheap = make_product(category, sku="CHEAP-1", price="10.00", stock=0, name="Cable")
    mid = make_product(category, sku="MID-1", price="50.00", name="Charger", description="fast USB-C charging")
    dear = make_product(category, sku="DEAR-1", price="99.99", name="Phone")

    assert ids(api_client.get("/api/v1/products", {"min_price": "50"})) == [mid.pk, dear.pk]
    assert ids(api_client.get("/api/v1/products", {"max_price": "50.00"})) == [cheap.pk, mid.pk]
    assert ids(api_client.get("/api/v1/products", {"min_price": "11", "max_price": "99.98"})) == [mid.pk]
    assert ids(api_client.get("/api/v1/products", {"in_stock": "true"})) == [mid.pk, dear.pk]
    assert ids(api_client.get("/api/v1/products", {"in_stock": "false"})) == [cheap.pk]
    assert ids(api_client.get("/api/v1/products", {"search": "usb-c"})) == [mid.pk]
    assert ids(api_client.get("/api/v1/products", {"search": "dear"})) == [dear.pk]
    assert ids(api_client.get("/api/v1/products", {"search": "PHONE"})) == [dear.pk]


@pytest.mark.parametrize("params", [{"min_price": "abc"}, {"max_price": "NaN"}, {"in_stock": "maybe"}])
def test_malformed_filters_are_400(api_client, params):
    assert_problem(api_client.get("/api/v1/products", params), 400)


def test_ordering(api_client, category):
    b = make_product(category, sku="B", name="Banana", price="5.00")
    a = make_product(category, sku="A", name="Apple", price="7.00")
    c = make_product(category, sku="C", name="Cherry", price="6.00")
    Product.objects.filter(pk=b.pk).update(created_at=timezone.now() - timedelta(days=2))
    Product.objects.filter(pk=c.pk).update(created_at=timezone.now() - timedelta(days=1))

    def order(value):
        return ids(api_client.get("/api/v1/products", {"ordering": value}))

    assert order("price") == [b.pk, c.pk, a.pk]
    assert order("-price") == [a.pk, c.pk, b.pk]
    assert order("name") == [a.pk, b.pk, c.pk]
    assert order("-name") == [c.pk, b.pk, a.pk]
    assert order("created_at") == [b.pk, c.pk, a.pk]
    assert order("-created_at") == [a.pk, c.pk, b.pk]


@pytest.mark.parametrize("value", ["stock", "-id", "description", "price;drop"])
def test_other_orderings_are_400(api_client, value):
    body = assert_problem(api_client.get("/api/v1/products", {"ordering": value}), 400)

    assert "ordering" in body["errors"]


def test_retrieve_inactive_is_404_except_for_staff(api_client, customer_client, staff_client, category):
    product = make_product(category, sku="HIDDEN", is_active=False)

    assert_problem(api_client.get(f"/api/v1/products/{product.pk}"), 404)
    assert_problem(customer_client.get(f"/api/v1/products/{product.pk}"), 404)
    body = staff_client.get(f"/api/v1/products/{product.pk}/").json()
    assert (body["sku"], body["is_active"]) == ("HIDDEN", False)


def test_retrieve_unknown_is_404(api_client):
    assert_problem(api_client.get("/api/v1/products/999999"), 404)


def test_staff_creates_a_product(staff_client, category):
    response = staff_client.post("/api/v1/products", {**VALID, "category": category.pk, "id": 77, "created_at": "x"})

    assert response.status_code == 201, response.content
    body = response.json()
    product = Product.objects.get(pk=body["id"])
    assert (product.sku, product.price, product.stock, product.category_id) == (
        "PX-1",
        Decimal("1499.50"),
        5,
        category.pk,
    )
    assert body["price"] == "1499.50"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"price": "-1"}, "price"),
        ({"price": "1.005"}, "price"),
        ({"price": "NaN"}, "price"),
        ({"price": "abc"}, "price"),
        ({"price": "1e20"}, "price"),
        ({"stock": -1}, "stock"),
        ({"stock": 1.5}, "stock"),
        ({"stock": 10**12}, "stock"),
        ({"category": 999999}, "category"),
        ({"category": "x"}, "category"),
        ({"name": ""}, "name"),
        ({"sku": "x" * 65}, "sku"),
    ],
)
def test_create_rejects_bad_input(staff_client, category, change, field):
    body = assert_problem(staff_client.post("/api/v1/products", {**VALID, "category": category.pk, **change}), 400)

    assert field in body["errors"]
    assert Product.objects.count() == 0


def test_duplicate_sku_is_400(staff_client, category):
    make_product(category, sku="PX-1")

    body = assert_problem(staff_client.post("/api/v1/products", {**VALID, "category": category.pk}), 400)

    assert "sku" in body["errors"]
    assert Product.objects.count() == 1


def test_writes_need_staff(api_client, customer_client, category):
    product = make_product(category, sku="A")

    for client, status in ((api_client, 401), (customer_client, 403)):
        assert_problem(client.post("/api/v1/products", {**VALID, "category": category.pk}), status)
        assert_problem(client.put(f"/api/v1/products/{product.pk}", {**VALID, "category": category.pk}), status)
        assert_problem(client.patch(f"/api/v1/products/{product.pk}", {"price": "1.00"}), status)
        assert_problem(client.delete(f"/api/v1/products/{product.pk}"), status)
    product.refresh_from_db()
    assert (Product.objects.count(), product.price) == (1, Decimal("100.00"))


def test_put_replaces_and_patch_changes_some_fields(staff_client, category):
    other = make_category("Other")
    product = make_product(category, sku="A", stock=3)

    put = staff_client.put(f"/api/v1/products/{product.pk}", {**VALID, "sku": "A", "category": other.pk})
    patch = staff_client.patch(f"/api/v1/products/{product.pk}", {"price": "12.30", "is_active": False})

    assert put.status_code == 200 and patch.status_code == 200
    product.refresh_from_db()
    assert (product.name, product.stock, product.category_id) == ("Phone X", 5, other.pk)
    assert (product.price, product.is_active) == (Decimal("12.30"), False)
    assert patch.json()["price"] == "12.30"


def test_update_to_a_taken_sku_is_400(staff_client, category):
    make_product(category, sku="TAKEN")
    product = make_product(category, sku="MINE")

    body = assert_problem(staff_client.patch(f"/api/v1/products/{product.pk}", {"sku": "TAKEN"}), 400)

    assert "sku" in body["errors"]
    product.refresh_from_db()
    assert product.sku == "MINE"


def test_put_needs_every_required_field(staff_client, category):
    product = make_product(category, sku="A")

    body = assert_problem(staff_client.put(f"/api/v1/products/{product.pk}", {"name": "Only"}), 400)

    assert {"sku", "price", "stock", "category"} <= set(body["errors"])


def test_delete(staff_client, category):
    product = make_product(category, sku="A")

    assert staff_client.delete(f"/api/v1/products/{product.pk}").status_code == 204
    assert not Product.objects.exists()
    assert_problem(staff_client.delete(f"/api/v1/products/{product.pk}"), 404)


def test_delete_of_an_ordered_product_is_409(staff_client, category):
    product = make_product(category, sku="SOLD")
    OrderLineFactory(order=OrderFactory(total=Decimal("100.00")), product=product)

    body = assert_problem(staff_client.delete(f"/api/v1/products/{product.pk}"), 409)

    assert "deactivate" in body["detail"]
    assert Product.objects.filter(pk=product.pk).exists()


def test_category_products_endpoint_is_the_active_subtree_with_filters(api_client, chain):
    p3 = make_product(chain[3], sku="P3", price="30.00")
    p5 = make_product(chain[5], sku="P5", price="50.00")
    make_product(chain[4], sku="OFF", is_active=False)
    make_product(chain[1], sku="ABOVE")

    assert ids(api_client.get(f"/api/v1/categories/{chain[3].pk}/products")) == [p3.pk, p5.pk]
    assert ids(api_client.get(f"/api/v1/categories/{chain[3].pk}/products/", {"ordering": "-price"})) == [p5.pk, p3.pk]
    assert ids(api_client.get(f"/api/v1/categories/{chain[3].pk}/products", {"min_price": "40"})) == [p5.pk]
    assert_problem(api_client.get("/api/v1/categories/999999/products"), 404)
    assert_problem(api_client.get(f"/api/v1/categories/{chain[3].pk}/products", {"ordering": "stock"}), 400)


def test_a_price_filter_too_large_for_a_price_is_400(api_client, category):
    make_product(category, sku="A", price="5.00")

    response = api_client.get("/api/v1/products", {"min_price": "1e400", "max_price": "1e400"})

    assert set(assert_problem(response, 400)["errors"]) == {"min_price", "max_price"}


@pytest.mark.parametrize("value", ["-1e400", "99999999999999999999999999", "0.0000000001", "1_000"])
def test_extreme_price_filters_never_fail(api_client, category, value):
    """Numbers no price equals: nothing matches, and nothing fails."""
    make_product(category, sku="A", price="5.00")

    response = api_client.get("/api/v1/products", {"min_price": value, "max_price": value})

    assert response.status_code == 200, response.content
    assert response.json()["results"] == []
