"""The inventory managers' back office. Stock quantities change only through the stock
service: batch quantities are read-only here, the ledger cannot be edited, and the actions
(receive, transfer, adjust, write off) call `inventory.services`."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.html import format_html
from import_export import fields, resources, widgets
from import_export.admin import ExportActionMixin, ImportExportModelAdmin
from import_export.formats import base_formats

from inventory import services
from inventory.choices import AssetStatus, PurchaseOrderStatus
from inventory.models import (
    Asset,
    AssetCategory,
    AssetMaintenance,
    AssetStatusChange,
    Batch,
    Item,
    PurchaseOrder,
    PurchaseOrderLine,
    StockAlert,
    StockLevel,
    StockLocation,
    StockMovement,
    Supplier,
)
from polmed.exceptions import ConflictError, RuleViolation

BADGE_COLOURS = {
    AssetStatus.OPERATIONAL: "#1e7e34",
    AssetStatus.UNDER_MAINTENANCE: "#b8860b",
    AssetStatus.IN_REPAIR: "#c75000",
    AssetStatus.OUT_OF_SERVICE: "#b02a37",
    AssetStatus.RETIRED: "#6c757d",
    AssetStatus.DISPOSED: "#343a40",
    PurchaseOrderStatus.DRAFT: "#6c757d",
    PurchaseOrderStatus.ORDERED: "#0d6efd",
    PurchaseOrderStatus.PARTIALLY_RECEIVED: "#b8860b",
    PurchaseOrderStatus.RECEIVED: "#1e7e34",
    PurchaseOrderStatus.CANCELLED: "#343a40",
}


def badge(text, colour):
    return format_html(
        '<span style="background:{};color:#fff;padding:2px 8px;border-radius:10px;white-space:nowrap">{}</span>',
        colour,
        text,
    )


def status_badge(obj):
    return badge(obj.get_status_display(), BADGE_COLOURS.get(obj.status, "#6c757d"))


def _report(modeladmin, request, error):
    modeladmin.message_user(request, getattr(error, "message", str(error)), messages.ERROR)


class CsvImportExportAdmin(ImportExportModelAdmin):
    """CSV import needs the add permission, export the view permission."""

    formats = [base_formats.CSV]

    def has_import_permission(self, request):
        return self.has_add_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)


# --- Filters --------------------------------------------------------------------------------


class ExpiryFilter(admin.SimpleListFilter):
    title = "expiry"
    parameter_name = "expiry"

    def lookups(self, request, model_admin):
        return [
            ("expired", "Expired"),
            ("30", "Expiring within 30 days"),
            ("60", "Expiring within 60 days"),
            ("90", "Expiring within 90 days"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "expired":
            return queryset.expired()
        if self.value() in ("30", "60", "90"):
            today = timezone.localdate()
            return queryset.filter(expiry_date__gte=today, expiry_date__lte=today + timedelta(days=int(self.value())))
        return queryset


class InStockFilter(admin.SimpleListFilter):
    title = "stock"
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [("yes", "In stock"), ("no", "Empty")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.in_stock()
        if self.value() == "no":
            return queryset.filter(quantity=0)
        return queryset


class BelowReorderLevelFilter(admin.SimpleListFilter):
    title = "reorder level"
    parameter_name = "reorder"

    def lookups(self, request, model_admin):
        return [("below", "At or below reorder level"), ("above", "Above reorder level")]

    def queryset(self, request, queryset):
        if self.value() == "below":
            return queryset.filter(available_quantity__lte=F("reorder_level"))
        if self.value() == "above":
            return queryset.filter(available_quantity__gt=F("reorder_level"))
        return queryset


# --- Locations, suppliers -------------------------------------------------------------------


@admin.register(StockLocation)
class StockLocationAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ["name", "contact_person", "email", "phone", "lead_time_days", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "contact_person", "email"]


# --- Assets ---------------------------------------------------------------------------------


class AssetResource(resources.ModelResource):
    category = fields.Field(
        attribute="category", column_name="category", widget=widgets.ForeignKeyWidget(AssetCategory, "name")
    )
    location = fields.Field(
        attribute="location", column_name="location", widget=widgets.ForeignKeyWidget(StockLocation, "code")
    )

    class Meta:
        model = Asset
        import_id_fields = ("asset_tag",)
        fields = (
            "asset_tag",
            "asset_name",
            "serial_number",
            "category",
            "manufacturer",
            "model",
            "purchase_date",
            "warranty_expiry",
            "location",
            "purchase_cost",
            "salvage_value",
            "useful_life_years",
            "status",
            "calibration_interval_days",
            "next_calibration_due",
            "next_maintenance_due",
        )
        skip_unchanged = True

    def before_import_row(self, row, **kwargs):
        status = row.get("status") or AssetStatus.OPERATIONAL
        if status not in AssetStatus.values:
            raise ValidationError(f'"{status}" is not an asset status.')
        existing = Asset.objects.filter(asset_tag=row.get("asset_tag")).values_list("status", flat=True).first()
        if existing and existing != status:
            raise ValidationError("Change an asset's status with the status action, not by import.")

    def after_save_instance(self, instance, row, **kwargs):
        # An imported asset starts its history like one registered by hand.
        if instance.pk and not instance.status_changes.exists():
            AssetStatusChange.objects.create(
                asset=instance,
                from_status="",
                to_status=instance.status,
                reason="Imported",
                changed_by=kwargs.get("user"),
            )


class AssetStatusChangeInline(admin.TabularInline):
    model = AssetStatusChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "from_status", "to_status", "reason", "changed_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class AssetMaintenanceInline(admin.TabularInline):
    model = AssetMaintenance
    extra = 0
    can_delete = False
    fields = ["performed_on", "kind", "performed_by", "cost", "next_due_date", "certificate_number"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class AssetActionForm(ActionForm):
    status = forms.ChoiceField(choices=[("", "---------"), *AssetStatus.choices], required=False)
    reason = forms.CharField(required=False, max_length=500)


@admin.register(AssetCategory)
class AssetCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "default_useful_life_years"]
    search_fields = ["name"]


@admin.register(Asset)
class AssetAdmin(CsvImportExportAdmin):
    resource_classes = [AssetResource]
    list_display = [
        "asset_tag",
        "asset_name",
        "category",
        "location",
        "status_badge",
        "purchase_cost",
        "book_value_today",
        "next_calibration_due",
        "warranty_expiry",
    ]
    list_filter = ["status", "category", "location"]
    search_fields = ["asset_tag", "asset_name", "serial_number"]
    list_select_related = ["category", "location"]
    inlines = [AssetStatusChangeInline, AssetMaintenanceInline]
    action_form = AssetActionForm
    actions = ["change_status"]

    def get_readonly_fields(self, request, obj=None):
        return ["status", "created_at", "updated_at"] if obj else ["created_at", "updated_at"]

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj):
        return status_badge(obj)

    @admin.display(description="Book value")
    def book_value_today(self, obj):
        return obj.book_value()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            AssetStatusChange.objects.create(
                asset=obj, from_status="", to_status=obj.status, reason="Registered", changed_by=request.user
            )

    @admin.action(description="Move selected assets to the status chosen below", permissions=["change"])
    def change_status(self, request, queryset):
        status, reason = request.POST.get("status"), request.POST.get("reason", "")
        if not status:
            self.message_user(request, "Choose the new status first.", messages.ERROR)
            return
        moved = 0
        for asset in queryset:
            try:
                with transaction.atomic():
                    asset.transition_to(status, by=request.user, reason=reason)
                moved += 1
            except RuleViolation as error:
                self.message_user(request, f"{asset.asset_tag}: {error.message}", messages.ERROR)
        if moved:
            self.message_user(request, f"{moved} asset(s) moved to {AssetStatus(status).label.lower()}.")


@admin.register(AssetMaintenance)
class AssetMaintenanceAdmin(admin.ModelAdmin):
    list_display = ["asset", "kind", "performed_on", "performed_by", "cost", "next_due_date"]
    list_filter = ["kind"]
    search_fields = ["asset__asset_tag", "asset__asset_name", "performed_by", "certificate_number"]
    list_select_related = ["asset"]
    autocomplete_fields = ["asset"]
    readonly_fields = ["recorded_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = {f: form.cleaned_data.get(f) for f in form.cleaned_data if f not in ("asset", "kind", "performed_on")}
        with transaction.atomic():
            record = obj.asset.record_maintenance(kind=obj.kind, performed_on=obj.performed_on, by=request.user, **data)
        obj.pk = record.pk


@admin.register(AssetStatusChange)
class AssetStatusChangeAdmin(admin.ModelAdmin):
    list_display = ["asset", "from_status", "to_status", "changed_by", "changed_at"]
    list_filter = ["to_status"]
    search_fields = ["asset__asset_tag"]
    list_select_related = ["asset", "changed_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Items and batches ----------------------------------------------------------------------


class ItemResource(resources.ModelResource):
    class Meta:
        model = Item
        import_id_fields = ("name",)
        fields = ("name", "kind", "unit_of_issue", "nappi_code", "description", "default_reorder_level", "is_active")
        skip_unchanged = True


class BatchInline(admin.TabularInline):
    model = Batch
    extra = 0
    can_delete = False
    fields = ["location", "batch_number", "expiry_date", "quantity", "unit_cost", "supplier"]
    readonly_fields = fields
    ordering = ["expiry_date"]
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("location", "supplier").filter(quantity__gt=0)


class StockLevelInline(admin.TabularInline):
    model = StockLevel
    extra = 0
    autocomplete_fields = ["location"]


@admin.register(Item)
class ItemAdmin(CsvImportExportAdmin):
    resource_classes = [ItemResource]
    list_display = ["name", "kind", "unit_of_issue", "nappi_code", "available_quantity", "is_active"]
    list_filter = ["kind", "is_active", "batches__location"]
    search_fields = ["name", "nappi_code"]
    inlines = [StockLevelInline, BatchInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_available_quantity()

    @admin.display(description="Usable stock (all locations)", ordering="available_quantity")
    def available_quantity(self, obj):
        return obj.available_quantity


@admin.register(StockLevel)
class StockLevelAdmin(admin.ModelAdmin):
    list_display = ["item", "location", "available_quantity", "reorder_level", "reorder_quantity", "reorder_badge"]
    list_filter = [BelowReorderLevelFilter, "location"]
    search_fields = ["item__name", "location__name"]
    autocomplete_fields = ["item", "location"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("item", "location").with_available_quantity()

    @admin.display(description="Usable stock", ordering="available_quantity")
    def available_quantity(self, obj):
        return obj.available_quantity

    @admin.display(description="")
    def reorder_badge(self, obj):
        if obj.available_quantity <= obj.reorder_level:
            return badge("Reorder", "#b02a37")
        return ""


class BatchResource(resources.ModelResource):
    """Export: batches as they stand. Import: each row is a delivery received through the
    stock service (quantity_delivered), never a direct edit of a quantity."""

    item = fields.Field(attribute="item", column_name="item", widget=widgets.ForeignKeyWidget(Item, "name"))
    location = fields.Field(
        attribute="location", column_name="location", widget=widgets.ForeignKeyWidget(StockLocation, "code")
    )
    supplier = fields.Field(
        attribute="supplier", column_name="supplier", widget=widgets.ForeignKeyWidget(Supplier, "name")
    )
    quantity_on_hand = fields.Field(attribute="quantity", column_name="quantity_on_hand", readonly=True)
    quantity_delivered = fields.Field(column_name="quantity_delivered", widget=widgets.IntegerWidget())

    class Meta:
        model = Batch
        import_id_fields = ("item", "location", "batch_number")
        fields = (
            "item",
            "location",
            "batch_number",
            "expiry_date",
            "quantity_received",
            "quantity_on_hand",
            "quantity_delivered",
            "unit_cost",
            "supplier",
            "received_date",
        )
        export_order = fields

    def dehydrate_quantity_delivered(self, batch):
        return ""

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.column_name in ("quantity_delivered", "quantity_received"):
            return
        super().import_field(field, instance, row, is_m2m=is_m2m, **kwargs)

    def save_instance(self, instance, is_create, row, **kwargs):
        try:
            quantity = int(row.get("quantity_delivered") or 0)
        except (TypeError, ValueError) as error:
            raise ValidationError("quantity_delivered must be a whole number.") from error
        try:
            batch = services.receive(
                item=instance.item,
                location=instance.location,
                batch_number=instance.batch_number,
                expiry_date=instance.expiry_date,
                quantity=quantity,
                unit_cost=instance.unit_cost,
                supplier=instance.supplier,
                received_date=instance.received_date,
                by=kwargs["user"],
                reference="CSV import",
            )
        except (RuleViolation, ConflictError) as error:
            raise ValidationError(error.message) from error
        instance.pk = batch.pk


class ReceiveBatchForm(forms.ModelForm):
    quantity_delivered = forms.IntegerField(min_value=1, label="Quantity received")

    class Meta:
        model = Batch
        fields = ["item", "location", "batch_number", "expiry_date", "unit_cost", "supplier", "received_date"]

    def validate_unique(self):
        # Receiving a batch number already held adds to that batch; the service handles it.
        pass

    def clean(self):
        data = super().clean()
        expiry, today = data.get("expiry_date"), timezone.localdate()
        if expiry and expiry < today:
            self.add_error("expiry_date", "This batch has already expired; do not receive it into stock.")
        held = Batch.objects.filter(
            item=data.get("item"), location=data.get("location"), batch_number=(data.get("batch_number") or "").strip()
        ).first()
        if held and expiry and held.expiry_date != expiry:
            self.add_error("expiry_date", f"This batch is already held here with expiry {held.expiry_date}.")
        received = data.get("received_date")
        if received and received > today:
            self.add_error("received_date", "The received date cannot be in the future.")
        return data


class BatchActionForm(ActionForm):
    to_location = forms.ModelChoiceField(
        queryset=StockLocation.objects.filter(is_active=True), required=False, label="To location"
    )
    quantity = forms.IntegerField(required=False, label="Quantity (adjust: signed)")
    reason = forms.CharField(required=False, max_length=500)


@admin.register(Batch)
class BatchAdmin(CsvImportExportAdmin):
    resource_classes = [BatchResource]
    list_display = [
        "item",
        "batch_number",
        "location",
        "expiry_badge",
        "quantity",
        "quantity_received",
        "unit_cost",
        "supplier",
    ]
    list_filter = [ExpiryFilter, InStockFilter, "location", "item__kind", "supplier"]
    search_fields = ["batch_number", "item__name", "item__nappi_code"]
    list_select_related = ["item", "location", "supplier"]
    autocomplete_fields = ["item", "location", "supplier"]
    action_form = BatchActionForm
    actions = ["transfer_selected", "adjust_selected", "write_off_expired"]
    ordering = ["expiry_date"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ReceiveBatchForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [f.name for f in Batch._meta.fields]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return
        data = form.cleaned_data
        batch = services.receive(
            item=data["item"],
            location=data["location"],
            batch_number=data["batch_number"],
            expiry_date=data["expiry_date"],
            quantity=data["quantity_delivered"],
            unit_cost=data["unit_cost"],
            supplier=data.get("supplier"),
            received_date=data.get("received_date"),
            by=request.user,
        )
        obj.pk = batch.pk
        obj.refresh_from_db()

    @admin.display(description="Expiry", ordering="expiry_date")
    def expiry_badge(self, obj):
        days = obj.days_until_expiry()
        if days < 0:
            return badge(f"{obj.expiry_date} expired", "#b02a37")
        if days <= 30:
            return badge(f"{obj.expiry_date} ({days} d)", "#c75000")
        if days <= 90:
            return badge(f"{obj.expiry_date} ({days} d)", "#b8860b")
        return str(obj.expiry_date)

    def _quantity(self, request):
        try:
            return int(request.POST.get("quantity", ""))
        except ValueError:
            return None

    @admin.action(description="Transfer the quantity below to the location below", permissions=["change"])
    def transfer_selected(self, request, queryset):
        quantity = self._quantity(request)
        location_id = request.POST.get("to_location")
        if not quantity or not location_id:
            self.message_user(request, "Choose a location and a quantity to transfer.", messages.ERROR)
            return
        to_location = StockLocation.objects.get(pk=location_id)
        done = 0
        for batch in queryset:
            try:
                services.transfer(
                    batch=batch,
                    to_location=to_location,
                    quantity=quantity,
                    by=request.user,
                    reason=request.POST.get("reason", ""),
                )
                done += 1
            except (RuleViolation, ConflictError) as error:
                self.message_user(request, f"{batch.batch_number}: {error.message}", messages.ERROR)
        if done:
            self.message_user(request, f"Transferred {quantity} from {done} batch(es) to {to_location}.")

    @admin.action(description="Adjust by the signed quantity below, with the reason below", permissions=["change"])
    def adjust_selected(self, request, queryset):
        delta = self._quantity(request)
        done = 0
        for batch in queryset:
            try:
                services.adjust(batch=batch, delta=delta, reason=request.POST.get("reason", ""), by=request.user)
                done += 1
            except (RuleViolation, ConflictError) as error:
                self.message_user(request, f"{batch.batch_number}: {error.message}", messages.ERROR)
        if done:
            self.message_user(request, f"Adjusted {done} batch(es).")

    @admin.action(description="Write off selected batches that have expired", permissions=["change"])
    def write_off_expired(self, request, queryset):
        movements = services.write_off_expired(by=request.user, batches=list(queryset))
        self.message_user(request, f"Wrote off {len(movements)} expired batch(es).")


@admin.register(StockMovement)
class StockMovementAdmin(ExportActionMixin, admin.ModelAdmin):
    """The ledger: read-only for everyone."""

    list_display = [
        "created_at",
        "kind",
        "item",
        "batch_number",
        "location",
        "quantity",
        "balance_after",
        "reference",
        "created_by",
    ]
    list_filter = ["kind", "location", "created_at"]
    search_fields = ["reference", "batch__batch_number", "item__name"]
    list_select_related = ["item", "batch", "location", "created_by"]
    date_hierarchy = "created_at"

    @admin.display(description="Batch", ordering="batch__batch_number")
    def batch_number(self, obj):
        return obj.batch.batch_number

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    formats = [base_formats.CSV]

    def has_export_permission(self, request):
        return self.has_view_permission(request)


# --- Purchase orders ------------------------------------------------------------------------


class PurchaseOrderLineInline(admin.TabularInline):
    model = PurchaseOrderLine
    extra = 1
    autocomplete_fields = ["item"]
    fields = ["item", "quantity_ordered", "unit_cost", "quantity_received", "batch_number", "expiry_date"]
    readonly_fields = ["quantity_received"]


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(admin.ModelAdmin):
    list_display = ["order_number", "supplier", "deliver_to", "status_badge", "order_date", "expected_date"]
    list_filter = ["status", "supplier", "deliver_to"]
    search_fields = ["order_number", "supplier__name"]
    list_select_related = ["supplier", "deliver_to"]
    readonly_fields = ["order_number", "status", "order_date", "created_by", "created_at"]
    inlines = [PurchaseOrderLineInline]
    actions = ["place_orders", "receive_outstanding", "cancel_orders"]

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj):
        return status_badge(obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Place selected draft orders with their suppliers", permissions=["change"])
    def place_orders(self, request, queryset):
        for order in queryset:
            try:
                order.place()
            except RuleViolation as error:
                self.message_user(request, f"{order.order_number}: {error.message}", messages.ERROR)

    @admin.action(
        description="Receive everything outstanding (batch number and expiry from each line)",
        permissions=["receive"],
    )
    def receive_outstanding(self, request, queryset):
        for order in queryset.prefetch_related("lines__item"):
            try:
                with transaction.atomic():
                    received = 0
                    for line in order.lines.all():
                        if line.quantity_outstanding:
                            services.receive_purchase_order_line(
                                line=line, quantity=line.quantity_outstanding, by=request.user
                            )
                            received += 1
                self.message_user(request, f"{order.order_number}: received {received} line(s) into stock.")
            except (RuleViolation, ConflictError) as error:
                self.message_user(request, f"{order.order_number}: {error.message}", messages.ERROR)

    def has_receive_permission(self, request):
        return request.user.has_perm("inventory.receive_purchaseorder")

    @admin.action(description="Cancel selected orders", permissions=["change"])
    def cancel_orders(self, request, queryset):
        for order in queryset:
            try:
                order.cancel()
            except RuleViolation as error:
                self.message_user(request, f"{order.order_number}: {error.message}", messages.ERROR)


@admin.register(StockAlert)
class StockAlertAdmin(admin.ModelAdmin):
    list_display = ["raised_at", "kind", "message", "due_date", "notified_at", "resolved_at"]
    list_filter = ["kind", ("resolved_at", admin.EmptyFieldListFilter), "location"]
    search_fields = ["message"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
