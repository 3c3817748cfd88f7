"""The API's JSON parser: DRF's, hardened against inputs that would otherwise be 500s."""

from __future__ import annotations

import codecs
import math
from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number out of range: {text[:40]}")
    return value


def _has_lone_surrogate(data: Any) -> bool:
    """Whether any string (key or value) in parsed JSON cannot be encoded as UTF-8.

    Iterative: a document nested a few thousand levels deep parses fine but would overflow a
    recursive walk.
    """
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser (NaN and Infinity refused in strict mode), and also refusing, as 400s:

    - nesting too deep for Python's decoder (`json` raises RecursionError, which DRF does not
      catch, on a few thousand `[` in a row: such a body fits well under the size limit);
    - numbers that overflow to infinity (`1e400`), which later crash integer conversions;
    - `\\ud800`-style escapes of lone surrogates: valid JSON, but text that cannot be encoded
      as UTF-8 for the database, a hash or the response.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
            data = json.loads(
                text,
                parse_constant=json.strict_constant if self.strict else None,
                parse_float=_finite_float,
            )
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from None
        # Only a \uD800-\uDFFF escape can produce a lone surrogate (the UTF-8 decoder refuses raw ones).
        if ("\\ud" in text or "\\uD" in text) and _has_lone_surrogate(data):
            raise ParseError("JSON parse error - a string holds an unpaired surrogate (not valid Unicode).")
        return data
