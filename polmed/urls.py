"""Root URLs: staff pages, the admin, and the API under /api/ (each app mounts its own router)."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from polmed import views

admin.site.site_header = "POLMED Mobile Clinic"
admin.site.site_title = "POLMED Mobile Clinic"
admin.site.index_title = "Back office"

api_patterns = [
    re_path(r"^health/?$", views.health, name="health"),
    re_path(r"^schema/?$", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^docs/?$", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("", include("accounts.api.urls")),
    path("", include("inventory.api.urls")),
    path("", include("scheduling.api.urls")),
    path("", include("clinical.api.urls")),
    path("", include("reports.api.urls")),
    re_path(r"^.*$", views.api_not_found),
]

urlpatterns = [
    path("api/", include((api_patterns, "api"))),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("inventory.urls")),
    path("", include("scheduling.urls")),
    path("", include("clinical.urls")),
    path("", include("reports.urls")),
]

handler404 = "polmed.views.handler404"
handler500 = "polmed.views.handler500"
