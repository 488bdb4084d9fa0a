from datetime import date, timedelta
from decimal import Decimal

from auditlog.registry import auditlog
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from inventory.choices import (
    ASSET_TRANSITIONS,
    INBOUND_KINDS,
    OUTBOUND_KINDS,
    AlertKind,
    AssetStatus,
    ItemKind,
    LocationKind,
    MaintenanceKind,
    MovementKind,
    PurchaseOrderStatus,
)
from polmed.exceptions import RuleViolation

MONEY = {"max_digits": 12, "decimal_places": 2}
UNIT_COST = {"max_digits": 12, "decimal_places": 4}


class StockLocationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def vans(self):
        return self.filter(kind=LocationKind.MOBILE_UNIT)


class StockLocation(models.Model):
    """A place that holds stock: the central store, or one mobile clinic van."""

    name = models.CharField(max_length=120, unique=True)
    code = models.CharField(max_length=20, unique=True, help_text="Short code, e.g. STORE or VAN-01.")
    kind = models.CharField(max_length=20, choices=LocationKind.choices, default=LocationKind.MOBILE_UNIT)
    address = models.TextField(blank=True, help_text="Where the store is, or where the van is garaged.")
    notes = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    objects = StockLocationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "is_active"])]

    def __str__(self):
        return self.name


