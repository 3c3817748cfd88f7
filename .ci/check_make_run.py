"""`make run` from a clean clone, as a newcomer runs it (.ci/check-make-run.sh).

Clones the repository's committed HEAD into a temporary directory, runs `make run` there on a free port with a
clean environment (none of the service's variables set, as on a fresh machine), waits (bounded) for the server to
answer, then checks that the banner was printed and what a newcomer meets first:

- `GET /api/v1/products` lists the demo products (count > 0);
- `GET /api/v1` links the collections;
- the staff demo login signs in to the admin (its login form), the customer demo login gets a JWT;
- a demo order is placed, and both of its notifications (SMS to the customer, email to staff) are sent;
- a Django log line (the autoreloader's) and a request's (a 404's) are printed once, not twice (plain and JSON).

The server's whole process group is ended and the clone removed whatever happens. Standard library only.

Environment: CHECK_MAKE_RUN_REPO (the repository to clone, default this one), VENV (default: this repository's
.venv, so nothing is reinstalled), CHECK_MAKE_RUN_PORTS (a range to take a free port from, default 8100-8149),
CHECK_MAKE_RUN_TIMEOUT (seconds for the server to answer, default 180).
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BANNER = "ecommerce-service is starting:"
# What seed_demo_data creates, with the debug defaults of their passwords (ecommerce/settings.py).
STAFF = ("admin@example.com", "demo-admin-pass")
CUSTOMER = ("customer@example.com", "demo-customer-pass")
# The only variables kept from the caller's environment: what finding tools, a home and the package index need.
KEEP = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER", "LOGNAME", "SHELL", "TERM", "PYENV_ROOT"}
KEEP_PREFIXES = ("PIP_", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY")


class CheckFailed(Exception):
    pass


def free_port(spec: str) -> int:
    low, _, high = spec.partition("-")
    for port in range(int(low), int(high or low) + 1):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise CheckFailed(f"no free port in {spec}")


def request(
    opener: urllib.request.OpenerDirector,
    method: str,
    url: str,
    *,
    body: dict | None = None,
    form: dict | None = None,
    headers: dict | None = None,
) -> tuple[int, dict, bytes, str]:
    """(status, headers, body, final url) of one request; HTTP errors are answers, not exceptions."""
    data = None
    all_headers = {"Accept": "application/json", **(headers or {})}
    if body is not None:
        data = json.dumps(body).encode()
        all_headers["Content-Type"] = "application/json"
    elif form is not None:
        data = urllib.parse.urlencode(form).encode()
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    req = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    try:
        with opener.open(req, timeout=30) as response:
            return response.status, dict(response.headers), response.read(), response.url
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read(), url


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)
    print(f"  ok: {message}")


def wait_for(server: subprocess.Popen, base: str, timeout: float) -> None:
    """Until /health answers; fails when `make run` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CheckFailed(f"`make run` exited with status {server.returncode} before serving")
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise CheckFailed(f"no answer on {base}/health within {timeout:.0f} s")


