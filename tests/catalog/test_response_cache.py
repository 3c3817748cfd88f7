"""The response cache of anonymous catalog reads (catalog.api.response_cache, SPEC §5 throughput and freshness).

A hit answers with no query; what every request gets (request id, security headers, Vary, Cache-Control, ETag,
304, throttles) still comes per request; a write through the services, an order taking stock and a cancellation
giving it back are seen by the next read; nothing asked with credentials or cookies is served from it or kept.
The same with the shared Redis cache of production at the end (TEST_REDIS_URL).
"""

from __future__ import annotations

import os
import uuid
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from prometheus_client import REGISTRY
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle
from rest_framework_simplejwt.tokens import AccessToken

from catalog import services
from catalog.api.views import ProductViewSet
from catalog.models import Product
from tests.catalog.conftest import make_category, make_product

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def shop(db):
    root = make_category("Kitchen")
    leaf = make_category("Kettles", root)
    kettle = make_product(leaf, sku="KET-1", price="25.00", stock=5)
    make_product(leaf, sku="KET-2", price="30.00", stock=7)
    hidden = make_product(leaf, sku="KET-OLD", price="5.00", stock=1, is_active=False)
    return {"root": root, "leaf": leaf, "kettle": kettle, "hidden": hidden}


def paths(shop) -> list[str]:
    leaf, kettle = shop["leaf"], shop["kettle"]
    return [
        "/api/v1/products",
        "/api/v1/products?ordering=-price&page_size=1",
        f"/api/v1/products?category={leaf.pk}&in_stock=true",
        f"/api/v1/products/{kettle.pk}",
        "/api/v1/categories",
        f"/api/v1/categories/{leaf.pk}",
        "/api/v1/categories/tree",
        f"/api/v1/categories/{leaf.pk}/products",
        f"/api/v1/categories/{shop['root'].pk}/price-stats",
    ]


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {AccessToken.for_user(user)}"}


def lookups(view: str, result: str) -> float:
    return REGISTRY.get_sample_value("ecommerce_api_response_cache_total", {"view": view, "result": result}) or 0.0


@pytest.mark.parametrize("index", range(9))
def test_the_second_anonymous_read_is_answered_from_the_cache_without_a_query(shop, index, django_assert_num_queries):
    path = paths(shop)[index]
    first = Client().get(path)
    assert first.status_code == 200, first.content

    with django_assert_num_queries(0):
        again = Client().get(path)

    assert again.status_code == 200
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"] == "application/json"
    assert again["ETag"] == first["ETag"]


def test_a_hit_still_gets_everything_each_request_gets(shop):
    path = f"/api/v1/products/{shop['kettle'].pk}"
    miss = Client().get(path)
    hits_before = lookups("product-detail", "hit")

    hit = Client().get(path, HTTP_X_REQUEST_ID="caller-chosen-id")
    other_hit = Client().get(path)

    assert lookups("product-detail", "hit") == hits_before + 2
    assert hit["X-Request-ID"] == "caller-chosen-id"
    assert len({miss["X-Request-ID"], hit["X-Request-ID"], other_hit["X-Request-ID"]}) == 3
    for response in (miss, hit):
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert {part.strip() for part in response["Vary"].split(",")} >= {"Accept", "Authorization", "Cookie"}
        assert response["Cache-Control"] == "public, no-cache"
        assert response["Content-Length"] == str(len(response.content))
        assert not response.cookies


def test_a_hit_answers_304_to_a_client_holding_its_etag(shop):
    path = f"/api/v1/products/{shop['kettle'].pk}"
    etag = Client().get(path)["ETag"]
    Client().get(path)  # now certainly stored

    not_modified = Client().get(path, HTTP_IF_NONE_MATCH=etag)
    changed = Client().get(path, HTTP_IF_NONE_MATCH='"something-else"')

    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified["ETag"] == etag and not_modified.has_header("X-Request-ID")
    assert changed.status_code == 200 and changed["ETag"] == etag


def test_the_etag_is_the_one_django_computes_from_the_body(shop, settings):
    path = f"/api/v1/products/{shop['kettle'].pk}"
    cached = Client().get(path)
    settings.API_RESPONSE_CACHE_SECONDS = 0

    computed = Client().get(path)

    assert computed.content == cached.content and computed["ETag"] == cached["ETag"]


def test_a_product_write_through_the_services_is_seen_by_the_next_read(shop):
    kettle = shop["kettle"]
    for path in (f"/api/v1/products/{kettle.pk}", "/api/v1/products"):
        Client().get(path)
    stats_path = f"/api/v1/categories/{shop['root'].pk}/price-stats"
    assert Client().get(stats_path).json()["max_price"] == "30.00"

    services.product_update(product=kettle, price=Decimal("99.00"))

    assert Client().get(f"/api/v1/products/{kettle.pk}").json()["price"] == "99.00"
    listed = {row["id"]: row["price"] for row in Client().get("/api/v1/products").json()["results"]}
    assert listed[kettle.pk] == "99.00"
    assert Client().get(stats_path).json()["max_price"] == "99.00"


