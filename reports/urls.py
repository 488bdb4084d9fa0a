from django.urls import path

from reports import views

urlpatterns = [
    path("", views.home, name="home"),
    path("reports/", views.reports_index, name="reports-index"),
    path("reports/<slug:slug>/", views.report_page, name="report-page"),
]
