from django.db import models


class Granularity(models.TextChoices):
    """How a report groups dates (always in the clinics' local time, Africa/Johannesburg)."""

    DAY = "day", "Day"
    WEEK = "week", "Week"
    MONTH = "month", "Month"


class ReportCategory(models.TextChoices):
    """Who may open a report: each category is one permission on `reports.Report`."""

    AGGREGATE = "aggregate", "Activity and health (aggregate)"
    CLINICAL = "clinical", "Clinical follow-up"
    FINANCE = "finance", "Stock, cost and assets"


class ColumnKind(models.TextChoices):
    """What a report column holds; decides formatting, CSV output and small-count suppression."""

    TEXT = "text", "Text"
    DATE = "date", "Date"
    COUNT = "count", "Count of people or events"
    NUMBER = "number", "Number"
    PERCENT = "percent", "Percentage"
    MONEY = "money", "Rand amount"
    HOURS = "hours", "Duration in hours"
    MINUTES = "minutes", "Duration in minutes"
