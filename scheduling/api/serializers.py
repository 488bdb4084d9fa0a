import datetime

from django.utils import timezone
from rest_framework import serializers

from polmed.choices import Province
from scheduling.choices import LocationType
from scheduling.models import Appointment, AppointmentSlot, Location, MobileUnit, Route, RouteStop

HHMM = "%H:%M"
DEFAULT_AVAILABILITY_DAYS = 30
MAX_AVAILABILITY_DAYS = 366


class LocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Location
        fields = [
            "id",
            "name",
            "location_type",
            "address",
            "province",
            "latitude",
            "longitude",
            "contact_person",
            "contact_phone",
            "is_active",
        ]

    def validate(self, attrs):
        latitude = attrs.get("latitude", getattr(self.instance, "latitude", None))
        longitude = attrs.get("longitude", getattr(self.instance, "longitude", None))
        if latitude is not None and not -90 <= latitude <= 90:
            raise serializers.ValidationError({"latitude": "Latitude is between -90 and 90."})
        if longitude is not None and not -180 <= longitude <= 180:
            raise serializers.ValidationError({"longitude": "Longitude is between -180 and 180."})
        return attrs


class MobileUnitSerializer(serializers.ModelSerializer):
    stock_location_code = serializers.CharField(source="stock_location.code", read_only=True)

    class Meta:
        model = MobileUnit
        fields = [
            "id",
            "name",
            "registration_number",
            "home_base",
            "stock_location",
            "stock_location_code",
            "is_active",
        ]


class RouteSerializer(serializers.ModelSerializer):
    """The spec's route fields, plus status, the van, the slot length and who created it."""

    start_time = serializers.TimeField(format=HHMM)
    end_time = serializers.TimeField(format=HHMM)
    max_appointments_per_day = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    mobile_unit_name = serializers.CharField(source="mobile_unit.name", read_only=True, default=None)

    class Meta:
        model = Route
        fields = [
            "id",
            "route_name",
            "description",
            "province",
            "route_type",
            "start_date",
            "end_date",
            "start_time",
            "end_time",
            "max_appointments_per_day",
            "slot_minutes",
            "status",
            "mobile_unit",
            "mobile_unit_name",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def validate(self, attrs):
        def value(name):
            return attrs.get(name, getattr(self.instance, name, None))

        if value("start_date") and value("end_date") and value("end_date") < value("start_date"):
            raise serializers.ValidationError({"end_date": "The route must end on or after its start date."})
        if value("start_time") and value("end_time") and value("end_time") <= value("start_time"):
            raise serializers.ValidationError({"end_time": "The clinic day must end after it starts."})
        return attrs


class AddStopsSerializer(serializers.Serializer):
    """Clinic days at one location: explicit dates, or weekdays (0 = Monday) over the route's dates."""

    location = serializers.PrimaryKeyRelatedField(queryset=Location.objects.filter(is_active=True))
    dates = serializers.ListField(child=serializers.DateField(), required=False, default=list, max_length=400)
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), required=False, default=list, max_length=7
    )
    start_time = serializers.TimeField(required=False, allow_null=True, default=None)
    end_time = serializers.TimeField(required=False, allow_null=True, default=None)
    max_appointments = serializers.IntegerField(min_value=0, max_value=1000, required=False, allow_null=True)


class RouteStopSerializer(serializers.ModelSerializer):
    start_time = serializers.TimeField(format=HHMM, read_only=True)
    end_time = serializers.TimeField(format=HHMM, read_only=True)
    route_name = serializers.CharField(source="route.route_name", read_only=True)
    location_name = serializers.CharField(source="location.name", read_only=True)
    location_type = serializers.CharField(source="location.location_type", read_only=True)
    province = serializers.CharField(source="location.province", read_only=True)
    mobile_unit = serializers.IntegerField(source="route.mobile_unit_id", read_only=True)
    booked = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = RouteStop
        fields = [
            "id",
            "route",
            "route_name",
            "location",
            "location_name",
            "location_type",
            "province",
            "mobile_unit",
            "date",
            "start_time",
            "end_time",
            "max_appointments",
            "booked",
            "is_blocked",
            "blocked_reason",
            "blocked_at",
            "notes",
        ]
        read_only_fields = fields


class ChangeStopSerializer(serializers.Serializer):
    start_time = serializers.TimeField(required=False)
    end_time = serializers.TimeField(required=False)
    max_appointments = serializers.IntegerField(min_value=0, max_value=1000, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)


class BlockDaySerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class SlotSerializer(serializers.ModelSerializer):
    date = serializers.DateField(source="stop.date", read_only=True)
    start_time = serializers.TimeField(format=HHMM, read_only=True)
    end_time = serializers.TimeField(format=HHMM, read_only=True)
    spaces_left = serializers.IntegerField(read_only=True)

    class Meta:
        model = AppointmentSlot
        fields = ["id", "stop", "date", "start_time", "end_time", "capacity", "booked_count", "spaces_left"]
        read_only_fields = fields


