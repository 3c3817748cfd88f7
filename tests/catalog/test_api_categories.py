"""SPEC §4.3: the category endpoints."""

import pytest

from catalog.models import Category
from catalog.selectors import category_tree_problems
from tests.catalog.conftest import make_category, make_product
from tests.conftest import assert_problem

pytestmark = pytest.mark.django_db


def test_list_is_flat_paginated_in_tree_order(api_client):
    electronics = make_category("Electronics")
    phones = make_category("Phones", electronics)
    make_category("Books")

    response = api_client.get("/api/v1/categories")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [c["name"] for c in body["results"]] == ["Books", "Electronics", "Phones"]
    assert body["results"][2] == {
        "id": phones.pk,
        "name": "Phones",
        "slug": "phones",
        "parent": electronics.pk,
        "level": 1,
    }


def test_list_answers_with_a_trailing_slash_too(api_client):
    make_category("Books")

    response = api_client.get("/api/v1/categories/")

    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_parent_filter_children_and_roots(api_client):
    root = make_category("Root")
    child = make_category("Child", root)
    make_category("Grandchild", child)
    other_root = make_category("Other")

    children = api_client.get("/api/v1/categories", {"parent": root.pk}).json()
    roots = api_client.get("/api/v1/categories", {"parent": "null"}).json()

    assert [c["id"] for c in children["results"]] == [child.pk]
    assert [c["id"] for c in roots["results"]] == [other_root.pk, root.pk]


def test_parent_filter_rejects_unknown_ids(api_client):
    body = assert_problem(api_client.get("/api/v1/categories", {"parent": 999999}), 400)

    assert "parent" in body["errors"]


def test_tree_is_nested(api_client, chain):
    make_category("Second root")

    response = api_client.get("/api/v1/categories/tree")

    assert response.status_code == 200
    roots = response.json()
    assert [r["name"] for r in roots] == ["L0", "Second root"]
    node, depth = roots[0], 0
    while node["children"]:
        assert node["level"] == depth
        assert len(node["children"]) == 1
        assert node["children"][0]["parent"] == node["id"]
        node, depth = node["children"][0], depth + 1
    assert (node["name"], depth) == ("L5", 5)


def test_retrieve_and_404(api_client, chain):
    assert api_client.get(f"/api/v1/categories/{chain[3].pk}").json()["level"] == 3
    assert_problem(api_client.get("/api/v1/categories/999999"), 404)
    assert_problem(api_client.get("/api/v1/categories/abc"), 404)


def test_staff_creates_a_category_with_a_derived_slug(staff_client):
    parent = make_category("Home")

    response = staff_client.post("/api/v1/categories", {"name": "Garden & Patio", "parent": parent.pk, "slug": "x"})

    assert response.status_code == 201
    body = response.json()
    assert body["slug"] == "garden-patio"
    assert body["parent"] == parent.pk
    assert body["level"] == 1
    assert Category.objects.get(pk=body["id"]).get_ancestors().get() == parent
    assert category_tree_problems() == []


def test_slug_is_unique_among_siblings_but_may_repeat_elsewhere(staff_client):
    a = make_category("A")
    b = make_category("B")

    first = staff_client.post("/api/v1/categories", {"name": "C++", "parent": a.pk}).json()
    second = staff_client.post("/api/v1/categories", {"name": "C", "parent": a.pk}).json()
    elsewhere = staff_client.post("/api/v1/categories", {"name": "C", "parent": b.pk}).json()
    root = staff_client.post("/api/v1/categories", {"name": "C"}).json()
    root_again = staff_client.post("/api/v1/categories", {"name": "C!"}).json()

    assert (first["slug"], second["slug"], elsewhere["slug"]) == ("c", "c-2", "c")
    assert (root["slug"], root_again["slug"]) == ("c", "c-2")


