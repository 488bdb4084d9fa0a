from copy import copy
from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory.choices import AssetStatus
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


def _run_model_clean(model_class, instance, attrs):
    """Run the model's own clean() on the data the request would save, as field errors."""
    candidate = model_class() if instance is None else copy(instance)
    for name, value in attrs.items():
        setattr(candidate, name, value)
    try:
        candidate.clean()
    except DjangoValidationError as error:
        raise serializers.ValidationError(error.message_dict) from error


class StockLocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = StockLocation
        fields = ["id", "name", "code", "kind", "address", "notes", "is_active"]
        # Duplicates answer 409 from the view rather than 400 from a validator.
        extra_kwargs = {"name": {"validators": []}, "code": {"validators": []}}


class SupplierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Supplier
        fields = [
            "id",
            "name",
            "contact_person",
            "email",
            "phone",
            "address",
            "lead_time_days",
            "is_active",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        extra_kwargs = {"name": {"validators": []}}


class AssetCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = AssetCategory
        fields = ["id", "name", "description", "default_useful_life_years"]
        extra_kwargs = {"name": {"validators": []}}


class AssetSerializer(serializers.ModelSerializer):
    category_id = serializers.PrimaryKeyRelatedField(
        source="category", queryset=AssetCategory.objects.all(), allow_null=True, required=False
    )
    category_name = serializers.CharField(source="category.name", read_only=True, default=None)
    location = serializers.SlugRelatedField(
        slug_field="name",
        queryset=StockLocation.objects.all(),
        allow_null=True,
        required=False,
        help_text='The stock location\'s name, e.g. "Mobile Clinic 1".',
    )
    location_id = serializers.IntegerField(read_only=True, allow_null=True)
    location_code = serializers.CharField(source="location.code", read_only=True, default=None)
    status = serializers.ChoiceField(
        choices=AssetStatus.choices,
        required=False,
        help_text="Set on registration; afterwards use POST /assets/{id}/transition.",
    )
    book_value = serializers.SerializerMethodField()
    accumulated_depreciation = serializers.SerializerMethodField()

    class Meta:
        model = Asset
        fields = [
            "id",
            "asset_tag",
            "asset_name",
            "serial_number",
            "category_id",
            "category_name",
            "manufacturer",
            "model",
            "purchase_date",
            "warranty_expiry",
            "location",
            "location_id",
            "location_code",
            "purchase_cost",
            "salvage_value",
            "useful_life_years",
            "status",
            "calibration_interval_days",
            "next_calibration_due",
            "next_maintenance_due",
            "notes",
            "book_value",
            "accumulated_depreciation",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"asset_tag": {"validators": []}}

    @extend_schema_field(OpenApiTypes.DECIMAL)
    def get_book_value(self, asset) -> str:
        return asset.book_value()

    @extend_schema_field(OpenApiTypes.DECIMAL)
    def get_accumulated_depreciation(self, asset):
        return asset.accumulated_depreciation()

    def validate_status(self, value):
        if self.instance is not None and value != self.instance.status:
            raise serializers.ValidationError("Change an asset's status with POST /assets/{id}/transition.")
        return value

    def validate(self, attrs):
        _run_model_clean(Asset, self.instance, attrs)
        return attrs


class AssetTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=AssetStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class AssetStatusChangeSerializer(serializers.ModelSerializer):
    changed_by_name = serializers.CharField(source="changed_by.get_full_name", read_only=True, default=None)

    class Meta:
        model = AssetStatusChange
        fields = ["id", "from_status", "to_status", "reason", "changed_by", "changed_by_name", "changed_at"]
        read_only_fields = fields


class AssetMaintenanceSerializer(serializers.ModelSerializer):
    asset_tag = serializers.CharField(source="asset.asset_tag", read_only=True)

    class Meta:
        model = AssetMaintenance
        fields = [
            "id",
            "asset",
            "asset_tag",
            "kind",
            "performed_on",
            "performed_by",
            "description",
            "cost",
            "next_due_date",
            "certificate_number",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["recorded_by", "created_at"]

    def validate_performed_on(self, value):
        if value > timezone.localdate():
            raise serializers.ValidationError("Maintenance cannot be recorded for a future date.")
        return value

    def validate(self, attrs):
        _run_model_clean(AssetMaintenance, self.instance, attrs)
        return attrs


class ItemSerializer(serializers.ModelSerializer):
    available_quantity = serializers.IntegerField(
        read_only=True, help_text="Non-expired stock: at ?location= if given, else everywhere."
    )

    class Meta:
        model = Item
        fields = [
            "id",
            "name",
            "kind",
            "unit_of_issue",
            "nappi_code",
            "description",
            "default_reorder_level",
            "is_active",
            "available_quantity",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        # Duplicates answer 409 from the view rather than 400 from a validator.
        validators = []
        extra_kwargs = {"name": {"validators": []}, "nappi_code": {"validators": []}}

    def validate_nappi_code(self, value):
        value = value.strip()
        if value and not value.isdigit():
            raise serializers.ValidationError("A NAPPI code is digits only.")
        return value


class StockLevelSerializer(serializers.ModelSerializer):
    item_name = serializers.CharField(source="item.name", read_only=True)
    unit_of_issue = serializers.CharField(source="item.unit_of_issue", read_only=True)
    location_name = serializers.CharField(source="location.name", read_only=True)
    available_quantity = serializers.IntegerField(read_only=True)
    below_reorder_level = serializers.SerializerMethodField()

    class Meta:
        model = StockLevel
        fields = [
            "id",
            "item",
            "item_name",
            "unit_of_issue",
            "location",
            "location_name",
            "reorder_level",
            "reorder_quantity",
            "available_quantity",
            "below_reorder_level",
        ]
        validators = []

    def get_below_reorder_level(self, level) -> bool:
        return getattr(level, "available_quantity", 0) <= level.reorder_level


class BatchSerializer(serializers.ModelSerializer):
    item_name = serializers.CharField(source="item.name", read_only=True)
    location_name = serializers.CharField(source="location.name", read_only=True)
    supplier_name = serializers.CharField(source="supplier.name", read_only=True, default=None)
    quantity_current = serializers.IntegerField(source="quantity", read_only=True)
    is_expired = serializers.SerializerMethodField()
    days_until_expiry = serializers.SerializerMethodField()

    class Meta:
        model = Batch
        fields = [
            "id",
            "item",
            "item_name",
            "location",
            "location_name",
            "batch_number",
            "expiry_date",
            "days_until_expiry",
            "is_expired",
            "quantity_received",
            "quantity_current",
            "unit_cost",
            "supplier",
            "supplier_name",
            "received_date",
            "purchase_order_line",
            "created_at",
        ]
        read_only_fields = fields

    def get_is_expired(self, batch) -> bool:
        return batch.is_expired()

    def get_days_until_expiry(self, batch) -> int:
        return batch.days_until_expiry()


class ReceiveSerializer(serializers.Serializer):
    item = serializers.PrimaryKeyRelatedField(queryset=Item.objects.all())
    location = serializers.PrimaryKeyRelatedField(queryset=StockLocation.objects.filter(is_active=True))
    batch_number = serializers.CharField(max_length=60)
    expiry_date = serializers.DateField()
    quantity = serializers.IntegerField(min_value=1, max_value=10_000_000)
    unit_cost = serializers.DecimalField(max_digits=12, decimal_places=4, min_value=0)
    supplier = serializers.PrimaryKeyRelatedField(queryset=Supplier.objects.all(), required=False, allow_null=True)
    received_date = serializers.DateField(required=False)

    def validate_received_date(self, value: date):
        if value > timezone.localdate():
            raise serializers.ValidationError("The received date cannot be in the future.")
        return value


class AdjustSerializer(serializers.Serializer):
    delta = serializers.IntegerField(
        min_value=-10_000_000, max_value=10_000_000, help_text="Signed change: -2 for two broken, +5 for found stock."
    )
    reason = serializers.CharField(max_length=2000)


class TransferSerializer(serializers.Serializer):
    to_location = serializers.PrimaryKeyRelatedField(queryset=StockLocation.objects.all())
    quantity = serializers.IntegerField(min_value=1, max_value=10_000_000)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class WriteOffSerializer(serializers.Serializer):
    location = serializers.PrimaryKeyRelatedField(
        queryset=StockLocation.objects.all(), required=False, allow_null=True, default=None
    )


class StockMovementSerializer(serializers.ModelSerializer):
    batch_number = serializers.CharField(source="batch.batch_number", read_only=True)
    item_name = serializers.CharField(source="item.name", read_only=True)
    location_name = serializers.CharField(source="location.name", read_only=True)
    created_by_name = serializers.CharField(source="created_by.get_full_name", read_only=True)

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "batch",
            "batch_number",
            "item",
            "item_name",
            "location",
            "location_name",
            "kind",
            "quantity",
            "unit_cost",
            "balance_after",
            "reason",
            "reference",
            "counterpart",
            "created_by",
            "created_by_name",
            "created_at",
        ]
        read_only_fields = fields


class PurchaseOrderLineSerializer(serializers.ModelSerializer):
    item_name = serializers.CharField(source="item.name", read_only=True)
    quantity_outstanding = serializers.IntegerField(read_only=True)

    class Meta:
        model = PurchaseOrderLine
        fields = [
            "id",
            "item",
            "item_name",
            "quantity_ordered",
            "quantity_received",
            "quantity_outstanding",
            "unit_cost",
            "batch_number",
            "expiry_date",
        ]
        read_only_fields = ["quantity_received"]
        extra_kwargs = {"quantity_ordered": {"min_value": 1, "max_value": 10_000_000}}


class PurchaseOrderSerializer(serializers.ModelSerializer):
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    deliver_to_name = serializers.CharField(source="deliver_to.name", read_only=True)
    lines = PurchaseOrderLineSerializer(many=True, required=False)
    total_cost = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = PurchaseOrder
        fields = [
            "id",
            "order_number",
            "supplier",
            "supplier_name",
            "deliver_to",
            "deliver_to_name",
            "status",
            "order_date",
            "expected_date",
            "notes",
            "lines",
            "total_cost",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["order_number", "status", "order_date", "created_by", "created_at"]

    def validate_lines(self, lines):
        items = [line["item"].pk for line in lines]
        if len(items) != len(set(items)):
            raise serializers.ValidationError("Each item may appear on only one line of an order.")
        return lines

    def validate(self, attrs):
        if self.instance is not None and self.instance.status != "draft" and "lines" in attrs:
            raise serializers.ValidationError({"lines": ["Lines can only be changed while the order is a draft."]})
        return attrs

    def create(self, validated_data):
        lines = validated_data.pop("lines", [])
        order = PurchaseOrder.objects.create(**validated_data)
        PurchaseOrderLine.objects.bulk_create(PurchaseOrderLine(order=order, **line) for line in lines)
        return order

    def update(self, instance, validated_data):
        lines = validated_data.pop("lines", None)
        instance = super().update(instance, validated_data)
        if lines is not None:
            instance.lines.all().delete()
            PurchaseOrderLine.objects.bulk_create(PurchaseOrderLine(order=instance, **line) for line in lines)
        return instance


class ReceiveLineSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="The purchase order line's id.")
    quantity = serializers.IntegerField(min_value=1, max_value=10_000_000)
    batch_number = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    expiry_date = serializers.DateField(required=False, allow_null=True, default=None)


class ReceiveOrderSerializer(serializers.Serializer):
    lines = ReceiveLineSerializer(many=True, allow_empty=False)
    location = serializers.PrimaryKeyRelatedField(
        queryset=StockLocation.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="Defaults to the order's delivery location.",
    )


class ExpiryAlertSerializer(serializers.ModelSerializer):
    """The spec's expiry alert, plus where the batch is."""

    item_name = serializers.CharField(source="item.name")
    quantity_current = serializers.IntegerField(source="quantity")
    days_until_expiry = serializers.SerializerMethodField()
    location = serializers.CharField(source="location.name")

    class Meta:
        model = Batch
        fields = ["id", "batch_number", "item_name", "expiry_date", "quantity_current", "days_until_expiry", "location"]
        read_only_fields = fields

    def get_days_until_expiry(self, batch) -> int:
        return batch.days_until_expiry()


class LowStockAlertSerializer(serializers.ModelSerializer):
    item_id = serializers.IntegerField()
    item_name = serializers.CharField(source="item.name")
    unit_of_issue = serializers.CharField(source="item.unit_of_issue")
    location_id = serializers.IntegerField()
    location = serializers.CharField(source="location.name")
    available_quantity = serializers.IntegerField()

    class Meta:
        model = StockLevel
        fields = [
            "id",
            "item_id",
            "item_name",
            "unit_of_issue",
            "location_id",
            "location",
            "available_quantity",
            "reorder_level",
            "reorder_quantity",
        ]
        read_only_fields = fields


class AssetAlertSerializer(serializers.ModelSerializer):
    location = serializers.CharField(source="location.name", default=None)
    due_date = serializers.DateField()
    days_until_due = serializers.SerializerMethodField()

    class Meta:
        model = Asset
        fields = ["id", "asset_tag", "asset_name", "status", "location", "due_date", "days_until_due"]
        read_only_fields = fields

    def get_days_until_due(self, asset) -> int:
        return (asset.due_date - timezone.localdate()).days


class StockAlertSerializer(serializers.ModelSerializer):
    class Meta:
        model = StockAlert
        fields = [
            "id",
            "kind",
            "message",
            "location",
            "item",
            "batch",
            "asset",
            "due_date",
            "raised_at",
            "last_seen_at",
            "notified_at",
            "resolved_at",
        ]
        read_only_fields = fields


class UsageRowSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    item_id = serializers.IntegerField()
    item_name = serializers.CharField()
    unit_of_issue = serializers.CharField()
    location_id = serializers.IntegerField()
    location = serializers.CharField()
    quantity = serializers.IntegerField(help_text="Dispensed, less returns.")
    cost = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="At the unit cost of each batch used.")
