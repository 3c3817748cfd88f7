"""The catalog's back office: subtree filter and counts, stock filter, bulk activation, inline price/stock edits."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Category, Product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

PRODUCTS = reverse("admin:catalog_product_changelist")


def listed_skus(response) -> set[str]:
    return {product.sku for product in response.context["cl"].result_list}


def test_category_filter_includes_every_descendant_and_nothing_else(admin_site_client, tree):
    ProductFactory(sku="ANDROID-1", category=tree["android"])
    ProductFactory(sku="PHONE-1", category=tree["phones"])
    ProductFactory(sku="LAPTOP-1", category=tree["laptops"])
    ProductFactory(sku="BOOK-1", category=tree["books"])

    by_phones = admin_site_client.get(PRODUCTS, {"category": tree["phones"].pk})
    by_electronics = admin_site_client.get(PRODUCTS, {"category": tree["electronics"].pk})
    by_books = admin_site_client.get(PRODUCTS, {"category": tree["books"].pk})

    assert listed_skus(by_phones) == {"ANDROID-1", "PHONE-1"}
    assert listed_skus(by_electronics) == {"ANDROID-1", "PHONE-1", "LAPTOP-1"}
    assert listed_skus(by_books) == {"BOOK-1"}


def test_category_filter_with_an_unknown_or_malformed_id_lists_nothing_and_does_not_fail(admin_site_client, tree):
    ProductFactory(category=tree["books"])

    unknown = admin_site_client.get(PRODUCTS, {"category": 999999})
    malformed = admin_site_client.get(PRODUCTS, {"category": "abc"})

    assert unknown.status_code == malformed.status_code == 200
    assert listed_skus(unknown) == listed_skus(malformed) == set()


def test_stock_and_active_filters(admin_site_client, tree):
    ProductFactory(sku="EMPTY", stock=0, category=tree["books"])
    ProductFactory(sku="STOCKED", stock=3, category=tree["books"])
    ProductFactory(sku="HIDDEN", stock=3, is_active=False, category=tree["books"])

    out = admin_site_client.get(PRODUCTS, {"stock": "out"})
    active_in_stock = admin_site_client.get(PRODUCTS, {"stock": "in", "is_active__exact": "1"})

    assert listed_skus(out) == {"EMPTY"}
    assert listed_skus(active_in_stock) == {"STOCKED"}


def test_search_by_sku_name_and_description(admin_site_client, tree):
    ProductFactory(sku="ABC-1", name="Kettle", description="boils water", category=tree["books"])
    ProductFactory(sku="XYZ-2", name="Toaster", description="browns bread", category=tree["books"])

    assert listed_skus(admin_site_client.get(PRODUCTS, {"q": "abc-1"})) == {"ABC-1"}
    assert listed_skus(admin_site_client.get(PRODUCTS, {"q": "toast"})) == {"XYZ-2"}
    assert listed_skus(admin_site_client.get(PRODUCTS, {"q": "bread"})) == {"XYZ-2"}


def test_category_tree_shows_product_counts_over_each_subtree(admin_site_client, tree):
    ProductFactory.create_batch(2, category=tree["android"])
    ProductFactory(category=tree["phones"])
    ProductFactory(category=tree["laptops"], is_active=False)

    response = admin_site_client.get(reverse("admin:catalog_category_changelist"))

    counts = {category.name: category.subtree_product_total for category in response.context["cl"].result_list}
    assert counts == {"Electronics": 4, "Phones": 3, "Android": 2, "Laptops": 1, "Books": 0}


def test_bulk_deactivate_and_activate(admin_site_client, tree):
    first, second = ProductFactory.create_batch(2, category=tree["books"])
    untouched = ProductFactory(category=tree["books"])

    response = admin_site_client.post(
        PRODUCTS, {"action": "deactivate", "_selected_action": [first.pk, second.pk]}, follow=True
    )

    assert response.status_code == 200
    assert "2 product(s) deactivated." in [str(message) for message in response.context["messages"]]
    assert list(Product.objects.filter(is_active=False).order_by("pk")) == [first, second]
    untouched.refresh_from_db()
    assert untouched.is_active

    admin_site_client.post(PRODUCTS, {"action": "activate", "_selected_action": [first.pk]})

    assert list(Product.objects.filter(is_active=False)) == [second]


def changelist_formset_data(products, **changes) -> dict:
    data = {
        "form-TOTAL_FORMS": str(len(products)),
        "form-INITIAL_FORMS": str(len(products)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for index, product in enumerate(products):
        data[f"form-{index}-id"] = str(product.pk)
        data[f"form-{index}-price"] = str(changes.get(f"{index}-price", product.price))
        data[f"form-{index}-stock"] = str(changes.get(f"{index}-stock", product.stock))
    return data


def test_price_and_stock_are_editable_in_the_list(admin_site_client, tree):
    product = ProductFactory(category=tree["books"], price=Decimal("10.00"), stock=1)

    response = admin_site_client.post(
        PRODUCTS, changelist_formset_data([product], **{"0-price": "12.34", "0-stock": "7"})
    )

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.price, product.stock) == (Decimal("12.34"), 7)


@pytest.mark.parametrize(("price", "stock"), [("-1.00", "1"), ("1.001", "1"), ("1.00", "-3"), ("abc", "x")])
def test_invalid_inline_edits_are_refused_and_change_nothing(admin_site_client, tree, price, stock):
    product = ProductFactory(category=tree["books"], price=Decimal("10.00"), stock=1)

    response = admin_site_client.post(
        PRODUCTS, changelist_formset_data([product], **{"0-price": price, "0-stock": stock})
    )

    assert response.status_code == 200
    assert response.context["cl"].formset.errors
    product.refresh_from_db()
    assert (product.price, product.stock) == (Decimal("10.00"), 1)


# --- writes go through catalog.services (the tree lock, derived slugs, protected deletes) ---

CATEGORIES = reverse("admin:catalog_category_changelist")


def test_adding_a_category_derives_its_slug_under_the_tree_lock(admin_site_client, tree):
    response = admin_site_client.post(
        reverse("admin:catalog_category_add"), {"name": "Feature Phones", "parent": tree["phones"].pk}
    )

    assert response.status_code == 302
    created = Category.objects.get(name="Feature Phones")
    assert (created.slug, created.parent_id, created.level) == ("feature-phones", tree["phones"].pk, 2)


def test_a_sibling_with_the_same_name_is_a_form_error(admin_site_client, tree):
    response = admin_site_client.post(
        reverse("admin:catalog_category_add"), {"name": "android", "parent": tree["phones"].pk}
    )

    assert response.status_code == 200
    assert "already exists" in str(response.context["adminform"].form.errors["name"])
    assert Category.objects.filter(name__iexact="android").count() == 1


def test_a_category_cannot_be_moved_under_its_own_descendant(admin_site_client, tree):
    response = admin_site_client.post(
        reverse("admin:catalog_category_change", args=[tree["electronics"].pk]),
        {"name": "Electronics", "parent": tree["android"].pk},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["parent"]
    tree["electronics"].refresh_from_db()
    assert tree["electronics"].parent_id is None


def move(client, category, target, position):
    return client.post(
        CATEGORIES, {"cmd": "move_node", "cut_item": category.pk, "pasted_on": target.pk, "position": position}
    )


def test_drag_and_drop_moves_a_whole_subtree(admin_site_client, tree):
    ProductFactory(category=tree["android"])

    inside = move(admin_site_client, tree["phones"], tree["books"], "last-child")
    tree["android"].refresh_from_db()
    beside = move(admin_site_client, tree["laptops"], tree["books"], "right")
    tree["laptops"].refresh_from_db()

    assert inside.content == b"OK, moved."
    assert Category.objects.get(pk=tree["phones"].pk).parent_id == tree["books"].pk
    assert (tree["android"].level, tree["android"].tree_id) == (2, tree["books"].tree_id)
    assert beside.content == b"OK, moved."
    assert (tree["laptops"].parent_id, tree["laptops"].level) == (None, 0)
    counts = admin_site_client.get(CATEGORIES).context["cl"].result_list
    assert {c.name: c.subtree_product_total for c in counts}["Books"] == 1


def test_drag_and_drop_into_its_own_subtree_is_refused(admin_site_client, tree):
    response = move(admin_site_client, tree["electronics"], tree["android"], "last-child")

    assert response.content == b"FAIL, invalid move."
    tree["electronics"].refresh_from_db()
    assert tree["electronics"].parent_id is None
    messages = [str(m) for m in admin_site_client.get(CATEGORIES).context["messages"]]
    assert any("descendants" in message for message in messages)


def test_deleting_a_subtree_without_products(admin_site_client, tree):
    response = admin_site_client.post(
        CATEGORIES,
        {"action": "delete_selected", "post": "yes", "_selected_action": [tree["electronics"].pk, tree["phones"].pk]},
    )

    assert response.status_code == 302
    assert set(Category.objects.values_list("name", flat=True)) == {"Books"}


def test_a_category_with_products_in_its_subtree_is_not_deleted(admin_site_client, tree):
    ProductFactory(category=tree["android"])

    response = admin_site_client.post(
        CATEGORIES, {"action": "delete_selected", "post": "yes", "_selected_action": [tree["electronics"].pk]}
    )

    assert response.status_code == 200  # Django's "cannot delete: protected objects" page
    assert Category.objects.count() == 5


def test_adding_a_product_through_the_admin(admin_site_client, tree):
    response = admin_site_client.post(
        reverse("admin:catalog_product_add"),
        {
            "sku": "KETTLE-1",
            "name": "Kettle",
            "description": "",
            "category": tree["books"].pk,
            "is_active": "on",
            "price": "1499.00",
            "stock": "4",
        },
    )

    assert response.status_code == 302
    product = Product.objects.get(sku="KETTLE-1")
    assert (product.price, product.stock, product.category_id) == (Decimal("1499.00"), 4, tree["books"].pk)
    assert response["Location"] == reverse("admin:catalog_product_changelist")


def test_a_duplicate_sku_is_a_form_error(admin_site_client, tree):
    ProductFactory(sku="DUP-1", category=tree["books"])

    response = admin_site_client.post(
        reverse("admin:catalog_product_add"),
        {"sku": "DUP-1", "name": "Other", "category": tree["books"].pk, "price": "1.00", "stock": "1"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["sku"]
    assert Product.objects.filter(sku="DUP-1").count() == 1


def test_renaming_and_moving_a_category_from_its_page(admin_site_client, tree):
    slug = tree["laptops"].slug

    response = admin_site_client.post(
        reverse("admin:catalog_category_change", args=[tree["laptops"].pk]),
        {"name": "Notebooks", "parent": tree["books"].pk},
    )

    assert response.status_code == 302
    tree["laptops"].refresh_from_db()
    assert (tree["laptops"].name, tree["laptops"].slug) == ("Notebooks", slug)
    assert (tree["laptops"].parent_id, tree["laptops"].level) == (tree["books"].pk, 1)


def test_deleting_a_category_from_its_page(admin_site_client, tree):
    response = admin_site_client.post(
        reverse("admin:catalog_category_delete", args=[tree["laptops"].pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Category.objects.filter(pk=tree["laptops"].pk).exists()
    tree["electronics"].refresh_from_db()
    assert tree["electronics"].get_descendant_count() == 2


@pytest.mark.parametrize(
    ("cut", "pasted", "position", "answer"),
    [
        ("999999", "books", "last-child", b"FAIL, invalid objects."),
        ("phones", "abc", "last-child", b"FAIL, invalid objects."),
        ("phones", "books", "sideways", b"FAIL, unknown instruction."),
    ],
)
def test_malformed_drag_and_drop_requests_change_nothing(admin_site_client, tree, cut, pasted, position, answer):
    data = {
        "cmd": "move_node",
        "cut_item": tree[cut].pk if cut in tree else cut,
        "pasted_on": tree[pasted].pk if pasted in tree else pasted,
        "position": position,
    }

    response = admin_site_client.post(CATEGORIES, data)

    assert response.content == answer
    tree["phones"].refresh_from_db()
    assert tree["phones"].parent_id == tree["electronics"].pk


def test_staff_who_may_only_view_categories_cannot_drag_them(client, tree):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_category"))
    client.force_login(viewer)

    response = move(client, tree["phones"], tree["books"], "last-child")

    assert response.content == b"FAIL, no permission."
    tree["phones"].refresh_from_db()
    assert tree["phones"].parent_id == tree["electronics"].pk


def test_deleting_products_from_the_admin(admin_site_client, tree):
    one, two, three = ProductFactory.create_batch(3, category=tree["books"])

    single = admin_site_client.post(reverse("admin:catalog_product_delete", args=[one.pk]), {"post": "yes"})
    bulk = admin_site_client.post(
        PRODUCTS, {"action": "delete_selected", "post": "yes", "_selected_action": [two.pk, three.pk]}
    )

    assert single.status_code == bulk.status_code == 302
    assert not Product.objects.exists()
