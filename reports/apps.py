from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self):
        from reports import definitions  # noqa: F401, PLC0415  (registers every report)