def test_a_deactivated_product_leaves_the_cached_answers(shop):
    kettle = shop["kettle"]
    assert Client().get(f"/api/v1/products/{kettle.pk}").status_code == 200
    assert kettle.pk in [row["id"] for row in Client().get("/api/v1/products").json()["results"]]

    services.product_update(product=kettle, is_active=False)

    assert Client().get(f"/api/v1/products/{kettle.pk}").status_code == 404
    assert kettle.pk not in [row["id"] for row in Client().get("/api/v1/products").json()["results"]]


def test_a_category_write_is_seen_by_the_next_read_of_the_tree_and_the_list(shop):
    assert len(Client().get("/api/v1/categories").json()["results"]) == 2
    Client().get("/api/v1/categories/tree")

    services.category_create(name="Teapots", parent=shop["root"])

    assert len(Client().get("/api/v1/categories").json()["results"]) == 3
    children = Client().get("/api/v1/categories/tree").json()[0]["children"]
    assert sorted(child["name"] for child in children) == ["Kettles", "Teapots"]


def test_a_save_outside_the_services_is_seen_too(shop):
    kettle = shop["kettle"]
    Client().get(f"/api/v1/products/{kettle.pk}")
    kettle.name = "Renamed in a shell"
    kettle.save()

    assert Client().get(f"/api/v1/products/{kettle.pk}").json()["name"] == "Renamed in a shell"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs a write's after-commit callbacks as its commit would (the test's own transaction never commits)."""

    def run(write):
        with django_capture_on_commit_callbacks(execute=True):
            return write()

    return run


def place(customer, product, quantity: int = 2):
    response = Client().post(
        "/api/v1/orders",
        {"items": [{"product": product.pk, "quantity": quantity}]},
        content_type="application/json",
        **bearer(customer.user),
    )
    assert response.status_code == 201, response.content
    return response.json()


def listed_stock(path: str, product: Product) -> int:
    return {row["id"]: row["stock"] for row in Client().get(path).json()["results"]}[product.pk]


def test_an_order_taking_stock_is_seen_by_the_next_read_of_the_product_and_the_lists(
    shop, customer, committed, django_assert_num_queries
):
    kettle, other = shop["kettle"], Product.objects.get(sku="KET-2")
    leaf_products = f"/api/v1/categories/{shop['leaf'].pk}/products"
    stats_path = f"/api/v1/categories/{shop['root'].pk}/price-stats"
    for path in (f"/api/v1/products/{kettle.pk}", f"/api/v1/products/{other.pk}", stats_path):
        Client().get(path)
    assert listed_stock("/api/v1/products", kettle) == 5
    assert listed_stock(leaf_products, kettle) == 5

    committed(lambda: place(customer, kettle, quantity=2))

    assert Client().get(f"/api/v1/products/{kettle.pk}").json()["stock"] == 3
    assert listed_stock("/api/v1/products", kettle) == 3
    assert listed_stock(leaf_products, kettle) == 3
    # What does not show this product's stock is still answered from the cache.
    with django_assert_num_queries(0):
        assert Client().get(f"/api/v1/products/{other.pk}").json()["stock"] == 7
        assert Client().get(stats_path).json()["product_count"] == 2


def test_an_order_that_empties_a_product_changes_the_in_stock_list(shop, customer, committed):
    kettle = shop["kettle"]
    in_stock = "/api/v1/products?in_stock=true"
    assert kettle.pk in [row["id"] for row in Client().get(in_stock).json()["results"]]

    committed(lambda: place(customer, kettle, quantity=5))

    assert kettle.pk not in [row["id"] for row in Client().get(in_stock).json()["results"]]


def test_a_cancelled_order_giving_stock_back_is_seen_by_the_next_read(shop, customer, committed):
    kettle = shop["kettle"]
    order = committed(lambda: place(customer, kettle, quantity=4))
    assert Client().get(f"/api/v1/products/{kettle.pk}").json()["stock"] == 1
    assert listed_stock("/api/v1/products", kettle) == 1

    cancelled = committed(lambda: Client().post(f"/api/v1/orders/{order['id']}/cancel", **bearer(customer.user)))
    assert cancelled.status_code == 200, cancelled.content

    assert Client().get(f"/api/v1/products/{kettle.pk}").json()["stock"] == 5
    assert listed_stock("/api/v1/products", kettle) == 5


def test_a_staff_stock_edit_is_seen_by_the_next_read(shop, committed):
    kettle = shop["kettle"]
    Client().get(f"/api/v1/products/{kettle.pk}")
    listed_stock("/api/v1/products", kettle)

    committed(lambda: services.product_update(product=kettle, stock=42))

    assert Client().get(f"/api/v1/products/{kettle.pk}").json()["stock"] == 42
    assert listed_stock("/api/v1/products", kettle) == 42


def test_staff_never_get_the_anonymous_answer_nor_leave_theirs(shop, staff_user):
    hidden = shop["hidden"]
    anonymous_list = Client().get("/api/v1/products?page_size=100").json()
    assert Client().get(f"/api/v1/products/{hidden.pk}").status_code == 404
    assert hidden.pk not in [row["id"] for row in anonymous_list["results"]]

    staff_list = Client().get("/api/v1/products?page_size=100&is_active=false", **bearer(staff_user))
    staff_detail = Client().get(f"/api/v1/products/{hidden.pk}", **bearer(staff_user))
    session = Client()
    session.force_login(staff_user)
    session_detail = session.get(f"/api/v1/products/{hidden.pk}")

    assert staff_detail.status_code == 200 and staff_detail.json()["is_active"] is False
    assert session_detail.status_code == 200
    assert hidden.pk in [row["id"] for row in staff_list.json()["results"]]
    for response in (staff_list, staff_detail, session_detail):
        assert response["Cache-Control"] == "private, no-store"
    # ...and what staff saw was not kept for anybody else.
    assert Client().get(f"/api/v1/products/{hidden.pk}").status_code == 404
    assert Client().get("/api/v1/products?page_size=100&is_active=false").json() == anonymous_list


def test_a_customers_catalog_read_is_neither_served_from_the_cache_nor_kept(shop, customer, settings):
    path = f"/api/v1/products/{shop['kettle'].pk}"
    Client().get(path)
    misses = lookups("product-detail", "miss")
    hits = lookups("product-detail", "hit")

    signed_in = Client().get(path, **bearer(customer.user))
    with_a_cookie = Client(HTTP_COOKIE="theme=dark").get(path)

    assert signed_in.status_code == 200 and signed_in["Cache-Control"] == "private, no-store"
    assert with_a_cookie.status_code == 200
    assert (lookups("product-detail", "hit"), lookups("product-detail", "miss")) == (hits, misses)


def test_a_forged_token_is_refused_not_answered_from_the_cache(shop):
    path = f"/api/v1/products/{shop['kettle'].pk}"
    Client().get(path)

    response = Client().get(path, HTTP_AUTHORIZATION="Bearer not-a-token")

    assert response.status_code == 401


def test_the_browsable_api_is_rendered_each_time(shop):
    path = f"/api/v1/products/{shop['kettle'].pk}"
    Client().get(path)

    html = Client().get(path, HTTP_ACCEPT="text/html")

    assert html.status_code == 200 and html["Content-Type"].startswith("text/html")


def test_json_with_or_without_accept_shares_one_entry(shop, django_assert_num_queries):
    path = f"/api/v1/products/{shop['kettle'].pk}"
    Client().get(path, HTTP_ACCEPT="application/json")

    with django_assert_num_queries(0):
        assert Client().get(path).status_code == 200
        assert Client().get(path, HTTP_ACCEPT="*/*").status_code == 200


def test_each_host_gets_its_own_links(shop):
    path = "/api/v1/products?page_size=1"
    local = Client().get(path, HTTP_HOST="localhost").json()
    loopback = Client().get(path, HTTP_HOST="127.0.0.1").json()

    assert local["next"].startswith("http://localhost/")
    assert loopback["next"].startswith("http://127.0.0.1/")


def test_head_and_errors_are_not_kept(shop, django_assert_num_queries):
    missing = "/api/v1/products/999999"
    assert Client().get(missing).status_code == 404
    bad = "/api/v1/products?min_price=cheap"
    assert Client().get(bad).status_code == 400

    with django_assert_num_queries(1):
        assert Client().get(missing).status_code == 404
    assert Client().get(bad).status_code == 400
    assert Client().head(f"/api/v1/products/{shop['kettle'].pk}").status_code == 200


def test_the_setting_zero_turns_it_off(shop, settings, django_assert_num_queries):
    settings.API_RESPONSE_CACHE_SECONDS = 0
    path = f"/api/v1/products/{shop['kettle'].pk}"
    Client().get(path)

    with django_assert_num_queries(1):
        assert Client().get(path).status_code == 200


def test_the_views_throttle_still_counts_every_hit(shop, monkeypatch):
    monkeypatch.setattr(ProductViewSet, "throttle_classes", [AnonRateThrottle])
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "anon": "3/min"})
    path = f"/api/v1/products/{shop['kettle'].pk}"

    answers = [Client(REMOTE_ADDR="10.9.8.7").get(path) for _ in range(4)]
    elsewhere = Client(REMOTE_ADDR="10.9.8.8").get(path)

    assert [response.status_code for response in answers] == [200, 200, 200, 429]
    assert answers[3]["Content-Type"] == "application/problem+json" and int(answers[3]["Retry-After"]) > 0
    assert elsewhere.status_code == 200


@pytest.fixture
def redis_cache(settings):
    """The shared cache of production: Redis (TEST_REDIS_URL), under a key prefix of this test's own."""
    prefix = f"test-response-cache-{uuid.uuid4().hex}"
    backend = "ecommerce.cache.RedisCache"
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": REDIS_URL, "KEY_PREFIX": prefix}}
    try:
        cache.get("ping")
    except Exception as error:  # any connection error: no Redis there
        pytest.fail(f"no Redis at {REDIS_URL} ({error}): start one (`.ci/run` does)")
    yield
    import redis

    store = redis.Redis.from_url(REDIS_URL)
    keys = list(store.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        store.delete(*keys)


def test_with_redis_hits_invalidation_and_stock(shop, customer, redis_cache, committed, django_assert_num_queries):
    kettle = shop["kettle"]
    path = f"/api/v1/products/{kettle.pk}"
    first = Client().get(path)
    with django_assert_num_queries(0):
        hit = Client().get(path)
    assert hit.content == first.content and hit["ETag"] == first["ETag"]
    assert Client().get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert listed_stock("/api/v1/products", kettle) == 5

    committed(lambda: place(customer, kettle, quantity=1))
    assert Client().get(path).json()["stock"] == 4
    assert listed_stock("/api/v1/products", kettle) == 4

    services.product_update(product=kettle, name="Whistling kettle")
    assert Client().get(path).json()["name"] == "Whistling kettle"


@pytest.mark.parametrize("slash", ["", "/"])
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/products",
        "/api/v1/products/12",
        "/api/v1/categories",
        "/api/v1/categories/tree",
        "/api/v1/categories/3",
        "/api/v1/categories/3/products",
        "/api/v1/categories/3/price-stats",
    ],
)
def test_the_cached_paths_are_the_url_confs_catalog_reads(path, slash):
    from django.urls import resolve

    from catalog.api.response_cache import CACHED_VIEWS, cached_view

    found = cached_view(path + slash)

    assert found is not None
    assert found[0] == resolve(path + slash).url_name
    assert found[0] in CACHED_VIEWS
    assert found[1] == (resolve(path + slash).kwargs.get("pk"))


