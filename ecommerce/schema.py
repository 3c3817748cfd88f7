"""drf-spectacular hooks."""


def strip_trailing_slashes(result, generator, request, public):
    """List resource paths as SPEC §3 writes them: `/api/v1/products`, not `/api/v1/products/`.

    The routers accept an optional slash (`/?`), which drf-spectacular renders as `/`. Both
    forms answer the same; the schema shows the canonical one. The API root keeps its slash.
    """
    paths = result.get("paths", {})
    result["paths"] = {
        (path.rstrip("/") if path.endswith("/") and path != "/api/v1/" else path): item for path, item in paths.items()
    }
    return result
