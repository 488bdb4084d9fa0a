from datetime import datetime, time, timedelta

import django_filters
from django.utils import timezone

from inventory.choices import AssetStatus, ItemKind, MovementKind, PurchaseOrderStatus
from inventory.models import (
    Asset,
    AssetMaintenance,
    Batch,
    Item,
    PurchaseOrder,
    StockAlert,
    StockLevel,
    StockLocation,
    StockMovement,
)


class AssetFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AssetStatus.choices)
    category_id = django_filters.NumberFilter(field_name="category_id")
    location_id = django_filters.NumberFilter(field_name="location_id")

    class Meta:
        model = Asset
        fields = ["status", "category_id", "location_id"]


class AssetMaintenanceFilter(django_filters.FilterSet):
    class Meta:
        model = AssetMaintenance
        fields = ["asset", "kind"]


class StockLocationFilter(django_filters.FilterSet):
    class Meta:
        model = StockLocation
        fields = ["kind", "is_active", "code"]


class ItemFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ItemKind.choices)

    class Meta:
        model = Item
        fields = ["kind", "is_active", "nappi_code"]


class StockLevelFilter(django_filters.FilterSet):
    class Meta:
        model = StockLevel
        fields = ["item", "location"]


class BatchFilter(django_filters.FilterSet):
    expiring_within_days = django_filters.NumberFilter(method="filter_expiring", min_value=0, max_value=3650)
    in_stock = django_filters.BooleanFilter(method="filter_in_stock")
    expired = django_filters.BooleanFilter(method="filter_expired")

    class Meta:
        model = Batch
        fields = ["item", "location", "supplier", "batch_number"]

    def filter_expiring(self, queryset, name, value):
        today = timezone.localdate()
        return queryset.filter(expiry_date__gte=today, expiry_date__lte=today + timedelta(days=int(value)))

    def filter_in_stock(self, queryset, name, value):
        return queryset.filter(quantity__gt=0) if value else queryset.filter(quantity=0)

    def filter_expired(self, queryset, name, value):
        return queryset.expired() if value else queryset.usable()


class StockMovementFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=MovementKind.choices)
    # Compared as local-day boundaries, so the filter needs no time-zone tables in the database.
    date_from = django_filters.DateFilter(method="filter_date_from")
    date_to = django_filters.DateFilter(method="filter_date_to")

    class Meta:
        model = StockMovement
        fields = ["kind", "item", "location", "batch", "date_from", "date_to"]

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=start_of_day(value))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(created_at__lt=start_of_day(value + timedelta(days=1)))


def start_of_day(day):
    return timezone.make_aware(datetime.combine(day, time.min))


class PurchaseOrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PurchaseOrderStatus.choices)

    class Meta:
        model = PurchaseOrder
        fields = ["status", "supplier", "deliver_to"]


class StockAlertFilter(django_filters.FilterSet):
    open = django_filters.BooleanFilter(field_name="resolved_at", lookup_expr="isnull")

    class Meta:
        model = StockAlert
        fields = ["kind", "location", "open"]