class Supplier(models.Model):
    """A wholesaler or manufacturer the clinic buys medicines, supplies or equipment from."""

    name = models.CharField(max_length=200, unique=True)
    contact_person = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    address = models.TextField(blank=True)
    lead_time_days = models.PositiveIntegerField(default=7, help_text="Usual days from order to delivery.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


# --- Assets (medical equipment) -------------------------------------------------------------


class AssetCategory(models.Model):
    """A kind of equipment (diagnostic, emergency, cold chain...) with its usual useful life."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    default_useful_life_years = models.PositiveSmallIntegerField(default=5, validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "asset categories"

    def __str__(self):
        return self.name


class AssetQuerySet(models.QuerySet):
    def calibration_due_within(self, days: int, *, today: date | None = None):
        today = today or timezone.localdate()
        return self.in_use().filter(next_calibration_due__lte=today + timedelta(days=days))

    def maintenance_due_within(self, days: int, *, today: date | None = None):
        today = today or timezone.localdate()
        return self.in_use().filter(next_maintenance_due__lte=today + timedelta(days=days))

    def warranty_expiring_within(self, days: int, *, today: date | None = None):
        today = today or timezone.localdate()
        return self.in_use().filter(warranty_expiry__gte=today, warranty_expiry__lte=today + timedelta(days=days))

    def in_use(self):
        return self.exclude(status__in=[AssetStatus.RETIRED, AssetStatus.DISPOSED])


class Asset(models.Model):
    """A piece of medical equipment the clinic owns: a BP monitor, an ECG machine, a vaccine fridge."""

    asset_tag = models.CharField(max_length=50, unique=True)
    asset_name = models.CharField(max_length=200)
    serial_number = models.CharField(max_length=100, blank=True)
    category = models.ForeignKey(AssetCategory, null=True, blank=True, on_delete=models.PROTECT, related_name="assets")
    manufacturer = models.CharField(max_length=120, blank=True)
    model = models.CharField(max_length=120, blank=True)
    purchase_date = models.DateField(null=True, blank=True)
    warranty_expiry = models.DateField(null=True, blank=True)
    location = models.ForeignKey(StockLocation, null=True, blank=True, on_delete=models.PROTECT, related_name="assets")
    purchase_cost = models.DecimalField(**MONEY, default=Decimal("0"), validators=[MinValueValidator(0)])
    salvage_value = models.DecimalField(
        **MONEY, default=Decimal("0"), validators=[MinValueValidator(0)], help_text="Expected value at end of life."
    )
    useful_life_years = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Blank: the category's default."
    )
    status = models.CharField(max_length=20, choices=AssetStatus.choices, default=AssetStatus.OPERATIONAL)
    calibration_interval_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Blank if the device needs no calibration."
    )
    next_calibration_due = models.DateField(null=True, blank=True)
    next_maintenance_due = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AssetQuerySet.as_manager()

    class Meta:
        ordering = ["asset_tag"]
        indexes = [
            models.Index(fields=["status", "asset_tag"]),
            models.Index(fields=["next_calibration_due"]),
            models.Index(fields=["next_maintenance_due"]),
            models.Index(fields=["warranty_expiry"]),
            models.Index(fields=["asset_name"]),
            models.Index(fields=["serial_number"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(purchase_cost__gte=0), name="asset_purchase_cost_not_negative"),
            models.CheckConstraint(
                condition=Q(salvage_value__lte=F("purchase_cost")), name="asset_salvage_at_most_cost"
            ),
        ]

    def __str__(self):
        return f"{self.asset_tag} {self.asset_name}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if None not in (self.salvage_value, self.purchase_cost) and self.salvage_value > self.purchase_cost:
            raise ValidationError({"salvage_value": "The salvage value cannot exceed the purchase cost."})
        if self.purchase_date and self.warranty_expiry and self.warranty_expiry < self.purchase_date:
            raise ValidationError({"warranty_expiry": "The warranty cannot expire before the purchase date."})

    # Depreciation -------------------------------------------------------------------------
    @property
    def effective_useful_life_years(self) -> int:
        if self.useful_life_years:
            return self.useful_life_years
        return self.category.default_useful_life_years if self.category_id else 5

    def accumulated_depreciation(self, on: date | None = None) -> Decimal:
        """Straight line from the purchase date down to the salvage value over the useful life."""
        on = on or timezone.localdate()
        if not self.purchase_date or on <= self.purchase_date:
            return Decimal("0.00")
        depreciable = Decimal(self.purchase_cost) - Decimal(self.salvage_value)
        life_days = Decimal(self.effective_useful_life_years) * Decimal("365.25")
        elapsed = Decimal((on - self.purchase_date).days)
        fraction = min(Decimal(1), elapsed / life_days)
        return (depreciable * fraction).quantize(Decimal("0.01"))

    def book_value(self, on: date | None = None) -> Decimal:
        """What the asset is worth on the books on a date (a disposed asset is worth nothing)."""
        if self.status == AssetStatus.DISPOSED:
            return Decimal("0.00")
        return (Decimal(self.purchase_cost) - self.accumulated_depreciation(on)).quantize(Decimal("0.01"))

    # Lifecycle ----------------------------------------------------------------------------
    def can_transition_to(self, status: str) -> bool:
        return status in ASSET_TRANSITIONS[self.status]

    def transition_to(self, status: str, *, by, reason: str = "") -> "AssetStatusChange":
        """Move the asset to another lifecycle status and record who did it and why."""
        if status not in AssetStatus.values:
            raise RuleViolation(f'"{status}" is not an asset status.', field="status")
        if not self.can_transition_to(status):
            allowed = ", ".join(sorted(ASSET_TRANSITIONS[self.status])) or "none (final status)"
            raise RuleViolation(
                f"An asset that is {AssetStatus(self.status).label.lower()} cannot become "
                f"{AssetStatus(status).label.lower()}. Allowed: {allowed}.",
                field="status",
            )
        if status in (AssetStatus.RETIRED, AssetStatus.DISPOSED) and not reason.strip():
            raise RuleViolation("Give a reason when retiring or disposing of an asset.", field="reason")
        change = AssetStatusChange.objects.create(
            asset=self, from_status=self.status, to_status=status, reason=reason, changed_by=by
        )
        self.status = status
        self.save(update_fields=["status", "updated_at"])
        return change

    def refresh_due_dates(self) -> None:
        """Next calibration and service dates come from the latest record of each kind, so that
        correcting or deleting a record moves them too."""
        latest = {
            kind: self.maintenance_records.filter(kind=kind).order_by("-performed_on", "-pk").first()
            for kind in (MaintenanceKind.CALIBRATION, MaintenanceKind.PREVENTIVE)
        }
        calibration, service = latest[MaintenanceKind.CALIBRATION], latest[MaintenanceKind.PREVENTIVE]
        if calibration is not None:
            self.next_calibration_due = calibration.next_due_date
        if service is not None and service.next_due_date:
            self.next_maintenance_due = service.next_due_date
        self.save(update_fields=["next_calibration_due", "next_maintenance_due", "updated_at"])

    def record_maintenance(self, *, kind: str, performed_on: date, by, **fields) -> "AssetMaintenance":
        """Record a service or calibration and move the asset's next-due date on."""
        record = AssetMaintenance(asset=self, kind=kind, performed_on=performed_on, recorded_by=by, **fields)
        if kind == MaintenanceKind.CALIBRATION and not record.next_due_date and self.calibration_interval_days:
            record.next_due_date = performed_on + timedelta(days=self.calibration_interval_days)
        record.full_clean()
        record.save()
        self.refresh_due_dates()
        return record


class AssetStatusChange(models.Model):
    """One step in an asset's life: from which status to which, who moved it, why and when."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=AssetStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=AssetStatus.choices)
    reason = models.TextField(blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["asset", "-changed_at"])]

    def __str__(self):
        return f"{self.asset.asset_tag}: {self.from_status or '-'} -> {self.to_status}"


class AssetMaintenance(models.Model):
    """A service, repair, inspection or calibration done on an asset, with when it is next due."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="maintenance_records")
    kind = models.CharField(max_length=20, choices=MaintenanceKind.choices)
    performed_on = models.DateField()
    performed_by = models.CharField(max_length=150, blank=True, help_text="Technician or service company.")
    description = models.TextField(blank=True)
    cost = models.DecimalField(**MONEY, default=Decimal("0"), validators=[MinValueValidator(0)])
    next_due_date = models.DateField(null=True, blank=True)
    certificate_number = models.CharField(max_length=100, blank=True, help_text="Calibration certificate.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-performed_on", "-id"]
        verbose_name_plural = "asset maintenance records"
        indexes = [models.Index(fields=["asset", "-performed_on"]), models.Index(fields=["kind", "next_due_date"])]
        constraints = [models.CheckConstraint(condition=Q(cost__gte=0), name="maintenance_cost_not_negative")]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.asset.asset_tag} on {self.performed_on}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.next_due_date and self.performed_on and self.next_due_date <= self.performed_on:
            raise ValidationError({"next_due_date": "The next due date must be after the date it was performed."})


