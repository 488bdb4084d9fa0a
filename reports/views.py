"""Staff pages: the dashboard (`home`) and the report pages under /reports/."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from polmed.audit import client_address
from polmed.choices import Province
from reports.charts import chart_for_result
from reports.choices import Granularity, ReportCategory
from reports.dashboard import dashboard_context
from reports.framework import REGISTRY, ReportFilters, reports_for, run_report
from scheduling.models import MobileUnit, Route


@login_required
def home(request):
    return render(request, "home.html", dashboard_context(request.user))


@login_required
def reports_index(request):
    available = reports_for(request.user)
    groups = [
        (category.label, [r for r in available if r.category == category])
        for category in ReportCategory
        if any(r.category == category for r in available)
    ]
    return render(request, "reports/index.html", {"groups": groups})


@login_required
def report_page(request, slug):
    report = REGISTRY.get(slug)
    if report is None:
        raise Http404("No such report.")
    if not request.user.has_perm(report.permission):
        raise PermissionDenied
    errors, result, chart = {}, None, None
    try:
        filters = report.parse_filters(request.GET)
    except ValidationError as exc:
        errors = {name: messages[0] for name, messages in exc.message_dict.items()}
        filters = ReportFilters.default()
    else:
        result = run_report(report, filters, request.user, remote_addr=client_address(request))
        chart = chart_for_result(result)
    context = {
        "report": report,
        "filters": filters,
        "errors": errors,
        "result": result,
        "chart": chart,
        "table": result.table() if result else [],
        "csv_url": reverse("api:report-csv", kwargs={"slug": slug, "format": "csv"})
        + "?"
        + urlencode(filters.as_query()),
        "provinces": Province.choices,
        "routes": Route.objects.order_by("route_name").values_list("pk", "route_name")
        if "route" in report.scopes
        else [],
        "vans": MobileUnit.objects.order_by("name").values_list("pk", "name") if "van" in report.scopes else [],
        "granularities": Granularity.choices,
    }
    response = render(request, "reports/report.html", context, status=400 if errors else 200)
    if report.identifiable:
        response["Cache-Control"] = "no-store"
    return response
