"""The `Idempotency-Key` request header (draft-ietf-httpapi-idempotency-key-header): its grammar, here in the
HTTP layer; what a key means (replay within its lifetime, one per customer) is `orders.services`'."""

from __future__ import annotations

import re

from orders.exceptions import InvalidIdempotencyKey

MAX_IDEMPOTENCY_KEY_LENGTH = 255  # the column's length
# An RFC 8941 sf-string: the draft's form of the header, `Idempotency-Key: "8e03978e-..."`.
_SF_STRING = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"')
_SF_ESCAPE = re.compile(r'\\(["\\])')


def idempotency_key_parse(value: str | None) -> str | None:
    """The key of an `Idempotency-Key` header: 1 to 255 printable ASCII characters (None: no header).

    The draft makes the header an RFC 8941 sf-string (`"abc"`); the bare form (`abc`) most
    clients send is accepted too, and both name the same key. Raises InvalidIdempotencyKey.
    """
    if value is None:
        return None
    quoted = _SF_STRING.fullmatch(value)
    key = _SF_ESCAPE.sub(r"\1", quoted.group(1)) if quoted else value
    if not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH or not all(" " <= char <= "~" for char in key):
        raise InvalidIdempotencyKey(
            f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters.",
            errors={"Idempotency-Key": [f"1 to {MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters."]},
        )
    return key
