"""Fixtures of the customers tests, among them a real OpenID Connect provider on loopback.

`oidc_provider` (session-scoped) runs node-oidc-provider (tests/customers/oidc_provider/, pinned in
its package-lock.json): `npm ci` when node_modules is missing, then `node provider.js CONFIG` on
a free loopback port. Without node/npm the OIDC tests FAIL (CI installs them with
.ci/packages-customers.sh); they never skip.
"""

from __future__ import annotations

import json
import queue
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

PROVIDER_DIR = Path(__file__).resolve().parent / "oidc_provider"
WEB_CLIENT = {"client_id": "shop-web", "client_secret": "shop-web-secret-for-tests-only"}
STOREFRONT_CLIENT = {"client_id": "storefront", "client_secret": "storefront-secret-for-tests-only"}
STOREFRONT_REDIRECT = "http://127.0.0.1:9/storefront/callback"
DJANGO_CALLBACK = "http://testserver/oidc/callback/"

# The provider's users: account id (typed into its login form) → the claims it releases.
ACCOUNTS = {
    "alice": {
        "email": "Alice.Wanjiku@Example.com",
        "email_verified": True,
        "given_name": "Alice",
        "family_name": "Wanjiku",
    },
    "bob": {"email": "BOB@example.com", "email_verified": True, "given_name": "Bob", "family_name": "Mwangi"},
    "staffer": {
        "email": "Staff.Member@example.com",
        "email_verified": True,
        "given_name": "Sam",
        "family_name": "Staff",
    },
    "mallory": {"email": "mallory@example.com", "email_verified": False, "given_name": "Mallory", "family_name": "M"},
    "noemail": {"given_name": "No", "family_name": "Email"},
}


@dataclass(frozen=True)
class Provider:
    issuer: str
    discovery: dict

    def endpoint(self, name: str) -> str:
        return self.discovery[name]


def _start_provider(config_path: Path) -> tuple[subprocess.Popen, str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.fail(
            "node and npm are required for the OpenID Connect tests (a real provider runs on loopback); "
            "install them with `bash .ci/packages-customers.sh` (apt-get install nodejs npm)."
        )
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=PROVIDER_DIR,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if result.returncode != 0:
            pytest.fail(f"`npm ci` for the test OpenID provider failed:\n{result.stdout}\n{result.stderr}")
    process = subprocess.Popen(
        [node, "provider.js", str(config_path)],
        cwd=PROVIDER_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    seen = []
    while True:
        try:
            line = lines.get(timeout=30)
        except queue.Empty:
            process.kill()
            pytest.fail("the test OpenID provider did not start within 30 s:\n" + "".join(seen))
        seen.append(line)
        if line.startswith("READY "):
            return process, line.split()[1]


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory) -> Provider:
    config = {
        "clients": [
            {
                **WEB_CLIENT,
                "redirect_uris": [DJANGO_CALLBACK],
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "client_secret_post",
            },
            {
                **STOREFRONT_CLIENT,
                "redirect_uris": [STOREFRONT_REDIRECT],
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "client_secret_basic",
            },
        ],
        "accounts": ACCOUNTS,
    }
    config_path = tmp_path_factory.mktemp("oidc") / "provider.json"
    config_path.write_text(json.dumps(config))
    process, issuer = _start_provider(config_path)
    try:
        discovery = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
        yield Provider(issuer=issuer, discovery=discovery)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def oidc_settings(settings, oidc_provider):
    """Django configured for the test provider, as the OIDC_* environment variables would do."""
    settings.OIDC_RP_CLIENT_ID = WEB_CLIENT["client_id"]
    settings.OIDC_RP_CLIENT_SECRET = WEB_CLIENT["client_secret"]
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = oidc_provider.endpoint("authorization_endpoint")
    settings.OIDC_OP_TOKEN_ENDPOINT = oidc_provider.endpoint("token_endpoint")
    settings.OIDC_OP_USER_ENDPOINT = oidc_provider.endpoint("userinfo_endpoint")
    settings.OIDC_OP_JWKS_ENDPOINT = oidc_provider.endpoint("jwks_uri")
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    return settings
