"""Inventory API: declarative viewsets; stock changes go through `inventory.services`."""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, ProtectedError
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from inventory import services
from inventory.api import serializers as s
from inventory.api.filters import (
    AssetFilter,
    AssetMaintenanceFilter,
    BatchFilter,
    ItemFilter,
    PurchaseOrderFilter,
    StockAlertFilter,
    StockLevelFilter,
    StockLocationFilter,
    StockMovementFilter,
    start_of_day,
)
from inventory.choices import MovementKind, PurchaseOrderStatus
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
from polmed.api import Conflict, Envelope, created, pagination_block, success
from polmed.exceptions import RuleViolation

NOT_FOUND = OpenApiResponse(description="Not found")
CONFLICT = OpenApiResponse(description="Conflict: a duplicate, or not enough stock")


class DuplicatesAreConflictsMixin:
    """Create and update answer 409 when a unique field is already taken (the spec's rule for
    duplicates), and 409 when deleting something other records still depend on."""

    unique_fields: dict[str, str] = {}
    created_message = "Created successfully"

    def _check_unique(self, serializer):
        model = self.get_queryset().model
        for field, label in self.unique_fields.items():
            value = serializer.validated_data.get(field)
            if value in (None, ""):
                continue
            clash = model.objects.filter(**{f"{field}__iexact" if isinstance(value, str) else field: value})
            if serializer.instance is not None:
                clash = clash.exclude(pk=serializer.instance.pk)
            if clash.exists():
                raise Conflict(f"{label} {value} already exists.")

    def _save(self, serializer, **kwargs):
        self._check_unique(serializer)
        try:
            with transaction.atomic():
                return serializer.save(**kwargs)
        except IntegrityError as error:
            # Two requests raced for the same unique value.
            raise Conflict("A record with these details already exists.") from error

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        instance = self.get_queryset().get(pk=serializer.instance.pk)
        return created(self.get_serializer(instance).data, message=self.created_message)

    def perform_create(self, serializer):
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer)

    def perform_destroy(self, instance):
        try:
            instance.delete()
        except ProtectedError as error:
            raise Conflict(f"{instance} is still in use by other records and cannot be deleted.") from error


@extend_schema_view(
    retrieve=extend_schema(responses={200: s.StockLocationSerializer, 404: NOT_FOUND}),
    create=extend_schema(responses={201: s.StockLocationSerializer, 409: CONFLICT}),
)
class StockLocationViewSet(DuplicatesAreConflictsMixin, viewsets.ModelViewSet):
    """The central store and the vans: every batch sits at one of them."""

    queryset = StockLocation.objects.all()
    serializer_class = s.StockLocationSerializer
    filterset_class = StockLocationFilter
    search_fields = ["name", "code"]
    ordering_fields = ["name", "code"]
    unique_fields = {"name": "A stock location named", "code": "A stock location with code"}
    created_message = "Stock location created successfully"


class SupplierViewSet(DuplicatesAreConflictsMixin, viewsets.ModelViewSet):
    """Wholesalers and manufacturers, with contacts and usual lead time."""

    queryset = Supplier.objects.all()
    serializer_class = s.SupplierSerializer
    filterset_fields = ["is_active"]
    search_fields = ["name", "contact_person", "email"]
    ordering_fields = ["name", "lead_time_days"]
    unique_fields = {"name": "A supplier named"}
    created_message = "Supplier created successfully"


class AssetCategoryViewSet(DuplicatesAreConflictsMixin, viewsets.ModelViewSet):
    queryset = AssetCategory.objects.all()
    serializer_class = s.AssetCategorySerializer
    search_fields = ["name"]
    ordering_fields = ["name"]
    unique_fields = {"name": "An asset category named"}
    created_message = "Asset category created successfully"


