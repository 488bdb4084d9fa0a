from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from polmed.admin import AdministratorOnlyAdmin
from polmed.exceptions import ConflictError
from scheduling import services
from scheduling.models import Appointment, AppointmentSlot, Location, MobileUnit, Route, RouteStop


@admin.register(Location)
class LocationAdmin(AdministratorOnlyAdmin):
    list_display = ["name", "location_type", "province", "contact_person", "is_active"]
    list_filter = ["province", "location_type", "is_active"]
    search_fields = ["name", "address"]


@admin.register(MobileUnit)
class MobileUnitAdmin(AdministratorOnlyAdmin):
    list_display = ["name", "registration_number", "stock_location", "home_base", "is_active"]
    list_select_related = ["stock_location", "home_base"]
    search_fields = ["name", "registration_number"]
    autocomplete_fields = ["home_base"]


class RouteStopFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            stop = form.instance
            if stop.pk and Appointment.objects.filter(slot__stop=stop).exists():
                raise ValidationError(f"{stop} has bookings; block the day instead of deleting it.")


class RouteStopInline(admin.TabularInline):
    model = RouteStop
    formset = RouteStopFormSet
    extra = 1
    fields = ["date", "location", "start_time", "end_time", "max_appointments", "is_blocked", "blocked_reason"]
    readonly_fields = ["is_blocked", "blocked_reason"]
    autocomplete_fields = ["location"]
    ordering = ["date"]


@admin.register(Route)
class RouteAdmin(AdministratorOnlyAdmin):
    list_display = ["route_name", "province", "status", "start_date", "end_date", "mobile_unit"]
    list_filter = ["province", "status"]
    list_select_related = ["mobile_unit"]
    search_fields = ["route_name", "route_type"]
    inlines = [RouteStopInline]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        # Stops entered here get their slots like stops added through the API; bookings are kept.
        for stop in formset.save():
            stop.generate_slots()


class AppointmentSlotInline(admin.TabularInline):
    model = AppointmentSlot
    extra = 0
    fields = ["start_time", "end_time", "capacity", "booked_count"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RouteStop)
class RouteStopAdmin(AdministratorOnlyAdmin):
    list_display = ["date", "route", "location", "start_time", "end_time", "max_appointments", "is_blocked"]
    list_filter = ["is_blocked", "route__province", "date"]
    list_select_related = ["route", "location"]
    date_hierarchy = "date"
    search_fields = ["route__route_name", "location__name"]
    autocomplete_fields = ["location", "route"]
    readonly_fields = ["is_blocked", "blocked_reason", "blocked_at", "blocked_by"]
    inlines = [AppointmentSlotInline]
    actions = ["regenerate_slots", "unblock_days"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        obj.generate_slots()

    @admin.action(description="Regenerate slots (bookings are kept)")
    def regenerate_slots(self, request, queryset):
        for stop in queryset:
            stop.generate_slots()
        messages.success(request, f"Slots regenerated for {queryset.count()} clinic days.")

    @admin.action(description="Open blocked days again")
    def unblock_days(self, request, queryset):
        for stop in queryset.filter(is_blocked=True):
            services.unblock_day(stop, by=request.user)


@admin.register(AppointmentSlot)
class AppointmentSlotAdmin(AdministratorOnlyAdmin):
    list_display = ["__str__", "stop", "start_time", "capacity", "booked_count"]
    list_select_related = ["stop__route", "stop__location"]
    list_filter = ["stop__date"]
    readonly_fields = ["stop", "start_time", "end_time", "capacity", "booked_count"]

    def has_add_permission(self, request):
        return False  # slots come from their stop's hours and capacity


@admin.register(Appointment)
class AppointmentAdmin(AdministratorOnlyAdmin):
    """Bookings are made through `services.book` (API or staff pages), so the admin only views
    them, corrects contact details and changes their status through actions."""

    list_display = ["reference", "last_name", "first_name", "slot", "status", "channel", "created_at"]
    list_filter = ["status", "channel", "slot__stop__date"]
    list_select_related = ["slot__stop"]
    search_fields = ["reference", "last_name", "first_name", "phone"]
    readonly_fields = [
        "reference",
        "slot",
        "status",
        "channel",
        "booked_by",
        "created_at",
        "status_changed_at",
        "status_changed_by",
        "checked_in_at",
        "reminder_sent_at",
    ]
    actions = ["cancel_appointments", "mark_no_shows"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a booking is cancelled, never deleted: the seat count depends on it

    def _apply(self, request, queryset, change):
        done = 0
        for appointment in queryset.select_related("slot__stop"):
            try:
                change(appointment)
                done += 1
            except ConflictError as error:
                messages.warning(request, f"{appointment}: {error.message}")
        if done:
            messages.success(request, f"{done} appointments updated.")

    @admin.action(description="Cancel the selected appointments")
    def cancel_appointments(self, request, queryset):
        self._apply(request, queryset, lambda appointment: services.cancel(appointment, by=request.user))

    @admin.action(description="Mark the selected appointments as no-shows")
    def mark_no_shows(self, request, queryset):
        self._apply(request, queryset, lambda appointment: appointment.mark_no_show(by=request.user))
