"""`{% report_chart result %}` and `{% chart "bar" categories series title=... %}`: inline SVG charts."""

from django import template

from reports.charts import build_chart, chart_for_result

register = template.Library()


@register.inclusion_tag("reports/charts/chart.html")
def report_chart(result):
    return {"chart": chart_for_result(result)}


@register.inclusion_tag("reports/charts/chart.html")
def chart(kind, categories, series, title=""):
    """`series` is a list of (name, values) pairs, values aligned with `categories`."""
    return {"chart": build_chart(kind, list(categories), list(series), title=title)}
