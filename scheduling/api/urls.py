from django.urls import re_path

from polmed.routers import OptionalSlashRouter
from scheduling.api import views

router = OptionalSlashRouter()
router.register("locations", views.LocationViewSet, basename="location")
router.register("mobile-units", views.MobileUnitViewSet, basename="mobile-unit")
router.register("routes", views.RouteViewSet, basename="route")
router.register("stops", views.RouteStopViewSet, basename="stop")
router.register("slots", views.SlotViewSet, basename="slot")
router.register("appointments", views.AppointmentViewSet, basename="appointment")

# The public paths come first: they share the `appointments/` prefix with the staff viewset.
urlpatterns = [
    re_path(r"^appointments/available/?$", views.AvailableSlotsView.as_view(), name="appointments-available"),
    re_path(r"^appointments/book/?$", views.PublicBookingView.as_view(), name="appointments-book"),
    re_path(r"^appointments/lookup/?$", views.PublicLookupView.as_view(), name="appointments-lookup"),
    re_path(r"^appointments/cancel/?$", views.PublicCancelView.as_view(), name="appointments-public-cancel"),
    *router.urls,
]
