"""Report endpoints: `/api/reports` (the ones you may open), `/api/reports/<slug>` (JSON, or CSV
with `?format=csv` or `/csv`), and the spec's `/api/dashboard/stats`."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from polmed.api import EnvelopeJSONRenderer
from polmed.audit import client_address
from reports.framework import REGISTRY, ReportFilters, reports_for, run_report
from reports.models import DASHBOARD_PERMISSION
from reports.stats import dashboard_stats


class CSVRenderer(BaseRenderer):
    """Passes the CSV text the view built straight through."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data.encode("utf-8") if isinstance(data, str) else b""


class CSVAwareAPIView(APIView):
    renderer_classes = [EnvelopeJSONRenderer, CSVRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are always the JSON envelope, even when CSV was asked for.
        if response.status_code >= 400 or not isinstance(response.data, str):
            request.accepted_renderer = EnvelopeJSONRenderer()
            request.accepted_media_type = EnvelopeJSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


FILTER_PARAMETERS = [
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="First local day (default: 29 days before date_to)."),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Last local day, inclusive (default: today)."),
    OpenApiParameter("province", OpenApiTypes.STR, description="One of the nine provinces."),
    OpenApiParameter("route", OpenApiTypes.INT, description="Route id."),
    OpenApiParameter("van", OpenApiTypes.INT, description="Mobile unit (van) id."),
    OpenApiParameter("group_by", OpenApiTypes.STR, enum=["day", "week", "month"], description="Date grouping."),
    OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"], description="csv downloads the table."),
]

REPORT_RESPONSE = inline_serializer(
    "ReportTable",
    {
        "report": serializers.CharField(),
        "title": serializers.CharField(),
        "filters": serializers.DictField(),
        "columns": serializers.ListField(child=serializers.DictField()),
        "rows": serializers.ListField(child=serializers.DictField()),
        "suppressed_cells": serializers.IntegerField(),
        "suppression_threshold": serializers.IntegerField(),
    },
)


class ReportIndexView(APIView):
    """The reports the caller may open, with their filters and URLs."""

    required_permissions = {"GET": []}

    @extend_schema(
        operation_id="reports_list",
        responses={
            200: inline_serializer(
                "ReportIndexEntry",
                {
                    "slug": serializers.CharField(),
                    "title": serializers.CharField(),
                    "category": serializers.CharField(),
                    "description": serializers.CharField(),
                    "url": serializers.CharField(),
                },
                many=True,
            )
        },
    )
    def get(self, request):
        return Response(
            [
                {
                    "slug": report.slug,
                    "title": report.title,
                    "category": report.category,
                    "description": report.description,
                    "url": f"/api/reports/{report.slug}",
                }
                for report in reports_for(request.user)
            ]
        )


class ReportView(CSVAwareAPIView):
    """One report as a table (columns and rows), or as CSV with `?format=csv` or the `/csv` path."""

    @property
    def report(self):
        try:
            return REGISTRY[self.kwargs["slug"]]
        except KeyError as exc:
            raise Http404("No such report.") from exc

    @property
    def required_permissions(self):
        return {"GET": [self.report.permission]}

    @extend_schema(
        operation_id="reports_retrieve",
        parameters=[
            OpenApiParameter(
                "slug", OpenApiTypes.STR, OpenApiParameter.PATH, description="The report; see /api/reports."
            ),
            *FILTER_PARAMETERS,
        ],
        responses={200: REPORT_RESPONSE, 404: OpenApiResponse(description="No such report.")},
    )
    def get(self, request, slug, format=None):
        filters = self.report.parse_filters(request.query_params)
        result = run_report(self.report, filters, request.user, remote_addr=client_address(request))
        # Patient data is never cached by browsers or proxies.
        headers = {"Cache-Control": "no-store"} if self.report.identifiable else {}
        if request.accepted_renderer.format == "csv":
            headers["Content-Disposition"] = f'attachment; filename="{result.csv_filename()}"'
            return Response(result.csv_text(), content_type="text/csv; charset=utf-8", headers=headers)
        return Response(result.as_dict(), headers=headers)


@extend_schema(exclude=True)  # the same operation as ReportView with ?format=csv
class ReportCSVView(ReportView):
    pass


class DashboardStatsView(APIView):
    """The spec's dashboard figures, optionally for one province, route or van."""

    required_permissions = {"GET": [DASHBOARD_PERMISSION]}

    @extend_schema(
        operation_id="dashboard_stats",
        parameters=FILTER_PARAMETERS[2:5],
        responses={
            200: inline_serializer(
                "DashboardStats",
                {
                    name: serializers.IntegerField()
                    for name in (
                        "todayPatients",
                        "activeRoutes",
                        "pendingReferrals",
                        "pendingAppointments",
                        "lowStockAlerts",
                        "expiryAlerts",
                    )
                },
            ),
            400: OpenApiResponse(description="Unknown province or a non-numeric id."),
        },
    )
    def get(self, request):
        filters = ReportFilters.from_query(request.query_params)
        return Response(dashboard_stats(filters))