def test_a_sibling_with_the_same_name_is_400(staff_client):
    make_category("Phones")

    body = assert_problem(staff_client.post("/api/v1/categories", {"name": "phones"}), 400)

    assert "name" in body["errors"]
    assert Category.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [({}, "name"), ({"name": ""}, "name"), ({"name": "x" * 201}, "name"), ({"name": "X", "parent": 999999}, "parent")],
)
def test_create_rejects_bad_input(staff_client, payload, field):
    body = assert_problem(staff_client.post("/api/v1/categories", payload), 400)

    assert field in body["errors"]
    assert Category.objects.count() == 0


def test_writes_need_staff(api_client, customer_client):
    category = make_category("Books")

    for client, status in ((api_client, 401), (customer_client, 403)):
        assert_problem(client.post("/api/v1/categories", {"name": "X"}), status)
        assert_problem(client.patch(f"/api/v1/categories/{category.pk}", {"name": "X"}), status)
        assert_problem(client.delete(f"/api/v1/categories/{category.pk}"), status)
    assert api_client.post("/api/v1/categories", {"name": "X"})["WWW-Authenticate"].startswith("Bearer")
    assert list(Category.objects.values_list("name", flat=True)) == ["Books"]


def test_put_is_not_allowed(staff_client):
    category = make_category("Books")

    assert_problem(staff_client.put(f"/api/v1/categories/{category.pk}", {"name": "X"}), 405)


def test_move_takes_the_subtree_along(staff_client, chain):
    target = make_category("Target")

    response = staff_client.patch(f"/api/v1/categories/{chain[2].pk}", {"parent": target.pk})

    assert response.status_code == 200
    assert response.json()["level"] == 1
    moved = Category.objects.get(pk=chain[5].pk)
    assert moved.level == 4
    assert [a.name for a in moved.get_ancestors()] == ["Target", "L2", "L3", "L4"]
    assert Category.objects.get(pk=chain[1].pk).get_descendant_count() == 0
    assert category_tree_problems() == []


def test_move_to_root_and_rename(staff_client, chain):
    response = staff_client.patch(f"/api/v1/categories/{chain[3].pk}", {"parent": None, "name": "Top"})

    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["parent"], body["level"]) == ("Top", None, 0)
    assert Category.objects.get(pk=chain[5].pk).level == 2
    assert category_tree_problems() == []


@pytest.mark.parametrize("target_index", [2, 4, 5])
def test_move_under_itself_or_a_descendant_is_400(staff_client, chain, target_index):
    before = list(Category.objects.order_by("pk").values_list("pk", "parent_id", "lft", "rght", "level"))

    body = assert_problem(
        staff_client.patch(f"/api/v1/categories/{chain[2].pk}", {"parent": chain[target_index].pk}), 400
    )

    assert "parent" in body["errors"]
    assert list(Category.objects.order_by("pk").values_list("pk", "parent_id", "lft", "rght", "level")) == before


def test_move_next_to_a_sibling_of_the_same_name_is_400(staff_client):
    a, b = make_category("A"), make_category("B")
    make_category("Shoes", a)
    shoes_b = make_category("Shoes", b)

    body = assert_problem(staff_client.patch(f"/api/v1/categories/{shoes_b.pk}", {"parent": a.pk}), 400)

    assert "name" in body["errors"]
    assert Category.objects.get(pk=shoes_b.pk).parent_id == b.pk


def test_delete_removes_an_empty_subtree(staff_client, chain):
    response = staff_client.delete(f"/api/v1/categories/{chain[2].pk}")

    assert response.status_code == 204
    assert list(Category.objects.order_by("level").values_list("name", flat=True)) == ["L0", "L1"]
    assert category_tree_problems() == []


@pytest.mark.parametrize("is_active", [True, False])
def test_delete_with_products_deep_in_the_subtree_is_409(staff_client, chain, is_active):
    make_product(chain[5], sku="DEEP", is_active=is_active)

    body = assert_problem(staff_client.delete(f"/api/v1/categories/{chain[1].pk}"), 409)

    assert body["type"].endswith("category-has-products")
    assert Category.objects.count() == 6


def test_delete_unknown_is_404(staff_client):
    assert_problem(staff_client.delete("/api/v1/categories/999999"), 404)