@pytest.mark.parametrize(
    "path", ["/api/v1/products/x", "/api/v1/products/1/more", "/api/v1/categories/tree/1", "/api/v1/orders"]
)
def test_other_paths_are_not_cached_reads(path):
    from catalog.api.response_cache import cached_view

    assert cached_view(path) is None


def test_a_list_with_a_cached_count_is_kept_no_longer_than_that_count(shop, settings, django_assert_num_queries):
    settings.API_COUNT_CACHE_MIN_ROWS = 1  # every count here comes from the count cache
    settings.API_COUNT_CACHE_SECONDS = 1  # ...and is due for a recount within the second: nothing is kept
    # A price range: its count comes from the count cache (an unfiltered one from the catalog summary).
    Client().get("/api/v1/products?min_price=0")
    with django_assert_num_queries(1):  # the page; the count from its cache
        assert Client().get("/api/v1/products?min_price=0").json()["count"] == 2

    settings.API_COUNT_CACHE_SECONDS = 600  # a count good for ten minutes: the answer is kept
    cache.clear()
    Client().get("/api/v1/products?min_price=0&page_size=5")
    with django_assert_num_queries(0):
        assert Client().get("/api/v1/products?min_price=0&page_size=5").json()["count"] == 2


@pytest.mark.replicas
@pytest.mark.django_db(transaction=True, databases=["default", "replica1"])
def test_an_answer_read_from_a_replica_is_kept_no_longer_than_the_replicas_lag(settings):
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    product = make_product(make_category("Kitchen"), sku="REP-1")
    path = f"/api/v1/products/{product.pk}"
    settings.DATABASE_REPLICA_LAG_SECONDS = 0  # nothing read from a replica may be kept
    Client().get(path)
    with CaptureQueriesContext(connections["replica1"]) as replica:
        assert Client().get(path).status_code == 200
    assert replica.captured_queries, "the answer read from the replica was kept"

    settings.DATABASE_REPLICA_LAG_SECONDS = 5
    Client().get(f"{path}?again")
    with CaptureQueriesContext(connections["replica1"]) as replica:
        assert Client().get(f"{path}?again").status_code == 200
    assert not replica.captured_queries