# --- Consumables ---------------------------------------------------------------------------


class ItemQuerySet(models.QuerySet):
    def with_available_quantity(self, location=None, *, today: date | None = None):
        """Annotate `available_quantity`: non-expired stock at `location` (or everywhere if None)."""
        batches = Batch.objects.usable(today=today).filter(item=OuterRef("pk"))
        if location is not None:
            batches = batches.filter(location=location)
        total = batches.order_by().values("item").annotate(total=Sum("quantity")).values("total")
        return self.annotate(available_quantity=Coalesce(Subquery(total, output_field=IntegerField()), Value(0)))

    def active(self):
        return self.filter(is_active=True)


class Item(models.Model):
    """A consumable the clinic stocks: a medicine (with strength and form) or a medical supply."""

    name = models.CharField(
        max_length=200, help_text='Generic name with strength and form, e.g. "Amlodipine 5 mg tablet".'
    )
    kind = models.CharField(max_length=20, choices=ItemKind.choices, default=ItemKind.MEDICINE)
    unit_of_issue = models.CharField(
        max_length=30, default="tablet", help_text="tablet, capsule, bottle, vial, each..."
    )
    nappi_code = models.CharField(
        max_length=20, blank=True, help_text="National Pharmaceutical Product Index code, kept as text."
    )
    description = models.TextField(blank=True)
    default_reorder_level = models.PositiveIntegerField(
        default=0, help_text="Used for a location that has no reorder level of its own."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ItemQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name"]), models.Index(fields=["kind", "is_active"])]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="item_name_unique"),
            models.UniqueConstraint(
                fields=["nappi_code"], condition=~Q(nappi_code=""), name="item_nappi_code_unique_when_given"
            ),
        ]

    def __str__(self):
        return self.name

    def available_at(self, location) -> int:
        return available_quantity(item=self, location=location)


