"""Every HTML page loads nothing from another origin and breaks none of its Content-Security-Policy (SPEC §4.7, §6).

Chromium (Playwright) loads each page of the admin, the API docs and the browsable API from a live server, and
the test fails on any request to another origin (made or merely attempted: Google Fonts included) and on any
CSP violation (the `securitypolicyviolation` event and the console's "Refused to ..." lines).
"""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.admin.browser import ARTIFACTS, watch_csp
from tests.factories import CategoryFactory, CustomerFactory, ProductFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF_EMAIL, STAFF_PASSWORD = "csp-staff@example.com", "correct-horse-battery-staple"
PUBLIC_PAGES = ["/admin/login/", "/api/v1/docs/", "/api/v1/redoc/", "/api/v1/products"]
STAFF_PAGES = [
    "/admin/",
    "/admin/catalog/category/",
    "/admin/catalog/product/",
    "/admin/catalog/product/add/",
    "/admin/price-analytics/",
    "/admin/system/",
    "/admin/orders/order/",
    "/admin/customers/customer/",
    "/admin/notifications/notification/",
    "/admin/customers/user/{user}/change/",
    "/admin/catalog/category/{category}/change/",
]


@pytest.fixture
def watched(page, live_server):
    """The page, with every request to another origin and every CSP complaint recorded."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(live_server.url))
    page.foreign = []

    def on_request(request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and f"{parts.scheme}://{parts.netloc}" != origin:
            page.foreign.append(request.url)

    page.on("request", on_request)
    watch_csp(page)
    return page


def visit(page, path: str, name: str) -> None:
    response = page.goto(path, wait_until="networkidle")
    assert response is not None and response.status == 200, (path, response and response.status)
    policy = dict(
        ([*directive.strip().split(" ", 1), ""])[:2]
        for directive in response.headers["content-security-policy"].split(";")
    )
    assert policy["default-src"] == "'self'" and policy["frame-ancestors"] == "'none'", (path, policy)
    assert "'unsafe-inline'" not in policy["script-src"], (path, policy)
    # Inline styles only where the page's third-party templates need them: the browsable API.
    assert ("'unsafe-inline'" in policy["style-src"]) == path.startswith("/api/v1/products"), (path, policy)
    page.wait_for_timeout(300)  # late style and script injections (ReDoc, Swagger UI) report after load
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"csp-{name}.png"))  # the viewport: ReDoc's full page is huge
    violations = page.evaluate("window.__cspViolations")
    assert not page.foreign, (path, page.foreign)
    assert not violations, (path, violations)
    assert not page.csp_console, (path, page.csp_console)
    assert not page.js_errors, (path, page.js_errors)


def test_public_pages_load_only_this_origin_and_keep_their_policy(watched):
    ProductFactory()
    for path in PUBLIC_PAGES:
        visit(watched, path, path.strip("/").replace("/", "-"))
    watched.goto("/api/v1/redoc/", wait_until="networkidle")
    expect(watched.locator("#redoc-container h1").first).to_be_visible(timeout=30_000)
    watched.goto("/api/v1/docs/", wait_until="networkidle")
    expect(watched.locator(".swagger-ui .info .title")).to_contain_text("ecommerce-service API", timeout=30_000)


def test_admin_pages_load_only_this_origin_and_keep_their_policy(watched):
    staff = UserFactory(email=STAFF_EMAIL, is_staff=True, is_superuser=True)
    staff.set_password(STAFF_PASSWORD)
    staff.save()
    category = CategoryFactory()
    ProductFactory(category=category)
    CustomerFactory()
    watched.goto("/admin/login/")
    watched.fill("#id_username", STAFF_EMAIL)
    watched.fill("#id_password", STAFF_PASSWORD)
    watched.click("input[type=submit]")
    expect(watched.locator("#site-name")).to_have_text("Shop back-office")

    for path in STAFF_PAGES:
        path = path.format(user=staff.pk, category=category.pk)
        visit(watched, path, re.sub(r"[^a-z0-9]+", "-", path).strip("-"))
