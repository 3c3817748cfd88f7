"""drf-spectacular post-processing hooks.

`strip_trailing_slashes` lists resource paths as SPEC §3 writes them. `add_problem_responses`
documents the problem responses every operation can give: each app documents its success
responses (and any error it wants to describe itself); this hook adds, where an operation has
not, the RFC 9457 problem responses the shared stack produces for it (authentication,
permissions, lookups, throttling, body parsing), so clients and schema-driven tests
(schemathesis' status-code and content-type checks) see every status the API really answers.
"""

from __future__ import annotations

from typing import Any

PROBLEM_MEDIA_TYPE = "application/problem+json"

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "Validation errors: dotted field path → messages.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["type", "title", "status", "detail"],
}

_DESCRIPTIONS = {
    400: "Invalid input (body, query parameters or headers).",
    401: "Missing, invalid or expired credentials.",
    403: "Authenticated but not allowed.",
    404: "Not found, or not yours.",
    409: "Conflict with the current state.",
    413: "Request body too large.",
    415: "Unsupported request content type.",
    422: "Idempotency key reused with a different body.",
    429: "Throttled; see Retry-After.",
}
_EVERY_OPERATION = (400, 401, 403, 404, 429)
_WRITES = (409, 413, 415)


def add_problem_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular POSTPROCESSING_HOOKS entry."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Problem", PROBLEM_SCHEMA)
    reference = {"$ref": "#/components/schemas/Problem"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            statuses = list(_EVERY_OPERATION)
            if method != "get":
                statuses += _WRITES
            if any(
                p.get("in") == "header" and p.get("name", "").lower() == "idempotency-key"
                for p in operation.get("parameters", [])
            ):
                statuses.append(422)
            responses = operation.setdefault("responses", {})
            for status in statuses:
                responses.setdefault(
                    str(status),
                    {"description": _DESCRIPTIONS[status], "content": {PROBLEM_MEDIA_TYPE: {"schema": reference}}},
                )
    return result


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
