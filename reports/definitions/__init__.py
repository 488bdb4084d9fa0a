"""The reports, one module per area; importing this package registers them all."""

from reports.definitions import appointments, assets, clinical, stock  # noqa: F401
