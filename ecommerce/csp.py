"""Django 6's Content-Security-Policy middleware, for the responses a browser renders (SPEC §6)."""

from __future__ import annotations

from django.middleware.csp import ContentSecurityPolicyMiddleware


class HtmlContentSecurityPolicyMiddleware(ContentSecurityPolicyMiddleware):
    """`SECURE_CSP` on HTML responses (the admin, the API docs, the browsable API, error pages).

    JSON answers are left alone: a browser does not render them, and building the policy string costs
    tens of microseconds per response on the API's hot path.
    """

    def process_response(self, request, response):
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        return super().process_response(request, response)
