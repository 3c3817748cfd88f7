"""Playwright (sync API) driving Debian's Chromium for the admin's browser tests.

Why no pytest-playwright plugin: it would download its own browsers (not possible here) and bring fixtures we
do not need; launching /usr/bin/chromium through the sync API directly is all it takes.

Why the browser is module-scoped and DJANGO_ALLOW_ASYNC_UNSAFE is set while it runs: Playwright's sync API
keeps an asyncio event loop registered as *running* in the test's thread from `start()` to `stop()` (it drives
the loop with greenlets between calls). Django's ORM sees that loop and refuses every query from the test's
thread (SynchronousOnlyOperation), though nothing runs concurrently: the test thread only touches the
database between Playwright calls, and the live server answers the browser from its own threads. So the flag
is set for exactly as long as Playwright is started, and Playwright is stopped at the end of each browser
module, so the rest of the suite (and `async_to_sync`, which refuses a thread with a running loop) never sees
the loop or the flag.
"""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "admin"


@contextmanager
def chromium() -> Iterator[Browser]:
    if not shutil.which(CHROMIUM):
        raise RuntimeError(f"{CHROMIUM} not found: install Debian's chromium (bash .ci/packages-admin.sh)")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


# Every Content-Security-Policy violation of a page, as the browser reports it (the event, before any script).
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


def watch_csp(page) -> None:
    """Record on `page.csp_console` the console's CSP complaints ("Refused to ...") from now on, and the
    `securitypolicyviolation` events of every document it loads (read them with `csp_violations`)."""
    page.csp_console = []
    page.on(
        "console",
        lambda message: (
            page.csp_console.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    page.add_init_script(RECORD_CSP_VIOLATIONS)


def csp_violations(page) -> list[str]:
    """The current document's violations plus every console complaint so far."""
    return [*(page.evaluate("window.__cspViolations || []")), *page.csp_console]


def place_order_through_the_api(base_url: str, email: str, password: str, product, quantity: int) -> int:
    """A customer signs in and places an order of one line over real HTTP; the order's id."""
    login = requests.post(f"{base_url}/api/v1/auth/login", json={"email": email, "password": password}, timeout=30)
    assert login.status_code == 200, login.text
    placed = requests.post(
        f"{base_url}/api/v1/orders",
        json={"items": [{"product": product.pk, "quantity": quantity}]},
        headers={"Authorization": f"Bearer {login.json()['access']}"},
        timeout=30,
    )
    assert placed.status_code == 201, placed.text
    return placed.json()["id"]
