import django_filters
from rest_framework.filters import SearchFilter

from scheduling.models import Appointment, AppointmentSlot, Location, Route, RouteStop
from scheduling.phones import try_normalize_phone


class LocationFilter(django_filters.FilterSet):
    class Meta:
        model = Location
        fields = ["province", "location_type", "is_active"]


class RouteFilter(django_filters.FilterSet):
    active_on = django_filters.DateFilter(method="filter_active_on", label="Routes running on this date")

    class Meta:
        model = Route
        fields = ["province", "status", "mobile_unit"]

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(start_date__lte=value, end_date__gte=value)


class RouteStopFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")
    province = django_filters.CharFilter(field_name="location__province")
    mobile_unit = django_filters.NumberFilter(field_name="route__mobile_unit")

    class Meta:
        model = RouteStop
        fields = ["route", "location", "date", "is_blocked"]


class SlotFilter(django_filters.FilterSet):
    date = django_filters.DateFilter(field_name="stop__date")

    class Meta:
        model = AppointmentSlot
        fields = ["stop"]


class AppointmentFilter(django_filters.FilterSet):
    stop = django_filters.NumberFilter(field_name="slot__stop")
    route = django_filters.NumberFilter(field_name="slot__stop__route")
    date = django_filters.DateFilter(field_name="slot__stop__date")
    date_from = django_filters.DateFilter(field_name="slot__stop__date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="slot__stop__date", lookup_expr="lte")
    reference = django_filters.CharFilter(method="filter_reference")

    class Meta:
        model = Appointment
        fields = ["status", "slot", "channel"]

    def filter_reference(self, queryset, name, value):
        return queryset.filter(reference=value.strip().upper())


class AppointmentSearchFilter(SearchFilter):
    """`?search=` over names, phone and reference. Phones are stored in E.164 (+27821234567),
    so a number typed as people say it (082 123 4567) is also looked up in that form."""

    def filter_queryset(self, request, queryset, view):
        found = super().filter_queryset(request, queryset, view)
        term = " ".join(self.get_search_terms(request))
        phone = try_normalize_phone(term) if sum(ch.isdigit() for ch in term) >= 9 else None
        if phone is None:
            return found
        return found | queryset.filter(phone=phone)
