"""The image's HEALTHCHECK: exit 0 when GET /health answers 200 (no curl in the slim image)."""

import os
import sys
import urllib.request

url = f"http://127.0.0.1:{os.environ.get('PORT', '8080')}/health"
try:
    with urllib.request.urlopen(url, timeout=4) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception as error:  # any failure means unhealthy
    print(f"healthcheck: {url}: {error}", file=sys.stderr)
    sys.exit(1)
