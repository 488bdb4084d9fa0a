"""Domain errors raised by models and services, independent of HTTP.

The API's exception handler answers ConflictError with 409 and RuleViolation with 400;
staff pages show their message next to the form.
"""


class ConflictError(Exception):
    """The request is valid but clashes with the current state: no stock left, a full slot,
    a closed visit, a duplicate record."""

    def __init__(self, message: str, *, code: str = "conflict"):
        super().__init__(message)
        self.message = message
        self.code = code


class RuleViolation(ValueError):
    """The input breaks a domain rule (e.g. a stage skipped, a transfer to the same place)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
