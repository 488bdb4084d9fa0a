"""Stock errors the service raises; the API answers them with 409."""

from polmed.exceptions import ConflictError


class InsufficientStock(ConflictError):
    """Not enough usable (non-expired) stock of an item at a location for what was asked."""

    def __init__(self, message: str, *, item=None, location=None, requested: int = 0, available: int = 0):
        super().__init__(message, code="insufficient_stock")
        self.item = item
        self.location = location
        self.requested = requested
        self.available = available
