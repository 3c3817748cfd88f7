"""Limits and caches hold across processes: two gunicorn servers, one real Redis (SPEC §5 freshness, §6).

Two gunicorn masters (one worker each, the image's docker/gunicorn.conf.py) on two loopback ports share a
SQLite file and the Redis at TEST_REDIS_URL (default redis://127.0.0.1:6379/0; `.ci/run` starts one), under a
key prefix of their own that is deleted afterwards. Requests alternate between the two servers, so a limit
kept per process would let through twice its rate: each test shows the limit holds for the sum.

Shared caches are a table (SHARED_CACHES): each case names a read, how to pull the cached value out of its
answer, and how soon a write through the API must be visible on the other process. Price-stats and the
unfiltered and per-category counts (all from the catalog summary) are rows there, beside a filtered count.
"""

from __future__ import annotations

import itertools
import os
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
STAFF_EMAIL, STAFF_PASSWORD = "staff@example.com", "staff-passphrase-of-some-length"
ADMIN_EMAIL = "boss@example.com"
COUNT_SECONDS = 3  # API_COUNT_CACHE_SECONDS of the servers: how stale a cached count may be
RATES = {"LOGIN_THROTTLE_IP": 6, "LOGIN_THROTTLE_EMAIL": 4, "REGISTRATION_THROTTLE_IP": 5}

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Servers:
    urls: tuple[str, str]
    env: dict[str, str]
    prefix: str
    logs: Path | None = None  # gunicorn-a.log and gunicorn-b.log: each server's stdout and stderr

    def alternate(self) -> Iterator[str]:
        return itertools.cycle(self.urls)

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=180
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(tmp: Path, prefix: str) -> dict[str, str]:
    skip = ("DJANGO_", "DATABASE_", "CACHE_", "LOGIN_", "PROMETHEUS_")
    keep = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    return {
        **keep,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "scaleout-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SESSION_COOKIE_SECURE": "false",
        "DJANGO_CSRF_COOKIE_SECURE": "false",
        "DJANGO_MANIFEST_STATIC": "false",
        "DJANGO_STATIC_ROOT": str(tmp / "static"),
        "DATABASE_URL": f"sqlite:///{tmp / 'shop.sqlite3'}",
        "DATABASE_REPLICA_URLS": "",
        "CACHE_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": prefix,
        # The test client's addresses come as X-Forwarded-For from "one proxy" (the test itself).
        "API_NUM_PROXIES": "1",
        **{name: f"{rate}/min" for name, rate in RATES.items()},
        "API_COUNT_CACHE_MIN_ROWS": "1",
        "API_COUNT_CACHE_SECONDS": str(COUNT_SECONDS),
        "METRICS_TOKEN": "scaleout-metrics-token",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "SMS_BACKEND": "locmem",
        "LOG_LEVEL": "WARNING",
        # Each gunicorn makes its own multiprocess directory (docker/gunicorn.conf.py); manage.py runs
        # without one (prometheus_client takes even an empty value as "write files into the cwd").
    }


