"""Scheduling API: routes, stops, slots and bookings for staff; availability and self-service
booking for the public. The rules live in `scheduling.services` and the models."""

from django.db import transaction
from django.db.models import Sum
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import AllowAny
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from polmed.api import EnvelopePagination, created, success
from polmed.audit import ReadAuditMixin, client_address, log_reads
from polmed.exceptions import ConflictError
from scheduling import services
from scheduling.api import filters
from scheduling.api.serializers import (
    AddStopsSerializer,
    AppointmentSerializer,
    AvailabilityQuerySerializer,
    AvailableSlotSerializer,
    BlockDaySerializer,
    BookingSerializer,
    ChangeStopSerializer,
    LocationSerializer,
    MobileUnitSerializer,
    PublicAppointmentSerializer,
    ReferencePhoneSerializer,
    RescheduleSerializer,
    RouteSerializer,
    RouteStopSerializer,
    SlotSerializer,
    StaffBookingSerializer,
)
from scheduling.choices import BookingChannel, RouteStatus
from scheduling.models import Appointment, AppointmentSlot, Location, MobileUnit, Route, RouteStop
from scheduling.phones import try_normalize_phone

NOT_FOUND = "Appointment not found. Check the reference and the phone number."
APPOINTMENT_RELATED = ("slot__stop__route", "slot__stop__location")


