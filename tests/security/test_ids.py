"""Ids are ASCII digits within the id column's range, in every path, filter and body; else 404/400, never 500.

The path test walks every named route of the URLconf that takes an argument, so a route added later is
covered without being listed here.
"""

import pytest
from django.urls import get_resolver
from rest_framework.test import APIClient

from catalog.models import Product
from ecommerce.ids import MAX_ID, parse_id
from tests.factories import CategoryFactory, CustomerFactory, ProductFactory

OUT_OF_RANGE = ["99999999999999999999999", str(MAX_ID + 1), "1" + "0" * 400]
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def api_routes_with_arguments() -> list[tuple[str, str, list[str]]]:
    routes = []
    for name, entries in get_resolver().reverse_dict.lists():
        if not isinstance(name, str):
            continue
        for possibilities, *_ in entries:
            for template, params in possibilities:
                if params and template.startswith("api/"):
                    routes.append((name, "/" + template, params))
    return sorted({(name, template, tuple(params)) for name, template, params in routes})


ROUTES = api_routes_with_arguments()


def test_the_route_walk_finds_every_resource_with_an_id():
    names = {name for name, _, _ in ROUTES}

    assert {
        "customer-detail",
        "customer-orders",
        "product-detail",
        "category-detail",
        "category-products",
        "category-price-stats",
        "order-detail",
        "order-cancel",
    } <= names


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "delete"])
@pytest.mark.parametrize("bad", [*OUT_OF_RANGE, "٣", "1.0"])
def test_no_route_takes_a_malformed_or_out_of_range_id(staff_client, method, bad):
    answers = {}
    for _name, template, params in ROUTES:
        path = template % dict.fromkeys(params, bad)
        answers[path] = getattr(staff_client, method)(path, {}, format="json").status_code

    assert set(answers.values()) <= {404}, {path: status for path, status in answers.items() if status != 404}


@pytest.mark.django_db
def test_an_id_in_another_scripts_digits_does_not_find_the_object(staff_client):
    customer = CustomerFactory()
    product = ProductFactory(stock=3)
    buyer = APIClient()
    buyer.force_authenticate(customer.user)
    order = buyer.post("/api/v1/orders", {"items": [{"product": product.pk, "quantity": 1}]}, format="json").json()
    for path in [
        f"/api/v1/customers/{customer.pk}",
        f"/api/v1/products/{product.pk}",
        f"/api/v1/orders/{order['id']}",
        f"/api/v1/categories/{product.category_id}",
        f"/api/v1/customers/{customer.pk}/orders",
    ]:
        assert staff_client.get(path).status_code == 200, path
        for digits in (ARABIC, FULLWIDTH):
            path_in_other_digits = path.rsplit("/", 1)[0] + "/" + path.rsplit("/", 1)[1].translate(digits)
            if path.endswith("/orders"):
                head, _, tail = path.rpartition(f"/{customer.pk}/")
                path_in_other_digits = f"{head}/{str(customer.pk).translate(digits)}/{tail}"
            assert staff_client.get(path_in_other_digits).status_code == 404, path_in_other_digits


@pytest.mark.django_db
def test_the_largest_id_is_looked_up_and_not_found(staff_client):
    assert staff_client.get(f"/api/v1/customers/{MAX_ID}").status_code == 404
    assert staff_client.get(f"/api/v1/products/{MAX_ID}").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "parameter"),
    [("/api/v1/products", "category"), ("/api/v1/categories", "parent"), ("/api/v1/orders", "customer")],
)
def test_id_filters_take_only_ascii_ids_within_range(staff_client, path, parameter):
    category = CategoryFactory()
    customer = CustomerFactory()
    real = category.pk if parameter != "customer" else customer.pk

    assert staff_client.get(path, {parameter: real}).status_code == 200
    for bad in [str(real).translate(ARABIC), str(real).translate(FULLWIDTH), *OUT_OF_RANGE, "1.5", "abc"]:
        response = staff_client.get(path, {parameter: bad})
        assert response.status_code == 400, (bad, response.content)
        assert parameter in response.json()["errors"]


@pytest.mark.django_db
def test_body_ids_take_only_ascii_ids_within_range(staff_client, customer_client):
    category = CategoryFactory()
    product = ProductFactory(stock=5)
    body = {"name": "Kettle", "sku": "KET-1", "description": "", "price": "10.00", "stock": 1, "is_active": True}
    for bad in [str(category.pk).translate(ARABIC), str(category.pk).translate(FULLWIDTH), MAX_ID + 1, 10**30]:
        created = staff_client.post("/api/v1/products", {**body, "category": bad}, format="json")
        ordered = customer_client.post("/api/v1/orders", {"items": [{"product": bad, "quantity": 1}]}, format="json")
        assert created.status_code == 400 and "category" in created.json()["errors"], (bad, created.content)
        assert ordered.status_code == 400 and "items.0.product" in ordered.json()["errors"], (bad, ordered.content)
    product.refresh_from_db()
    assert product.stock == 5 and not Product.objects.filter(sku="KET-1").exists()
    assert (
        staff_client.post("/api/v1/products", {**body, "category": str(category.pk)}, format="json").status_code == 201
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7),
        ("007", 7),
        (0, 0),
        (MAX_ID, MAX_ID),
        (str(MAX_ID), MAX_ID),
        (MAX_ID + 1, None),
        (-1, None),
        ("٣", None),
        ("", None),
        (True, None),
        (1.0, None),
        ("1e3", None),
        (None, None),
    ],
)
def test_parse_id(value, expected):
    assert parse_id(value) == expected


def test_anonymous_clients_get_404_too():
    client = APIClient()

    assert client.get("/api/v1/products/99999999999999999999999").status_code == 404