@extend_schema_view(
    list=extend_schema(summary="Get assets", description="Filter by `status`; paginated with `page` and `per_page`."),
    create=extend_schema(summary="Create asset", responses={201: s.AssetSerializer, 409: CONFLICT}),
    transition=extend_schema(request=s.AssetTransitionSerializer, responses={200: s.AssetSerializer, 404: NOT_FOUND}),
    history=extend_schema(responses={200: s.AssetStatusChangeSerializer(many=True), 404: NOT_FOUND}),
)
class AssetViewSet(DuplicatesAreConflictsMixin, viewsets.ModelViewSet):
    """Medical equipment, with book value and lifecycle; status moves only through `transition`."""

    queryset = Asset.objects.select_related("category", "location")
    serializer_class = s.AssetSerializer
    filterset_class = AssetFilter
    search_fields = ["asset_tag", "asset_name", "serial_number"]
    ordering_fields = ["asset_tag", "asset_name", "purchase_date", "status", "next_calibration_due"]
    unique_fields = {"asset_tag": "An asset with tag"}
    created_message = "Asset created successfully"
    action_permissions = {"transition": ["inventory.change_asset"], "history": ["inventory.view_asset"]}

    def perform_create(self, serializer):
        asset = self._save(serializer)
        AssetStatusChange.objects.create(
            asset=asset, from_status="", to_status=asset.status, reason="Registered", changed_by=self.request.user
        )

    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        asset = self.get_object()
        serializer = s.AssetTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            locked = Asset.objects.select_for_update().get(pk=asset.pk)
            locked.transition_to(
                serializer.validated_data["status"], by=request.user, reason=serializer.validated_data["reason"]
            )
        return success(
            s.AssetSerializer(self.get_queryset().get(pk=asset.pk)).data,
            message=f"Asset is now {locked.get_status_display().lower()}",
        )

    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        asset = self.get_object()
        changes = AssetStatusChange.objects.filter(asset=asset).select_related("changed_by")
        return success(s.AssetStatusChangeSerializer(changes, many=True).data)


class AssetMaintenanceViewSet(viewsets.ModelViewSet):
    """Services, repairs, inspections and calibrations; recording one moves the asset's due date on."""

    queryset = AssetMaintenance.objects.select_related("asset")
    serializer_class = s.AssetMaintenanceSerializer
    filterset_class = AssetMaintenanceFilter
    search_fields = ["asset__asset_tag", "performed_by", "certificate_number"]
    ordering_fields = ["performed_on", "next_due_date"]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        asset = data.pop("asset")
        with transaction.atomic():
            record = Asset.objects.select_for_update().get(pk=asset.pk).record_maintenance(by=request.user, **data)
        return created(self.get_serializer(record).data, message="Maintenance record created successfully")


def _location_param(request):
    """?location=<id> as a StockLocation, or None; 400 when it does not exist."""
    value = request.query_params.get("location")
    if value in (None, ""):
        return None
    if not value.isdigit() or not StockLocation.objects.filter(pk=value).exists():
        raise serializers.ValidationError({"location": ["No stock location with this id."]})
    return int(value)


LOCATION_PARAM = OpenApiParameter("location", int, description="Stock location id")


@extend_schema_view(
    list=extend_schema(parameters=[LOCATION_PARAM]), retrieve=extend_schema(parameters=[LOCATION_PARAM])
)
class ItemViewSet(DuplicatesAreConflictsMixin, viewsets.ModelViewSet):
    """Medicines and supplies, with usable (non-expired) stock at `?location=` or everywhere."""

    queryset = Item.objects.all()
    serializer_class = s.ItemSerializer
    filterset_class = ItemFilter
    search_fields = ["name", "nappi_code"]
    ordering_fields = ["name", "available_quantity"]
    unique_fields = {"name": "An item named", "nappi_code": "An item with NAPPI code"}
    created_message = "Item created successfully"

    def get_queryset(self):
        return Item.objects.with_available_quantity(_location_param(self.request))


class StockLevelViewSet(DuplicatesAreConflictsMixin, viewsets.ModelViewSet):
    """Reorder level and quantity per item per location, with what is there now."""

    queryset = StockLevel.objects.all()
    serializer_class = s.StockLevelSerializer
    filterset_class = StockLevelFilter
    search_fields = ["item__name", "location__name"]
    ordering_fields = ["item__name", "location__name", "available_quantity"]
    created_message = "Stock level created successfully"

    def _check_unique(self, serializer):
        data = serializer.validated_data
        item = data.get("item", getattr(serializer.instance, "item", None))
        location = data.get("location", getattr(serializer.instance, "location", None))
        clash = StockLevel.objects.filter(item=item, location=location)
        if serializer.instance is not None:
            clash = clash.exclude(pk=serializer.instance.pk)
        if clash.exists():
            raise Conflict(f"{location} already has a reorder level for {item}.")

    def get_queryset(self):
        # Built per request: the usable-stock annotation depends on today's date.
        return StockLevel.objects.select_related("item", "location").with_available_quantity()


