import pytest

from tests.factories import CategoryFactory, UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def admin_site_client(client, superuser):
    """Django's test client logged into the admin as a superuser (the admin is a browser UI, not the API)."""
    client.force_login(superuser)
    return client


@pytest.fixture
def tree(db) -> dict:
    """electronics > phones > android, electronics > laptops, and a separate root `books`; no products."""
    electronics = CategoryFactory(name="Electronics")
    phones = CategoryFactory(name="Phones", parent=electronics)
    android = CategoryFactory(name="Android", parent=phones)
    laptops = CategoryFactory(name="Laptops", parent=electronics)
    books = CategoryFactory(name="Books")
    return {"electronics": electronics, "phones": phones, "android": android, "laptops": laptops, "books": books}


@pytest.fixture(scope="module")
def browser():
    """Chromium for one browser test module (module scope: see tests/admin/browser.py for why not session)."""
    from tests.admin.browser import chromium

    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) on the live server; JavaScript errors collected in page.js_errors."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors
    yield page
    context.close()