class StockLevelQuerySet(models.QuerySet):
    def with_available_quantity(self, *, today: date | None = None):
        """Annotate `available_quantity`: the usable stock of the item at the level's location."""
        usable = (
            Batch.objects.usable(today=today)
            .filter(item=OuterRef("item"), location=OuterRef("location"))
            .order_by()
            .values("item")
            .annotate(total=Sum("quantity"))
            .values("total")
        )
        return self.annotate(available_quantity=Coalesce(Subquery(usable, output_field=IntegerField()), Value(0)))

    def below_reorder_level(self, *, today: date | None = None):
        """Active items at active locations whose usable stock is at or below the reorder level."""
        return self.with_available_quantity(today=today).filter(
            available_quantity__lte=F("reorder_level"), item__is_active=True, location__is_active=True
        )


class StockLevel(models.Model):
    """How much of an item a location should hold: reorder when usable stock falls to the
    reorder level, and order the reorder quantity."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="stock_levels")
    location = models.ForeignKey(StockLocation, on_delete=models.CASCADE, related_name="stock_levels")
    reorder_level = models.PositiveIntegerField(default=0)
    reorder_quantity = models.PositiveIntegerField(default=0)

    objects = StockLevelQuerySet.as_manager()

    class Meta:
        ordering = ["location__name", "item__name"]
        constraints = [models.UniqueConstraint(fields=["item", "location"], name="stock_level_one_per_item_location")]
        indexes = [models.Index(fields=["location", "item"])]

    def __str__(self):
        return f"{self.item} at {self.location}: reorder at {self.reorder_level}"


class BatchQuerySet(models.QuerySet):
    def usable(self, *, today: date | None = None):
        """Not expired: a batch may be used up to and including its expiry date."""
        today = today or timezone.localdate()
        return self.filter(expiry_date__gte=today)

    def expired(self, *, today: date | None = None):
        today = today or timezone.localdate()
        return self.filter(expiry_date__lt=today)

    def in_stock(self):
        return self.filter(quantity__gt=0)

    def expiring_within(self, days: int, *, today: date | None = None):
        """In-stock batches that are still usable but expire within `days` days."""
        today = today or timezone.localdate()
        return self.in_stock().filter(expiry_date__gte=today, expiry_date__lte=today + timedelta(days=days))

    def first_expiry_first_out(self):
        return self.order_by("expiry_date", "received_date", "pk")


class Batch(models.Model):
    """One manufacturer's batch (lot) of an item at one location, with what is left of it.

    `quantity` is only ever changed by the stock service, together with a ledger movement, so
    it always equals the sum of the batch's movements.
    """

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="batches")
    location = models.ForeignKey(StockLocation, on_delete=models.PROTECT, related_name="batches")
    batch_number = models.CharField(max_length=60)
    expiry_date = models.DateField()
    quantity_received = models.PositiveIntegerField(
        default=0, help_text="Everything that came into this batch here: receipts and transfers in."
    )
    quantity = models.PositiveIntegerField(default=0, help_text="Current quantity on hand.")
    unit_cost = models.DecimalField(**UNIT_COST, default=Decimal("0"), validators=[MinValueValidator(0)])
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="batches")
    received_date = models.DateField(default=timezone.localdate)
    purchase_order_line = models.ForeignKey(
        "PurchaseOrderLine", null=True, blank=True, on_delete=models.SET_NULL, related_name="batches"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BatchQuerySet.as_manager()

    class Meta:
        ordering = ["expiry_date", "pk"]
        verbose_name_plural = "batches"
        indexes = [
            models.Index(fields=["location", "item", "expiry_date"]),
            # Expiry alerts for one van or store: all its items, by expiry date.
            models.Index(fields=["location", "expiry_date"], name="batch_location_expiry_idx"),
            models.Index(fields=["item", "expiry_date"]),
            models.Index(fields=["expiry_date"]),
            models.Index(fields=["batch_number"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="batch_quantity_not_negative"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="batch_unit_cost_not_negative"),
            models.UniqueConstraint(
                fields=["item", "location", "batch_number"], name="batch_number_unique_per_item_location"
            ),
        ]

    def __str__(self):
        return f"{self.item} batch {self.batch_number} at {self.location} (exp {self.expiry_date})"

    def is_expired(self, today: date | None = None) -> bool:
        return self.expiry_date < (today or timezone.localdate())

    def days_until_expiry(self, today: date | None = None) -> int:
        return (self.expiry_date - (today or timezone.localdate())).days


class StockMovement(models.Model):
    """One line of the stock ledger: a change in a batch's quantity, signed (+ in, - out),
    with who made it, when and why. Rows are never edited or deleted."""

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="movements")
    # Copied from the batch so that usage reports group without joins.
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="movements")
    location = models.ForeignKey(StockLocation, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=20, choices=MovementKind.choices)
    quantity = models.IntegerField(help_text="Signed: positive into the batch, negative out of it.")
    unit_cost = models.DecimalField(max_digits=12, decimal_places=4, default=Decimal("0"))
    balance_after = models.PositiveIntegerField(help_text="The batch's quantity right after this movement.")
    reason = models.TextField(blank=True)
    reference = models.CharField(max_length=100, blank=True, help_text="Purchase order, visit or document number.")
    counterpart = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For a transfer: the matching movement at the other location.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["item", "location", "created_at"]),
            models.Index(fields=["location", "created_at"]),
            models.Index(fields=["kind", "created_at"]),
            models.Index(fields=["created_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="movement_quantity_not_zero"),
            models.CheckConstraint(
                condition=~Q(kind__in=INBOUND_KINDS) | Q(quantity__gt=0), name="movement_inbound_is_positive"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=OUTBOUND_KINDS) | Q(quantity__lt=0), name="movement_outbound_is_negative"
            ),
            models.CheckConstraint(
                condition=~Q(kind=MovementKind.ADJUSTMENT) | ~Q(reason=""), name="movement_adjustment_has_reason"
            ),
        ]
        permissions = [("view_usage", "Can view stock usage and cost")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.quantity:+d} of {self.item} at {self.location}"

    @property
    def cost(self) -> Decimal:
        return (Decimal(abs(self.quantity)) * self.unit_cost).quantize(Decimal("0.01"))


# --- Procurement ---------------------------------------------------------------------------


class PurchaseOrder(models.Model):
    """An order to a supplier for items to be delivered to one stock location."""

    order_number = models.CharField(max_length=30, unique=True, blank=True)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="purchase_orders")
    deliver_to = models.ForeignKey(StockLocation, on_delete=models.PROTECT, related_name="purchase_orders")
    status = models.CharField(max_length=20, choices=PurchaseOrderStatus.choices, default=PurchaseOrderStatus.DRAFT)
    order_date = models.DateField(null=True, blank=True)
    expected_date = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"]), models.Index(fields=["supplier", "status"])]
        permissions = [("receive_purchaseorder", "Can receive deliveries against a purchase order")]

    def __str__(self):
        return f"{self.order_number} ({self.supplier})"

    def save(self, *args, **kwargs):
        if not self.order_number:
            self.order_number = _next_order_number()
        super().save(*args, **kwargs)

    @property
    def total_cost(self) -> Decimal:
        return sum((line.line_total for line in self.lines.all()), Decimal("0.00"))

    def place(self, *, today: date | None = None) -> None:
        """Send the draft to the supplier: it can then be received against."""
        if self.status != PurchaseOrderStatus.DRAFT:
            raise RuleViolation("Only a draft purchase order can be placed.", field="status")
        if not self.lines.exists():
            raise RuleViolation("Add at least one line before placing the order.", field="lines")
        self.status = PurchaseOrderStatus.ORDERED
        self.order_date = today or timezone.localdate()
        if not self.expected_date:
            self.expected_date = self.order_date + timedelta(days=self.supplier.lead_time_days)
        self.save(update_fields=["status", "order_date", "expected_date"])

    def cancel(self) -> None:
        if self.status not in (PurchaseOrderStatus.DRAFT, PurchaseOrderStatus.ORDERED):
            raise RuleViolation(
                "Only a draft or ordered purchase order with nothing received can be cancelled.", field="status"
            )
        self.status = PurchaseOrderStatus.CANCELLED
        self.save(update_fields=["status"])

    def refresh_status(self) -> None:
        """After a delivery: partially received until every line is complete."""
        lines = list(self.lines.values_list("quantity_ordered", "quantity_received"))
        if lines and all(received >= ordered for ordered, received in lines):
            self.status = PurchaseOrderStatus.RECEIVED
        elif any(received for _, received in lines):
            self.status = PurchaseOrderStatus.PARTIALLY_RECEIVED
        self.save(update_fields=["status"])

    @property
    def can_receive(self) -> bool:
        return self.status in (PurchaseOrderStatus.ORDERED, PurchaseOrderStatus.PARTIALLY_RECEIVED)


def _next_order_number() -> str:
    year = timezone.localdate().year
    prefix = f"PO-{year}-"
    last = (
        PurchaseOrder.objects.filter(order_number__startswith=prefix)
        .order_by("-order_number")
        .values_list("order_number", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:05d}"


class PurchaseOrderLine(models.Model):
    """One item on a purchase order: how many were ordered, at what price, how many arrived.

    `batch_number` and `expiry_date` may be filled in from the delivery note so that the
    back office can receive the outstanding quantity in one action.
    """

    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="purchase_order_lines")
    quantity_ordered = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    quantity_received = models.PositiveIntegerField(default=0)
    unit_cost = models.DecimalField(**UNIT_COST, default=Decimal("0"), validators=[MinValueValidator(0)])
    batch_number = models.CharField(max_length=60, blank=True, help_text="From the delivery note.")
    expiry_date = models.DateField(null=True, blank=True, help_text="From the delivery note.")

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity_ordered__gt=0), name="po_line_ordered_positive"),
            models.CheckConstraint(
                condition=Q(quantity_received__lte=F("quantity_ordered")), name="po_line_received_at_most_ordered"
            ),
            models.UniqueConstraint(fields=["order", "item"], name="po_line_one_per_item"),
        ]

    def __str__(self):
        return f"{self.quantity_ordered} x {self.item} on {self.order.order_number}"

    @property
    def quantity_outstanding(self) -> int:
        return max(0, self.quantity_ordered - self.quantity_received)

    @property
    def line_total(self) -> Decimal:
        return (Decimal(self.quantity_ordered) * self.unit_cost).quantize(Decimal("0.01"))


# --- Alerts --------------------------------------------------------------------------------


class StockAlertQuerySet(models.QuerySet):
    def open(self):
        return self.filter(resolved_at__isnull=True)


class StockAlert(models.Model):
    """A recorded warning for the inventory managers: low stock, a batch expiring, a device
    due for calibration or service, a warranty running out. Raised once, resolved when the
    condition clears (`check_stock_alerts`)."""

    key = models.CharField(max_length=100, unique=True, help_text="What the alert is about, e.g. expiry:batch:12.")
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    location = models.ForeignKey(StockLocation, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    batch = models.ForeignKey(Batch, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    asset = models.ForeignKey(Asset, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    message = models.CharField(max_length=300)
    due_date = models.DateField(null=True, blank=True)
    raised_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = StockAlertQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["kind", "resolved_at"]), models.Index(fields=["resolved_at", "-raised_at"])]

    def __str__(self):
        return self.message


def available_quantity(*, item, location, today: date | None = None) -> int:
    """Usable (non-expired) quantity of an item at a location."""
    return (
        Batch.objects.usable(today=today)
        .filter(item=item, location=location)
        .aggregate(total=Coalesce(Sum("quantity"), 0))["total"]
    )


for _model in (
    StockLocation,
    Supplier,
    AssetCategory,
    Asset,
    AssetMaintenance,
    Item,
    StockLevel,
    Batch,
    PurchaseOrder,
    PurchaseOrderLine,
):
    auditlog.register(_model)
