"""HTTP checks of a running web container process, for .ci/check-deploy.sh (stdlib only).

usage: deploy_smoke.py BASE_URL PUBLIC_HOST PROMETHEUS_MULTIPROC_DIR STATIC_ROOT
Checks /health, /ready, host validation, the TLS redirect and its exemptions, a WhiteNoise static file,
that /metrics refuses a scrape without the METRICS_TOKEN (from the environment) and adds up the counters of every
gunicorn worker with it. Exits non-zero on the first failure.
"""

import http.client
import json
import os
import re
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

base, public_host, multiproc_dir = sys.argv[1], sys.argv[2], Path(sys.argv[3])
netloc = urllib.parse.urlsplit(base).netloc
health_requests = 0


def get(path: str, host: str = public_host, **headers: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(netloc, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": host, **headers})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def check(condition: bool, message: str) -> None:
    if not condition:
        sys.exit(f"FAIL: {message}")
    print(f"ok: {message}")


status, _, body = get("/health")
health_requests += 1
check(status == 200 and json.loads(body) == {"status": "ok"}, f"/health answers 200 ok over plain HTTP ({status})")
status, _, body = get("/health", host=netloc)
health_requests += 1
check(status == 200, f"/health answers for Host {netloc} (the HEALTHCHECK and probes) ({status})")
status, _, body = get("/ready")
check(status == 200 and json.loads(body)["status"] == "ok", f"/ready answers 200 after migrate ({status} {body!r})")
status, _, _ = get("/health", host="attacker.example")
check(status == 400, f"an unknown Host header is refused ({status})")

# Debug off: the TLS redirect is on, except for the probes; behind a proxy X-Forwarded-Proto says https.
status, headers, _ = get("/api/v1")
check(status == 301 and headers.get("location", "").startswith("https://"), f"plain HTTP is redirected ({status})")
status, headers, _ = get("/api/v1", **{"X-Forwarded-Proto": "https"})
check(status == 200, f"the API answers behind a TLS proxy ({status})")
check("max-age=31536000" in headers.get("strict-transport-security", ""), "HSTS is sent")

# Static files: collected with hashed names (manifest), served by WhiteNoise, compressed, cached forever.
manifest = json.loads((Path(sys.argv[4]) / "staticfiles.json").read_text())
hashed = manifest["paths"]["admin/css/base.css"]
check(hashed != "admin/css/base.css", f"the manifest maps admin/css/base.css to {hashed}")
status, headers, body = get(f"/static/{hashed}", **{"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"})
check(status == 200 and headers.get("content-encoding") == "gzip", f"WhiteNoise serves {hashed} gzipped ({status})")
check(
    "immutable" in headers.get("cache-control", ""),
    f"hashed static files are immutable ({headers.get('cache-control')})",
)
status, _, _ = get("/static/admin/css/no-such-file.css", **{"X-Forwarded-Proto": "https"})
check(status == 404, f"a missing static file is 404 ({status})")

# Metrics across workers: load until at least two workers have written counters; then every scrape, whichever
# worker answers it, must count every /health request sent since the first scrape.
pattern = re.compile(
    r'^django_http_requests_total_by_view_transport_method_total\{[^}]*view="health"[^}]*\} ([0-9.e+]+)$', re.M
)


metrics_token = os.environ["METRICS_TOKEN"]
check(get("/metrics")[0] == 403, "/metrics without the token is 403")
check(get("/metrics", Authorization="Bearer wrong-token")[0] == 403, "/metrics with a wrong token is 403")


def scraped_health_count() -> float:
    status, headers, body = get("/metrics", Authorization=f"Bearer {metrics_token}")
    check(status == 200 and headers["content-type"].startswith("text/plain"), f"/metrics answers ({status})")
    return sum(float(v) for v in pattern.findall(body.decode()))


# Each worker adds its counts to the shared files once a second (ecommerce/metrics.py, FLUSH_SECONDS).
FLUSHED = 1.5
time.sleep(FLUSHED)
baseline = scraped_health_count()
check(baseline >= health_requests, f"/metrics counts the earlier /health requests ({baseline:.0f})")
sent = 0
pids: set[str] = set()
deadline = time.monotonic() + 30
with ThreadPoolExecutor(max_workers=8) as pool:
    while len(pids) < 2 and time.monotonic() < deadline:
        statuses = list(pool.map(lambda _: get("/health")[0], range(24)))
        sent += len(statuses)
        check(set(statuses) == {200}, "24 concurrent /health requests answer 200")
        pids = {m.group(1) for f in multiproc_dir.glob("counter_*.db") if (m := re.match(r"counter_(\d+)\.db", f.name))}
check(len(pids) >= 2, f"counters were written by {len(pids)} worker processes: {sorted(pids)}")
check(not (multiproc_dir / "counter_1.db").exists(), "stale multiprocess files were cleared at start")
time.sleep(FLUSHED)
for attempt in range(4):
    total = scraped_health_count()
    check(total == baseline + sent, f"scrape {attempt + 1}: /health count {total:.0f} == {baseline:.0f} + {sent} sent")
