from django.db import models


class LocationKind(models.TextChoices):
    CENTRAL_STORE = "central_store", "Central store"
    MOBILE_UNIT = "mobile_unit", "Mobile unit (van)"


class AssetStatus(models.TextChoices):
    OPERATIONAL = "operational", "Operational"
    UNDER_MAINTENANCE = "under_maintenance", "Under maintenance"
    IN_REPAIR = "in_repair", "In repair"
    OUT_OF_SERVICE = "out_of_service", "Out of service"
    RETIRED = "retired", "Retired"
    DISPOSED = "disposed", "Disposed"


# Which status an asset may move to from each status. Disposed is final; a retired asset
# can only be disposed of (or, if retired by mistake, brought back into service).
ASSET_TRANSITIONS: dict[str, frozenset[str]] = {
    AssetStatus.OPERATIONAL: frozenset(
        {AssetStatus.UNDER_MAINTENANCE, AssetStatus.IN_REPAIR, AssetStatus.OUT_OF_SERVICE, AssetStatus.RETIRED}
    ),
    AssetStatus.UNDER_MAINTENANCE: frozenset(
        {AssetStatus.OPERATIONAL, AssetStatus.IN_REPAIR, AssetStatus.OUT_OF_SERVICE}
    ),
    AssetStatus.IN_REPAIR: frozenset({AssetStatus.OPERATIONAL, AssetStatus.OUT_OF_SERVICE, AssetStatus.RETIRED}),
    AssetStatus.OUT_OF_SERVICE: frozenset(
        {AssetStatus.OPERATIONAL, AssetStatus.IN_REPAIR, AssetStatus.RETIRED, AssetStatus.DISPOSED}
    ),
    AssetStatus.RETIRED: frozenset({AssetStatus.DISPOSED, AssetStatus.OPERATIONAL}),
    AssetStatus.DISPOSED: frozenset(),
}


class MaintenanceKind(models.TextChoices):
    PREVENTIVE = "preventive", "Preventive maintenance"
    CALIBRATION = "calibration", "Calibration"
    REPAIR = "repair", "Repair"
    INSPECTION = "inspection", "Inspection"


class ItemKind(models.TextChoices):
    MEDICINE = "medicine", "Medicine"
    SUPPLY = "supply", "Medical supply"


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", "Receipt"
    DISPENSE = "dispense", "Dispense"
    ADJUSTMENT = "adjustment", "Adjustment"
    TRANSFER_OUT = "transfer_out", "Transfer out"
    TRANSFER_IN = "transfer_in", "Transfer in"
    EXPIRY_WRITE_OFF = "expiry_write_off", "Expiry write-off"
    RETURN = "return", "Return to stock"


# Movements that only ever add to, or only ever take from, a batch.
INBOUND_KINDS = (MovementKind.RECEIPT, MovementKind.TRANSFER_IN, MovementKind.RETURN)
OUTBOUND_KINDS = (MovementKind.DISPENSE, MovementKind.TRANSFER_OUT, MovementKind.EXPIRY_WRITE_OFF)


class PurchaseOrderStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ORDERED = "ordered", "Ordered"
    PARTIALLY_RECEIVED = "partially_received", "Partially received"
    RECEIVED = "received", "Received"
    CANCELLED = "cancelled", "Cancelled"


class AlertKind(models.TextChoices):
    LOW_STOCK = "low_stock", "Low stock"
    EXPIRY = "expiry", "Expiring soon"
    CALIBRATION_DUE = "calibration_due", "Calibration due"
    MAINTENANCE_DUE = "maintenance_due", "Maintenance due"
    WARRANTY_EXPIRING = "warranty_expiring", "Warranty expiring"
