"""Phone numbers as SPEC §6 takes them: strict E.164, one rule for the API and the admin."""

import re

import phonenumbers

E164_EXAMPLE = "+254712345678"
E164_HELP = (
    f"E.164: + then 8 to 15 digits, country code first, e.g. {E164_EXAMPLE} (spaces or dashes between digits allowed)."
)
E164_INVALID = (
    f"Enter the phone number in E.164 form: + and the country code, then the number, 8 to 15 digits in all, "
    f"e.g. {E164_EXAMPLE}."
)
E164_UNKNOWN = f"This is not a phone number in use anywhere; enter it in E.164 form, e.g. {E164_EXAMPLE}."

# Spaces and dashes between two digits are dropped; anything else that is not "+" and 8-15 ASCII digits is refused.
_SEPARATOR = re.compile(r"(?<=[0-9])[ -](?=[0-9])")
_E164 = re.compile(r"\+[1-9][0-9]{7,14}")


class PhoneInvalid(ValueError):
    """`code` is "invalid" (not the E.164 form) or "unknown" (the form, but no such number)."""

    def __init__(self, code: str):
        super().__init__(E164_INVALID if code == "invalid" else E164_UNKNOWN)
        self.code = code


def e164_parse(text: str) -> str:
    """`text` as `+<digits>`, or PhoneInvalid. django-phonenumber-field's own parsing is lenient (`++254…`, a
    trailing `x`, national forms): the form is checked first, then that libphonenumber knows the number."""
    value = _SEPARATOR.sub("", text.strip())
    if not _E164.fullmatch(value):
        raise PhoneInvalid("invalid")
    try:
        known = phonenumbers.is_valid_number(phonenumbers.parse(value))
    except phonenumbers.NumberParseException:  # e.g. no such country code
        known = False
    if not known:
        raise PhoneInvalid("unknown")
    return value
