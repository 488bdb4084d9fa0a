from django.urls import re_path

from polmed.routers import OptionalSlashRouter
from reports.api import views

router = OptionalSlashRouter()

urlpatterns = [
    re_path(r"^dashboard/stats/?$", views.DashboardStatsView.as_view(), name="dashboard-stats"),
    re_path(r"^reports/?$", views.ReportIndexView.as_view(), name="reports"),
    re_path(r"^reports/(?P<slug>[a-z0-9-]+)/?$", views.ReportView.as_view(), name="report"),
    re_path(r"^reports/(?P<slug>[a-z0-9-]+)/(?P<format>csv)/?$", views.ReportCSVView.as_view(), name="report-csv"),
    *router.urls,
]