class NoStoreMixin:
    """Responses carrying personal data must not be kept by browsers or proxies."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response


class LocationViewSet(viewsets.ModelViewSet):
    """Places the mobile clinics visit."""

    queryset = Location.objects.all()
    serializer_class = LocationSerializer
    filterset_class = filters.LocationFilter
    search_fields = ["name", "address"]

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        return created(response.data, message="Location created successfully")

    def perform_destroy(self, instance):
        if instance.stops.exists():
            raise ConflictError("This location has clinic days; deactivate it instead.")
        instance.delete()


class MobileUnitViewSet(viewsets.ModelViewSet):
    """The vans; each carries the stock of one inventory stock location."""

    queryset = MobileUnit.objects.select_related("stock_location")
    serializer_class = MobileUnitSerializer
    search_fields = ["name", "registration_number"]

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        return created(response.data, message="Mobile unit created successfully")

    def perform_destroy(self, instance):
        if instance.routes.exists():
            raise ConflictError("This van serves routes; deactivate it instead.")
        instance.delete()


class RouteViewSet(viewsets.ModelViewSet):
    """Routes (`POST /api/routes` is the spec's) and their clinic days."""

    queryset = Route.objects.select_related("mobile_unit")
    serializer_class = RouteSerializer
    filterset_class = filters.RouteFilter
    search_fields = ["route_name", "route_type"]
    action_permissions = {"stops": ["scheduling.view_route", "scheduling.add_routestop"]}

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save(created_by=request.user)
        return created(serializer.data, message="Route created successfully")

    def perform_update(self, serializer):
        cancelling = (
            serializer.validated_data.get("status") == RouteStatus.CANCELLED
            and serializer.instance.status != RouteStatus.CANCELLED
        )
        with transaction.atomic():
            route = serializer.save()
            if cancelling:
                # Its future days are blocked, so their bookings show up for rescheduling.
                services.cancel_route(route, by=self.request.user)

    def perform_destroy(self, instance):
        if Appointment.objects.filter(slot__stop__route=instance).exists():
            raise ConflictError("This route has bookings; cancel it instead of deleting it.")
        instance.delete()

    @extend_schema(request=AddStopsSerializer, responses={201: RouteStopSerializer(many=True)})
    @action(detail=True, methods=["post"])
    def stops(self, request, pk=None):
        """Add clinic days at a location: explicit `dates`, or `weekdays` over the route's dates."""
        route = self.get_object()
        serializer = AddStopsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        stops = services.add_stops(route, **serializer.validated_data)
        data = RouteStopSerializer(stops, many=True).data
        return created(data, message=f"{len(stops)} clinic days added")


class RouteStopViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Clinic days. Changing hours or capacity regenerates the day's slots and keeps bookings."""

    queryset = (
        RouteStop.objects.select_related("route", "location")
        .annotate(booked=Sum("slots__booked_count"))
        .order_by("date", "start_time", "pk")
    )
    serializer_class = RouteStopSerializer
    filterset_class = filters.RouteStopFilter
    action_permissions = {
        "partial_update": ["scheduling.change_routestop"],
        "block": ["scheduling.change_routestop"],
        "unblock": ["scheduling.change_routestop"],
        "appointments": ["scheduling.view_routestop", "scheduling.view_appointment"],
    }

    @extend_schema(request=ChangeStopSerializer, responses={200: RouteStopSerializer})
    def partial_update(self, request, pk=None):
        stop = self.get_object()
        serializer = ChangeStopSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        notes = fields.pop("notes", None)
        if notes is not None:
            RouteStop.objects.filter(pk=stop.pk).update(notes=notes)
        services.change_stop(stop, **fields)
        return success(RouteStopSerializer(self.get_queryset().get(pk=stop.pk)).data, message="Clinic day updated")

    def perform_destroy(self, instance):
        if Appointment.objects.filter(slot__stop=instance).exists():
            raise ConflictError("This clinic day has bookings; block it instead.")
        instance.delete()

    @extend_schema(request=BlockDaySerializer, responses={200: AppointmentSerializer(many=True)})
    @action(detail=True, methods=["post"])
    def block(self, request, pk=None):
        """Cancel the clinic day; returns the bookings that now need rescheduling."""
        stop = self.get_object()
        serializer = BlockDaySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        affected = services.block_day(stop, reason=serializer.validated_data["reason"], by=request.user)
        response = success(
            AppointmentSerializer(affected, many=True).data,
            message=f"Clinic day blocked; {len(affected)} appointments need rescheduling",
        )
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(request=None, responses={200: AppointmentSerializer(many=True)})
    @action(detail=True, methods=["post"])
    def unblock(self, request, pk=None):
        """Open the day again; bookings still waiting to be rescheduled are booked again."""
        restored = services.unblock_day(self.get_object(), by=request.user)
        response = success(
            AppointmentSerializer(restored, many=True).data,
            message=f"Clinic day open again; {len(restored)} appointments restored",
        )
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(responses={200: AppointmentSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def appointments(self, request, pk=None):
        """The day's bookings, in time order, for the clinic team."""
        stop = self.get_object()
        queryset = (
            Appointment.objects.filter(slot__stop=stop)
            .select_related(*APPOINTMENT_RELATED)
            .order_by("slot__start_time", "last_name", "pk")
        )
        page = self.paginate_queryset(queryset)
        log_reads(page, actor=request.user, remote_addr=client_address(request))
        response = self.get_paginated_response(AppointmentSerializer(page, many=True).data)
        response["Cache-Control"] = "no-store"
        return response


class SlotViewSet(viewsets.ReadOnlyModelViewSet):
    """Appointment slots with their capacity and seats taken."""

    queryset = AppointmentSlot.objects.select_related("stop")
    serializer_class = SlotSerializer
    filterset_class = filters.SlotFilter


class AppointmentViewSet(
    NoStoreMixin,
    ReadAuditMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Bookings for clinic staff: list, book by name and phone, cancel, reschedule, no-shows.

    `?status=needs_rescheduling` lists the bookings on blocked days that need a follow-up call.
    """

    queryset = Appointment.objects.select_related(*APPOINTMENT_RELATED)
    serializer_class = AppointmentSerializer
    filterset_class = filters.AppointmentFilter
    filter_backends = [DjangoFilterBackend, filters.AppointmentSearchFilter, OrderingFilter]
    search_fields = ["last_name", "first_name", "phone", "reference"]
    lookup_value_regex = r"\d+"
    action_permissions = {
        "cancel": ["scheduling.change_appointment"],
        "no_show": ["scheduling.change_appointment"],
        "reschedule": ["scheduling.change_appointment"],
    }

    @extend_schema(request=StaffBookingSerializer, responses={201: AppointmentSerializer})
    def create(self, request, *args, **kwargs):
        serializer = StaffBookingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        slot = get_object_or_404(AppointmentSlot, pk=fields.pop("slot_id"))
        appointment = services.book(slot=slot, **fields, booked_by=request.user, channel=BookingChannel.STAFF)
        appointment = self.get_queryset().get(pk=appointment.pk)
        return created(AppointmentSerializer(appointment).data, message="Appointment booked successfully")

    @extend_schema(request=None, responses={200: AppointmentSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        appointment = services.cancel(self.get_object(), by=request.user)
        return success(AppointmentSerializer(appointment).data, message="Appointment cancelled")

    @extend_schema(request=None, responses={200: AppointmentSerializer})
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request, pk=None):
        appointment = self.get_object()
        appointment.mark_no_show(by=request.user)
        return success(AppointmentSerializer(appointment).data, message="Marked as no-show")

    @extend_schema(request=RescheduleSerializer, responses={201: AppointmentSerializer})
    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk=None):
        """Move the booking to another slot (a new reference); the old booking is cancelled."""
        appointment = self.get_object()
        serializer = RescheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        slot = get_object_or_404(AppointmentSlot, pk=serializer.validated_data["slot_id"])
        new = services.reschedule(appointment, slot=slot, by=request.user)
        new = self.get_queryset().get(pk=new.pk)
        return created(AppointmentSerializer(new).data, message="Appointment rescheduled")


class PublicView(APIView):
    """No login, no session: anyone may call it, within the `public` throttle."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public"


@extend_schema_view(
    get=extend_schema(
        auth=[],
        parameters=[AvailabilityQuerySerializer],
        responses={200: AvailableSlotSerializer(many=True)},
    )
)
class AvailableSlotsView(PublicView):
    """Bookable appointment times (future, seats left, open day, active route); no personal data."""

    def get(self, request):
        query = AvailabilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        slots = (
            AppointmentSlot.objects.available()
            .filter(stop__date__gte=params["date_from"], stop__date__lte=params["date_to"])
            .select_related("stop__route", "stop__location")
            .order_by("stop__date", "start_time", "stop__location__name", "pk")
        )
        if params.get("province"):
            slots = slots.filter(stop__location__province=params["province"])
        if params.get("location_type"):
            slots = slots.filter(stop__location__location_type=params["location_type"])
        if params.get("route"):
            slots = slots.filter(stop__route_id=params["route"])
        paginator = EnvelopePagination()
        page = paginator.paginate_queryset(slots, request, view=self)
        return paginator.get_paginated_response(AvailableSlotSerializer(page, many=True).data)


class PublicBookingView(NoStoreMixin, PublicView):
    """Book an available slot; the answer carries the booking reference."""

    @extend_schema(
        auth=[],
        request=BookingSerializer,
        responses={
            201: PublicAppointmentSerializer,
            409: OpenApiResponse(description="Full or past slot, blocked day, or a route not taking bookings"),
        },
    )
    def post(self, request):
        serializer = BookingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        slot = AppointmentSlot.objects.filter(pk=fields.pop("slot_id")).first()
        if slot is None:
            raise NotFound("Appointment slot not found.")
        appointment = services.book(slot=slot, **fields, channel=BookingChannel.PUBLIC)
        appointment = Appointment.objects.select_related(*APPOINTMENT_RELATED).get(pk=appointment.pk)
        return created(PublicAppointmentSerializer(appointment).data, message="Appointment booked successfully")


def _own_appointment(request, reference: str, phone: str) -> Appointment:
    """The booking matching both reference and phone; any mismatch is the same 404."""
    phone = try_normalize_phone(phone)
    appointment = (
        Appointment.objects.for_reference(reference, phone).select_related(*APPOINTMENT_RELATED).first()
        if phone
        else None
    )
    if appointment is None:
        raise NotFound(NOT_FOUND)
    log_reads([appointment], actor=None, remote_addr=client_address(request))
    return appointment


class PublicLookupView(NoStoreMixin, PublicView):
    """A person's own booking, found by its reference and phone number together.

    POST with the same fields in the body keeps the phone number out of URLs and server logs."""

    @extend_schema(
        auth=[],
        parameters=[
            OpenApiParameter("reference", OpenApiTypes.STR, required=True),
            OpenApiParameter("phone", OpenApiTypes.STR, required=True),
        ],
        responses={200: PublicAppointmentSerializer},
    )
    def get(self, request):
        return self._lookup(request, request.query_params)

    @extend_schema(
        auth=[],
        operation_id="appointments_lookup_by_body",
        request=ReferencePhoneSerializer,
        responses={200: PublicAppointmentSerializer},
    )
    def post(self, request):
        return self._lookup(request, request.data)

    def _lookup(self, request, data):
        query = ReferencePhoneSerializer(data=data)
        query.is_valid(raise_exception=True)
        appointment = _own_appointment(request, **query.validated_data)
        return success(PublicAppointmentSerializer(appointment).data)


class PublicCancelView(NoStoreMixin, PublicView):
    """Cancel one's own booking with its reference and phone number."""

    @extend_schema(
        auth=[],
        operation_id="appointments_public_cancel",
        request=ReferencePhoneSerializer,
        responses={
            200: PublicAppointmentSerializer,
            409: OpenApiResponse(description="Already cancelled or already past"),
        },
    )
    def post(self, request):
        serializer = ReferencePhoneSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        appointment = services.cancel(_own_appointment(request, **serializer.validated_data))
        return success(PublicAppointmentSerializer(appointment).data, message="Appointment cancelled successfully")
