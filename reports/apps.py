from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self):
        from reports import checks, definitions  # noqa: F401, PLC0415  (registers the check and every report)