@pytest.fixture(scope="module")
def servers(tmp_path_factory) -> Iterator[Servers]:
    store = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        store.ping()
    except redis.RedisError as error:
        pytest.fail(f"no Redis at {REDIS_URL} ({error}): start one (`.ci/run` does: redis-server --daemonize yes)")
    tmp = tmp_path_factory.mktemp("scaleout")
    prefix = f"scaleout-{uuid.uuid4().hex}"
    env = _server_env(tmp, prefix)
    setup = Servers(urls=("", ""), env=env, prefix=prefix)
    setup.manage("migrate", "--noinput", "-v", "0")
    setup.manage("shell", "-c", _SEED)
    processes, urls = [], []
    try:
        for name in ("a", "b"):
            port = _free_port()
            log = (tmp / f"gunicorn-{name}.log").open("w")
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "-c", "docker/gunicorn.conf.py"],
                    cwd=ROOT,
                    env={
                        **env,
                        "GUNICORN_BIND": f"127.0.0.1:{port}",
                        "GUNICORN_WORKERS": "1",
                        "GUNICORN_THREADS": "2",
                        "GUNICORN_MAX_REQUESTS": "0",
                    },
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for url, process in zip(urls, processes, strict=True):
            _wait_healthy(url, process, tmp)
        yield Servers(urls=(urls[0], urls[1]), env=env, prefix=prefix, logs=tmp)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        keys = list(store.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            store.delete(*keys)


_SEED = f"""
from catalog.models import Category, Product
from customers.models import User
from decimal import Decimal
for email in ({STAFF_EMAIL!r}, {ADMIN_EMAIL!r}):
    User.objects.create_superuser(email=email, password={STAFF_PASSWORD!r})
root = Category.objects.create(name="Kitchen", slug="kitchen")
for n in range(3):
    Product.objects.create(name=f"Kettle {{n}}", sku=f"KET-{{n}}", price=Decimal("10.00"), stock=5, category=root)
"""


def _wait_healthy(url: str, process: subprocess.Popen, tmp: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            logs = "".join(path.read_text() for path in tmp.glob("gunicorn-*.log"))
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{logs[-3000:]}")
        try:
            if requests.get(f"{url}/health", timeout=5).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or still loading the app
            pass
        time.sleep(0.3)
    pytest.fail(f"{url} did not answer /health within 60 s")


def client_ip() -> str:
    """A fresh client address per test, so one test's counters never meet another's."""
    value = uuid.uuid4().int
    return f"10.{value % 250}.{value // 250 % 250}.{value // 62500 % 250 + 1}"


def statuses_until_throttled(send: Callable[[str, int], requests.Response], servers: Servers, limit: int) -> list:
    """Send `limit + 2` requests, alternating servers; the status codes in order."""
    answers = []
    for n, url in zip(range(limit + 2), servers.alternate(), strict=False):
        answers.append(send(url, n).status_code)
    return answers


def test_login_limit_per_ip_holds_for_the_sum_of_the_processes(servers):
    ip, limit = client_ip(), RATES["LOGIN_THROTTLE_IP"]

    def login(url: str, n: int) -> requests.Response:
        body = {"email": f"guess{n}-{ip}@example.com", "password": "wrong"}
        return requests.post(f"{url}/api/v1/auth/login", json=body, headers={"X-Forwarded-For": ip}, timeout=10)

    answers = statuses_until_throttled(login, servers, limit)

    assert answers == [401] * limit + [429, 429]


def test_login_limit_per_email_holds_for_the_sum_of_the_processes(servers):
    email, limit = f"{uuid.uuid4().hex}@example.com", RATES["LOGIN_THROTTLE_EMAIL"]

    def login(url: str, n: int) -> requests.Response:
        headers = {"X-Forwarded-For": client_ip()}
        return requests.post(f"{url}/api/v1/auth/login", json={"email": email, "password": "x"}, headers=headers)

    answers = statuses_until_throttled(login, servers, limit)

    assert answers == [401] * limit + [429, 429]


def test_registration_limit_per_ip_holds_for_the_sum_of_the_processes(servers):
    ip, limit = client_ip(), RATES["REGISTRATION_THROTTLE_IP"]

    def register(url: str, n: int) -> requests.Response:
        body = {"email": f"new{n}-{ip}@example.com", "password": "plum-kettle-ostrich-42", "phone": "+254712345678"}
        return requests.post(f"{url}/api/v1/customers", json=body, headers={"X-Forwarded-For": ip}, timeout=10)

    answers = statuses_until_throttled(register, servers, limit)

    assert answers == [201] * limit + [429, 429]


def test_admin_login_limit_per_account_holds_for_the_sum_of_the_processes(servers):
    limit = RATES["LOGIN_THROTTLE_EMAIL"]
    browser = requests.Session()
    page = browser.get(f"{servers.urls[0]}/admin/login/", timeout=10)
    token = page.text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]

    def admin_login(url: str, n: int) -> requests.Response:
        form = {"csrfmiddlewaretoken": token, "username": ADMIN_EMAIL, "password": "wrong", "next": "/admin/"}
        headers = {"X-Forwarded-For": client_ip(), "Referer": f"{url}/admin/login/"}
        return browser.post(f"{url}/admin/login/", data=form, headers=headers, allow_redirects=False, timeout=10)

    answers = statuses_until_throttled(admin_login, servers, limit)

    assert answers == [200] * limit + [429, 429]


# --- Shared caches -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SharedCache:
    """A cached read: `path` on the servers, `value` pulls the cached number out of its JSON, `fresh_within`
    is how many seconds a write through the API may take to show on every process (0: the next read)."""

    name: str
    path: str
    value: Callable[[dict], object]
    fresh_within: float


SHARED_CACHES = [
    # Filtered counts are recounted every API_COUNT_CACHE_SECONDS (a stale one is served meanwhile): their bound.
    SharedCache(
        "price range count", "/api/v1/products?min_price=1", lambda body: body["count"], fresh_within=COUNT_SECONDS
    ),
    # The catalog summary (catalog.summary, per catalog generation): the next read after a write through the
    # services, on every process, sees it.
    SharedCache("product list count", "/api/v1/products", lambda body: body["count"], fresh_within=0),
    SharedCache("category count", "/api/v1/categories/1/products", lambda body: body["count"], fresh_within=0),
    SharedCache("price-stats", "/api/v1/categories/1/price-stats", lambda body: body["product_count"], fresh_within=0),
]


_STAFF_TOKENS: dict[str, str] = {}


def staff_headers(servers: Servers) -> dict[str, str]:
    """A staff bearer token, signed in once per server pair (more logins would meet the login limits above)."""
    if servers.prefix not in _STAFF_TOKENS:
        _STAFF_TOKENS[servers.prefix] = _staff_login(servers)
    return {"Authorization": f"Bearer {_STAFF_TOKENS[servers.prefix]}", "X-Forwarded-For": client_ip()}


def _staff_login(servers: Servers) -> str:
    response = requests.post(
        f"{servers.urls[0]}/api/v1/auth/login",
        json={"email": STAFF_EMAIL, "password": STAFF_PASSWORD},
        headers={"X-Forwarded-For": client_ip()},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()["access"]


def read(url: str, case: SharedCache) -> object:
    response = requests.get(f"{url}{case.path}", timeout=10)
    assert response.status_code == 200, response.text
    return case.value(response.json())


@pytest.mark.parametrize("case", SHARED_CACHES, ids=lambda case: case.name)
def test_a_cached_read_is_shared_by_the_processes_and_fresh_on_all_of_them_after_a_write(servers, case):
    a, b = servers.urls
    time.sleep(COUNT_SECONDS + 0.5)  # whatever an earlier test cached has gone stale
    read(a, case)  # a stale entry is recounted by this read...
    before = read(a, case)  # ...and this one is served from the cache
    # A row the services never hear of (raw SQL): nothing invalidates the cache.
    hidden_product_insert(servers)

    seen_by_b = read(b, case)

    assert seen_by_b == before, "the other process computed its own value: the cache is not shared"

    headers = staff_headers(servers)
    body = {"name": "Teapot", "sku": f"TEA-{uuid.uuid4().hex[:12]}", "price": "12.50", "stock": 3, "category": 1}
    created = requests.post(f"{a}/api/v1/products", json=body, headers=headers, timeout=10)
    assert created.status_code == 201, created.text
    written_at = time.monotonic()
    fresh = before
    while fresh == before and time.monotonic() - written_at <= case.fresh_within + 1.0:
        fresh = read(b, case)
        if fresh == before:
            time.sleep(0.2)

    assert fresh != before, f"still {fresh!r} on the other process {case.fresh_within + 1.0} s after the write"
    assert read(a, case) == fresh


def hidden_product_insert(servers: Servers) -> None:
    """Copy a product row under a new SKU straight into the servers' SQLite file, as a bulk import might."""
    with sqlite3.connect(servers.env["DATABASE_URL"].removeprefix("sqlite:///"), timeout=20) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(catalog_product)") if row[1] != "id"]
        chosen = ", ".join("?" if column == "sku" else column for column in columns)
        db.execute(
            f"INSERT INTO catalog_product ({', '.join(columns)}) SELECT {chosen} FROM catalog_product LIMIT 1",
            [f"HID-{uuid.uuid4().hex[:12]}"],
        )


# --- The response cache of anonymous catalog reads (catalog/api/response_cache.py) -----------------------------


def hidden_stock_update(servers: Servers, sku: str, stock: int) -> None:
    """Set a product's stock straight in the servers' SQLite file: the services never hear of it."""
    with sqlite3.connect(servers.env["DATABASE_URL"].removeprefix("sqlite:///"), timeout=20) as db:
        db.execute("UPDATE catalog_product SET stock = ? WHERE sku = ?", [stock, sku])


def customer_headers(servers: Servers) -> dict[str, str]:
    ip, email, password = client_ip(), f"buyer-{uuid.uuid4().hex[:12]}@example.com", "plum-kettle-ostrich-42"
    body = {"email": email, "password": password, "phone": "+254712345678", "first_name": "A", "last_name": "B"}
    registered = requests.post(f"{servers.urls[1]}/api/v1/customers", json=body, headers={"X-Forwarded-For": ip})
    assert registered.status_code == 201, registered.text
    login = requests.post(
        f"{servers.urls[1]}/api/v1/auth/login",
        json={"email": email, "password": password},
        headers={"X-Forwarded-For": ip},
    )
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access']}", "X-Forwarded-For": client_ip()}


def test_an_anonymous_answer_is_shared_and_an_order_on_the_other_process_refreshes_it(servers):
    a, b = servers.urls
    # Both processes behind one host name, as behind a load balancer (the answer's links name the host).
    host = {"Host": "localhost"}

    def get(url: str, path: str, **headers: str) -> requests.Response:
        return requests.get(f"{url}{path}", headers={**host, **headers}, timeout=10)

    kettle = get(a, "/api/v1/products?search=KET-2").json()["results"][0]
    path = f"/api/v1/products/{kettle['id']}"
    first = get(a, path)
    assert first.status_code == 200
    # Behind the services' back: the processes keep answering what is cached, on both of them.
    hidden_stock_update(servers, "KET-2", 40)

    on_b = get(b, path)

    assert on_b.json()["stock"] == first.json()["stock"], "the other process computed its own answer"
    assert on_b.headers["ETag"] == first.headers["ETag"]
    assert on_b.headers["X-Request-ID"] != first.headers["X-Request-ID"]
    assert get(b, path, **{"If-None-Match": first.headers["ETag"]}).status_code == 304

    order = requests.post(
        f"{b}/api/v1/orders",
        json={"items": [{"product": kettle["id"], "quantity": 3}]},
        headers=customer_headers(servers),
        timeout=10,
    )
    assert order.status_code == 201, order.text

    # The next read on either process: the stock the order left (40 - 3), not the cached one.
    assert get(a, path).json()["stock"] == 37
    assert get(b, path).json()["stock"] == 37
    assert get(a, "/api/v1/products?search=KET-2").json()["results"][0]["stock"] == 37


def test_a_signed_in_read_on_one_process_is_never_the_anonymous_answer_of_the_other(servers):
    a, b = servers.urls
    path = "/api/v1/products?page_size=100"
    anonymous = requests.get(f"{a}{path}", timeout=10)
    headers = staff_headers(servers)

    staff = requests.get(f"{b}{path}", headers=headers, timeout=10)

    assert staff.status_code == 200
    assert staff.headers["Cache-Control"] == "private, no-store"
    assert anonymous.headers["Cache-Control"].startswith("public")
    assert requests.get(f"{b}{path}", timeout=10).json() == anonymous.json()


def test_gunicorn_does_not_log_requests_again(servers):
    """The application logs each request (one JSON line with its request id, ecommerce.middleware; these
    servers run at LOG_LEVEL=WARNING); gunicorn, given a logging config, would add its own line for each."""
    marker = uuid.uuid4().hex
    assert requests.get(f"{servers.urls[0]}/api/v1/products?search={marker}", timeout=10).status_code == 200
    requests.get(f"{servers.urls[0]}/health", timeout=10)  # its handling ends after the answer: one more request

    log = (servers.logs / "gunicorn-a.log").read_text()
    assert "Booting worker" in log  # gunicorn's own log is there
    assert marker not in log and '"logger":"gunicorn.access"' not in log
