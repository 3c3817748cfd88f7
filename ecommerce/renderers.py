"""The browsable API's HTML renderer, under a Content-Security-Policy its templates can live with."""

from __future__ import annotations

from django.conf import settings
from django.utils.csp import CSP
from rest_framework.renderers import BrowsableAPIRenderer as DRFBrowsableAPIRenderer


class BrowsableAPIRenderer(DRFBrowsableAPIRenderer):
    """DRF's browsable API, whose templates carry dozens of `style="…"` attributes and a `<style>` block.

    Its page gets the site's policy with inline *styles* allowed (`style-src 'self' 'unsafe-inline'`, no nonce:
    a nonce would make browsers ignore 'unsafe-inline'); scripts stay `'self'` + nonce, and nothing may come
    from another origin. JSON answers are untouched.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            # The attribute Django's ContentSecurityPolicyMiddleware reads (what @csp_override sets).
            response._csp_config = {**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE]}
        return super().render(data, accepted_media_type, renderer_context)