class AvailableSlotSerializer(serializers.ModelSerializer):
    """The spec's available-appointment item: where and when, never who."""

    appointment_date = serializers.DateField(source="stop.date")
    appointment_time = serializers.TimeField(source="start_time", format=HHMM)
    route_name = serializers.CharField(source="stop.route.route_name")
    location_name = serializers.CharField(source="stop.location.name")
    location_type = serializers.CharField(source="stop.location.location_type")
    location_address = serializers.CharField(source="stop.location.address")
    province = serializers.CharField(source="stop.location.province")
    spaces_left = serializers.IntegerField()

    class Meta:
        model = AppointmentSlot
        fields = [
            "id",
            "appointment_date",
            "appointment_time",
            "route_name",
            "location_name",
            "location_type",
            "location_address",
            "province",
            "spaces_left",
        ]
        read_only_fields = fields


class _WhenWhere(serializers.Serializer):
    appointment_date = serializers.DateField(source="slot.stop.date", read_only=True)
    appointment_time = serializers.TimeField(source="slot.start_time", format=HHMM, read_only=True)
    route_name = serializers.CharField(source="slot.stop.route.route_name", read_only=True)
    location_name = serializers.CharField(source="slot.stop.location.name", read_only=True)
    location_type = serializers.CharField(source="slot.stop.location.location_type", read_only=True)
    location_address = serializers.CharField(source="slot.stop.location.address", read_only=True)


class PublicAppointmentSerializer(_WhenWhere, serializers.ModelSerializer):
    """What the person who booked sees of their own booking (they proved reference and phone)."""

    class Meta:
        model = Appointment
        fields = [
            "reference",
            "status",
            "first_name",
            "appointment_date",
            "appointment_time",
            "route_name",
            "location_name",
            "location_type",
            "location_address",
        ]
        read_only_fields = fields


class AppointmentSerializer(_WhenWhere, serializers.ModelSerializer):
    """A booking as clinic staff see it."""

    stop = serializers.IntegerField(source="slot.stop_id", read_only=True)
    route = serializers.IntegerField(source="slot.stop.route_id", read_only=True)

    class Meta:
        model = Appointment
        fields = [
            "id",
            "reference",
            "status",
            "channel",
            "first_name",
            "last_name",
            "phone",
            "email",
            "sa_id_number",
            "medical_aid_number",
            "slot",
            "stop",
            "route",
            "appointment_date",
            "appointment_time",
            "route_name",
            "location_name",
            "location_type",
            "location_address",
            "booked_by",
            "created_at",
            "status_changed_at",
            "checked_in_at",
        ]
        read_only_fields = fields


class BookingSerializer(serializers.Serializer):
    """A booking request. Format rules for the phone and ID number are checked by `services.book`."""

    slot_id = serializers.IntegerField(min_value=1, required=False, help_text="The `id` of an available slot.")
    slot = serializers.IntegerField(min_value=1, required=False, help_text="Same as slot_id.")
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=30, help_text="e.g. 082 123 4567 or +27821234567")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    sa_id_number = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    medical_aid_number = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        slot_id = attrs.pop("slot_id", None) or attrs.pop("slot", None)
        attrs.pop("slot", None)
        if not slot_id:
            raise serializers.ValidationError({"slot_id": "This field is required."})
        attrs["slot_id"] = slot_id
        return attrs


class StaffBookingSerializer(BookingSerializer):
    pass


class RescheduleSerializer(serializers.Serializer):
    slot_id = serializers.IntegerField(min_value=1)


class ReferencePhoneSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=20)
    phone = serializers.CharField(max_length=30)


class AvailabilityQuerySerializer(serializers.Serializer):
    province = serializers.ChoiceField(choices=Province.choices, required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    location_type = serializers.ChoiceField(choices=LocationType.choices, required=False)
    route = serializers.IntegerField(required=False, min_value=1)

    def validate(self, attrs):
        asked_from, asked_to = attrs.get("date_from"), attrs.get("date_to")
        if asked_from and asked_to and asked_to < asked_from:
            raise serializers.ValidationError({"date_to": "date_to must not be before date_from."})
        if asked_from and asked_to and (asked_to - asked_from).days > MAX_AVAILABILITY_DAYS:
            raise serializers.ValidationError({"date_to": f"Ask for at most {MAX_AVAILABILITY_DAYS} days at a time."})
        # Past days have nothing bookable: a range in the past simply finds nothing.
        date_from = max(asked_from or timezone.localdate(), timezone.localdate())
        date_to = asked_to or date_from + datetime.timedelta(days=DEFAULT_AVAILABILITY_DAYS)
        attrs["date_from"], attrs["date_to"] = date_from, date_to
        return attrs