@extend_schema_view(
    create=extend_schema(
        summary="Receive stock", request=s.ReceiveSerializer, responses={201: s.BatchSerializer, 409: CONFLICT}
    ),
    adjust=extend_schema(request=s.AdjustSerializer, responses={200: s.StockMovementSerializer, 409: CONFLICT}),
    transfer=extend_schema(
        request=s.TransferSerializer, responses={200: s.StockMovementSerializer(many=True), 409: CONFLICT}
    ),
    write_off_expired=extend_schema(
        request=s.WriteOffSerializer, responses={200: s.StockMovementSerializer(many=True)}
    ),
)
class BatchViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Batches per location. Creating one receives stock; quantities change only through the
    stock service actions (adjust, transfer, write off expired), each writing a ledger line."""

    queryset = Batch.objects.select_related("item", "location", "supplier")
    serializer_class = s.BatchSerializer
    filterset_class = BatchFilter
    search_fields = ["batch_number", "item__name"]
    ordering_fields = ["expiry_date", "received_date", "quantity", "item__name"]
    action_permissions = {
        "adjust": ["inventory.change_batch"],
        "transfer": ["inventory.change_batch"],
        "write_off_expired": ["inventory.change_batch"],
    }

    def get_serializer_class(self):
        return s.ReceiveSerializer if self.action == "create" else s.BatchSerializer

    def create(self, request, *args, **kwargs):
        serializer = s.ReceiveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        batch = services.receive(by=request.user, **serializer.validated_data)
        return created(
            s.BatchSerializer(self.get_queryset().get(pk=batch.pk)).data, message="Stock received successfully"
        )

    @action(detail=True, methods=["post"])
    def adjust(self, request, pk=None):
        batch = self.get_object()
        serializer = s.AdjustSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        movement = services.adjust(batch=batch, by=request.user, **serializer.validated_data)
        return success(s.StockMovementSerializer(_movements([movement])[0]).data, message="Stock adjusted")

    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        batch = self.get_object()
        serializer = s.TransferSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        movements = services.transfer(batch=batch, by=request.user, **serializer.validated_data)
        return success(s.StockMovementSerializer(_movements(movements), many=True).data, message="Stock transferred")

    @action(detail=False, methods=["post"], url_path="write-off-expired")
    def write_off_expired(self, request):
        serializer = s.WriteOffSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        movements = services.write_off_expired(by=request.user, location=serializer.validated_data["location"])
        return success(
            s.StockMovementSerializer(_movements(movements), many=True).data,
            message=f"{len(movements)} expired batch(es) written off",
        )


def _movements(movements):
    return list(
        StockMovement.objects.filter(pk__in=[m.pk for m in movements])
        .select_related("batch", "item", "location", "created_by")
        .order_by("pk")
    )


class StockMovementViewSet(viewsets.ReadOnlyModelViewSet):
    """The stock ledger: every change of quantity, signed, with who and when. Read-only."""

    queryset = StockMovement.objects.select_related("batch", "item", "location", "created_by")
    serializer_class = s.StockMovementSerializer
    filterset_class = StockMovementFilter
    search_fields = ["reference", "batch__batch_number", "item__name"]
    ordering_fields = ["created_at", "quantity"]


@extend_schema_view(
    create=extend_schema(responses={201: s.PurchaseOrderSerializer}),
    place=extend_schema(request=None, responses={200: s.PurchaseOrderSerializer, 404: NOT_FOUND}),
    cancel=extend_schema(request=None, responses={200: s.PurchaseOrderSerializer, 404: NOT_FOUND}),
    receive=extend_schema(
        request=s.ReceiveOrderSerializer, responses={200: s.PurchaseOrderSerializer, 404: NOT_FOUND, 409: CONFLICT}
    ),
)
class PurchaseOrderViewSet(DuplicatesAreConflictsMixin, viewsets.ModelViewSet):
    """Orders to suppliers: draft -> ordered -> partially received -> received (or cancelled)."""

    queryset = PurchaseOrder.objects.select_related("supplier", "deliver_to").prefetch_related("lines__item")
    serializer_class = s.PurchaseOrderSerializer
    filterset_class = PurchaseOrderFilter
    search_fields = ["order_number", "supplier__name"]
    ordering_fields = ["created_at", "order_date", "expected_date"]
    created_message = "Purchase order created successfully"
    action_permissions = {
        "place": ["inventory.change_purchaseorder"],
        "cancel": ["inventory.change_purchaseorder"],
        "receive": ["inventory.receive_purchaseorder"],
    }

    def perform_create(self, serializer):
        self._save(serializer, created_by=self.request.user)

    def perform_update(self, serializer):
        if serializer.instance.status in (PurchaseOrderStatus.RECEIVED, PurchaseOrderStatus.CANCELLED):
            raise Conflict(f"Purchase order {serializer.instance.order_number} is closed.")
        self._save(serializer)

    def perform_destroy(self, instance):
        if instance.status != PurchaseOrderStatus.DRAFT:
            raise Conflict("Only a draft purchase order can be deleted; cancel it instead.")
        super().perform_destroy(instance)

    def _respond(self, order, message):
        return success(self.get_serializer(self.get_queryset().get(pk=order.pk)).data, message=message)

    @action(detail=True, methods=["post"])
    def place(self, request, pk=None):
        order = self.get_object()
        order.place()
        return self._respond(order, f"Purchase order {order.order_number} placed")

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        order = self.get_object()
        if order.lines.filter(quantity_received__gt=0).exists():
            raise Conflict("Stock has already been received against this order; it cannot be cancelled.")
        order.cancel()
        return self._respond(order, f"Purchase order {order.order_number} cancelled")

    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        order = self.get_object()
        serializer = s.ReceiveOrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lines = {line.pk: line for line in PurchaseOrderLine.objects.filter(order=order)}
        with transaction.atomic():
            for index, entry in enumerate(serializer.validated_data["lines"]):
                line = lines.get(entry["line"])
                if line is None:
                    raise RuleViolation(f"Line {entry['line']} is not on this order.", field=f"lines.{index}.line")
                services.receive_purchase_order_line(
                    line=line,
                    quantity=entry["quantity"],
                    batch_number=entry["batch_number"] or None,
                    expiry_date=entry["expiry_date"],
                    location=serializer.validated_data["location"],
                    by=request.user,
                )
        return self._respond(order, "Delivery received into stock")


DAYS_AHEAD = OpenApiParameter("days_ahead", int, description="Look this many days ahead (0 to 3650; default 90).")


def _days_ahead(request, default):
    value = request.query_params.get("days_ahead", str(default))
    if not value.isdigit() or int(value) > 3650:
        raise serializers.ValidationError({"days_ahead": ["A whole number of days from 0 to 3650."]})
    return int(value)


@extend_schema(parameters=[DAYS_AHEAD, LOCATION_PARAM])
class ExpiryAlertView(generics.ListAPIView):
    """Batches with stock that expire within `days_ahead` days, soonest first, per location."""

    serializer_class = s.ExpiryAlertSerializer
    filter_backends = []
    required_permissions = {"GET": ["inventory.view_batch"]}

    def get_queryset(self):
        queryset = (
            Batch.objects.expiring_within(_days_ahead(self.request, 90))
            .select_related("item", "location")
            .order_by("expiry_date", "pk")
        )
        location = _location_param(self.request)
        return queryset.filter(location_id=location) if location else queryset


@extend_schema(parameters=[LOCATION_PARAM])
class LowStockAlertView(generics.ListAPIView):
    """Items whose usable stock at a location is at or below that location's reorder level."""

    serializer_class = s.LowStockAlertSerializer
    filter_backends = []
    required_permissions = {"GET": ["inventory.view_stocklevel"]}

    def get_queryset(self):
        queryset = low_stock_levels()
        location = _location_param(self.request)
        return queryset.filter(location_id=location) if location else queryset


