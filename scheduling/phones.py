"""Phone numbers as people type them (082 123 4567, +27 82 123 4567) -> E.164 (+27821234567)."""

import phonenumbers

from polmed.exceptions import RuleViolation

DEFAULT_REGION = "ZA"


def normalize_phone(raw: str, *, field: str = "phone") -> str:
    try:
        number = phonenumbers.parse(str(raw or "").strip(), DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise RuleViolation("Enter a valid phone number, e.g. 082 123 4567.", field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def try_normalize_phone(raw: str) -> str | None:
    """The E.164 form, or None when the input is not a phone number (for lookups that must not say why)."""
    try:
        return normalize_phone(raw)
    except RuleViolation:
        return None
