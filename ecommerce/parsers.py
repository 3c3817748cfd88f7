"""The API's JSON parser: DRF's, hardened against inputs that would otherwise be 500s."""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, plus: nesting too deep for Python's decoder is a 400, not a 500.

    `json.loads` raises RecursionError (not ValueError, which DRF catches) on input such as
    a few thousand `[` in a row; such a body fits well under the size limit. NaN and
    Infinity are already refused by DRF's strict mode (`STRICT_JSON`).
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None