def low_stock_levels():
    return (
        StockLevel.objects.below_reorder_level()
        .select_related("item", "location")
        .order_by("location__name", "item__name")
    )


class _AssetDueView(generics.ListAPIView):
    serializer_class = s.AssetAlertSerializer
    filter_backends = []
    required_permissions = {"GET": ["inventory.view_asset"]}
    due_field = ""
    default_days = 30

    def get_queryset(self):
        days = _days_ahead(self.request, self.default_days)
        return (
            self.base_queryset(days)
            .select_related("location")
            .annotate(due_date=F(self.due_field))
            .order_by(self.due_field, "pk")
        )


@extend_schema(parameters=[DAYS_AHEAD])
class CalibrationDueView(_AssetDueView):
    """Assets in use whose calibration is due (or overdue) within `days_ahead` days (default 30)."""

    due_field = "next_calibration_due"

    def base_queryset(self, days):
        return Asset.objects.calibration_due_within(days)


@extend_schema(parameters=[DAYS_AHEAD])
class MaintenanceDueView(_AssetDueView):
    """Assets in use whose preventive maintenance is due (or overdue) within `days_ahead` days."""

    due_field = "next_maintenance_due"

    def base_queryset(self, days):
        return Asset.objects.maintenance_due_within(days)


@extend_schema(parameters=[DAYS_AHEAD])
class WarrantyExpiringView(_AssetDueView):
    """Assets in use whose warranty runs out within `days_ahead` days (default 90)."""

    due_field = "warranty_expiry"
    default_days = 90

    def base_queryset(self, days):
        return Asset.objects.warranty_expiring_within(days)