def check(base: str, clone: Path, env: dict[str, str], python: str, log: Path) -> None:
    opener = urllib.request.build_opener()
    # The banner comes before the server starts, so it is there once the server answers.
    banner = [line.strip() for line in log.read_text(errors="replace").splitlines() if BANNER in line]
    if not banner:
        print(f"  FAILED: no banner (a line with {BANNER!r}) before the server answered; the other checks follow")
    else:
        print(f"  ok: the banner: {banner[0]}")

    status, _, body, _ = request(opener, "GET", f"{base}/api/v1/products")
    products = json.loads(body)
    count = products["count"]
    expect(status == 200 and count > 0, f"GET /api/v1/products lists the demo products ({count})")

    status, _, body, _ = request(opener, "GET", f"{base}/api/v1")
    links = json.loads(body)
    expect(
        status == 200 and {"products", "categories", "orders", "customers"} <= links.keys(),
        "GET /api/v1 links the collections",
    )

    # The staff login, through the admin's login form (the CSRF token from its page and cookie).
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    status, _, page, _ = request(browser, "GET", f"{base}/admin/login/", headers={"Accept": "text/html"})
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    expect(status == 200 and token is not None, "the admin's login page answers with its form")
    assert token is not None
    status, _, page, final = request(
        browser,
        "POST",
        f"{base}/admin/login/?next=/admin/",
        form={"username": STAFF[0], "password": STAFF[1], "csrfmiddlewaretoken": token.group(1).decode()},
        headers={"Accept": "text/html", "Referer": f"{base}/admin/login/"},
    )
    expect(
        status == 200 and urllib.parse.urlsplit(final).path == "/admin/" and b"logout" in page.lower(),
        f"the staff demo login ({STAFF[0]}) signs in to the admin",
    )

    status, _, body, _ = request(
        opener, "POST", f"{base}/api/v1/auth/login", body={"email": CUSTOMER[0], "password": CUSTOMER[1]}
    )
    tokens = json.loads(body)
    expect(status == 200 and tokens.get("access"), f"the customer demo login ({CUSTOMER[0]}) gets a JWT")
    auth = {"Authorization": f"Bearer {tokens['access']}"}

    status, _, body, _ = request(opener, "GET", f"{base}/api/v1/products?in_stock=true&page_size=1")
    product = json.loads(body)["results"][0]
    items = [{"product": product["id"], "quantity": 1}]
    status, _, body, _ = request(opener, "POST", f"{base}/api/v1/orders", body={"items": items}, headers=auth)
    order = json.loads(body)
    expect(status == 201, f"the demo customer places an order ({body[:200]!r})")

    # The notifications are delivered after the order's commit, in the same request (the immediate backend).
    script = (
        "from notifications.models import Notification\n"
        f"rows = Notification.objects.filter(order_id={int(order['id'])}).order_by('channel')\n"
        "print('NOTIFICATIONS', sorted((n.channel, n.status, n.last_error) for n in rows))\n"
    )
    result = subprocess.run(
        [python, "manage.py", "shell", "-v", "0", "-c", script],
        cwd=clone,
        env={**env, "DJANGO_DEBUG": "true"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    line = next((line for line in result.stdout.splitlines() if line.startswith("NOTIFICATIONS ")), "")
    expect(
        line == "NOTIFICATIONS [('email', 'sent', ''), ('sms', 'sent', '')]",
        f"both notifications of order {order['id']} are sent ({line or result.stderr[-500:]})",
    )

    # A 4xx: logged by ecommerce.request, and (before) by runserver's django.server too.
    probe = f"/api/v1/no-such-path-{os.getpid()}-{int(time.time())}"
    status, _, _, _ = request(opener, "GET", f"{base}{probe}")
    expect(status == 404, f"GET {probe} is a 404")
    time.sleep(1)  # the server writes its log line after the answer
    text = log.read_text(errors="replace")
    count = text.count("Watching for file changes")
    expect(count == 1, f"a Django log line is printed once (the autoreloader's: {count} times)")
    count = sum(probe in line for line in text.splitlines())
    expect(count == 1, f"a request's log line is printed once (the 404's: {count} times)")
    expect(bool(banner), "the banner was printed")


def main() -> int:
    venv = os.environ.get("VENV") or str(REPO / ".venv")
    port = free_port(os.environ.get("CHECK_MAKE_RUN_PORTS", "8100-8149"))
    timeout = float(os.environ.get("CHECK_MAKE_RUN_TIMEOUT", "180"))
    base = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if key in KEEP or key.upper().startswith(KEEP_PREFIXES)}
    env["PYTHONUNBUFFERED"] = "1"
    tmp = Path(tempfile.mkdtemp(prefix="check-make-run-"))
    clone, log = tmp / "clone", tmp / "make-run.log"
    server: subprocess.Popen | None = None
    try:
        source = os.environ.get("CHECK_MAKE_RUN_REPO") or str(REPO)
        subprocess.run(["git", "clone", "--quiet", source, str(clone)], check=True, timeout=120)
        head = subprocess.run(
            ["git", "-C", str(clone), "log", "-1", "--format=%h %s"], capture_output=True, text=True, check=True
        ).stdout.strip()
        print(f"make run in a clone of {head[:100]} on port {port} (VENV={venv})")
        with log.open("wb") as out:
            server = subprocess.Popen(
                ["make", "run", f"VENV={venv}", f"PORT={port}"],
                cwd=clone,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: make, the runserver and its reloader child
            )
        wait_for(server, base, timeout)
        check(base, clone, env, f"{venv}/bin/python", log)
    except (CheckFailed, subprocess.SubprocessError, OSError, ValueError, KeyError, IndexError) as error:
        print(f"FAILED: {type(error).__name__}: {error}", file=sys.stderr)
        if log.exists():
            print("--- the last lines of `make run`:", file=sys.stderr)
            print("\n".join(log.read_text(errors="replace").splitlines()[-40:]), file=sys.stderr)
        return 1
    finally:
        if server is not None and server.poll() is None:
            try:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=15)
            except ProcessLookupError:
                pass
        if server is not None:
            # The reloader's child may outlive make: end whatever is left of the group.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
        shutil.rmtree(tmp, ignore_errors=True)
    print("make run from a clean clone: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