class StockAlertViewSet(viewsets.ReadOnlyModelViewSet):
    """Alerts recorded by `check_stock_alerts`; `?open=true` for those not yet resolved."""

    queryset = StockAlert.objects.all()
    serializer_class = s.StockAlertSerializer
    filterset_class = StockAlertFilter
    ordering_fields = ["raised_at", "due_date"]


@extend_schema(
    parameters=[
        OpenApiParameter("date_from", OpenApiTypes.DATE, description="First day (default: 12 months ago)"),
        OpenApiParameter("date_to", OpenApiTypes.DATE, description="Last day (default: today)"),
        LOCATION_PARAM,
        OpenApiParameter("item", int, description="Item id"),
        OpenApiParameter("page", int),
        OpenApiParameter("per_page", int),
    ],
    responses={
        200: inline_serializer(
            "UsageReport",
            {
                "success": serializers.BooleanField(),
                "data": s.UsageRowSerializer(many=True),
                "pagination": inline_serializer(
                    "UsagePagination",
                    {name: serializers.IntegerField() for name in ("page", "per_page", "total", "pages")},
                ),
                "totals": inline_serializer(
                    "UsageTotals",
                    {"quantity": serializers.IntegerField(), "cost": serializers.DecimalField(14, 2)},
                ),
            },
        )
    },
)
class UsageView(APIView):
    """Consumption per item, per location, per month, and its cost at the unit cost of the
    batches actually dispensed (returns to stock are netted off)."""

    required_permissions = {"GET": ["inventory.view_usage"]}

    def get(self, request):
        params = _UsageParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        location = _location_param(request)
        movements = StockMovement.objects.filter(
            kind__in=[MovementKind.DISPENSE, MovementKind.RETURN],
            created_at__gte=start_of_day(data["date_from"]),
            created_at__lt=start_of_day(data["date_to"] + timedelta(days=1)),
        )
        if location:
            movements = movements.filter(location_id=location)
        if data.get("item"):
            movements = movements.filter(item_id=data["item"])
        totals = defaultdict(lambda: [0, Decimal("0")])
        # Grouped by local month here, so the report needs no time-zone tables in the database.
        rows = movements.values_list("created_at", "item_id", "location_id", "quantity", "unit_cost")
        for created_at, item_id, location_id, quantity, unit_cost in rows.iterator():
            key = (timezone.localtime(created_at).strftime("%Y-%m"), item_id, location_id)
            totals[key][0] -= quantity
            totals[key][1] -= Decimal(quantity) * unit_cost
        items = {i.pk: i for i in Item.objects.filter(pk__in={k[1] for k in totals})}
        locations = dict(StockLocation.objects.filter(pk__in={k[2] for k in totals}).values_list("pk", "name"))
        result = [
            {
                "month": month,
                "item_id": item_id,
                "item_name": items[item_id].name,
                "unit_of_issue": items[item_id].unit_of_issue,
                "location_id": location_id,
                "location": locations[location_id],
                "quantity": quantity,
                "cost": cost.quantize(Decimal("0.01")),
            }
            for (month, item_id, location_id), (quantity, cost) in totals.items()
        ]
        result.sort(key=lambda row: (row["month"], row["location"], row["item_name"]))
        page, per_page = data["page"], data["per_page"]
        chunk = result[(page - 1) * per_page : page * per_page]
        body = s.UsageRowSerializer(chunk, many=True).data
        return Response(
            Envelope(
                success=True,
                data=body,
                pagination=pagination_block(page=page, per_page=per_page, total=len(result)),
                totals={
                    "quantity": sum(row["quantity"] for row in result),
                    "cost": str(sum((row["cost"] for row in result), Decimal("0.00"))),
                },
            ),
            status=status.HTTP_200_OK,
        )


class _UsageParams(serializers.Serializer):
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    item = serializers.IntegerField(required=False, min_value=1)
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    per_page = serializers.IntegerField(required=False, min_value=1, max_value=100, default=20)

    def validate(self, attrs):
        today = timezone.localdate()
        attrs.setdefault("date_to", today)
        attrs.setdefault("date_from", attrs["date_to"] - timedelta(days=365))
        if attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_from": ["date_from must be on or before date_to."]})
        return attrs
