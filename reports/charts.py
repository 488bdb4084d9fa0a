"""Bar and line charts drawn on the server as inline SVG: no JavaScript, nothing from a CDN,
light enough for a van's weak signal. This module computes the geometry; the templates in
`templates/reports/charts/` draw it, so all text is escaped by the template engine."""

import math
from dataclasses import dataclass, field

WIDTH, HEIGHT = 560, 280
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 52, 12, 16, 64
PALETTE = ("#0b4f8a", "#d97706", "#1a7f37", "#8250df", "#b42318", "#57606a")


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above `value` (axis maximum)."""
    if value <= 0:
        return 1
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exponent:
            return step * exponent
    return 10 * exponent


def _number(value) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):  # a suppressed cell
        return None


def _label(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


@dataclass
class ChartGeometry:
    title: str
    kind: str
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = MARGIN_LEFT
    plot_bottom: int = HEIGHT - MARGIN_BOTTOM
    plot_right: int = WIDTH - MARGIN_RIGHT
    ticks: list = field(default_factory=list)  # (y, label)
    labels: list = field(default_factory=list)  # (x, y, text)
    bars: list = field(default_factory=list)  # (x, y, width, height, colour, tooltip)
    lines: list = field(default_factory=list)  # (points "x,y x,y", colour, name)
    dots: list = field(default_factory=list)  # (x, y, colour, tooltip)
    gaps: list = field(default_factory=list)  # (x, y, text) for hidden values
    legend: list = field(default_factory=list)  # (x, colour, name)
    empty: bool = False
    link: str = ""


def build_chart(kind: str, categories: list, series: list[tuple[str, list]], *, title: str) -> ChartGeometry:
    """`categories` along the x axis; `series` is [(name, values)], values may be None (hidden)."""
    chart = ChartGeometry(title=title, kind=kind)
    values = [_number(v) for _, vs in series for v in vs]
    known = [v for v in values if v is not None]
    if not categories or not known:
        chart.empty = True
        return chart
    top = nice_ceiling(max(known))
    plot_height = chart.plot_bottom - MARGIN_TOP
    plot_width = chart.plot_right - chart.plot_left

    def y_of(value: float) -> float:
        return round(chart.plot_bottom - value / top * plot_height, 1)

    for i in range(5):
        tick = top * i / 4
        chart.ticks.append((y_of(tick), f"{tick:g}"))

    slot = plot_width / len(categories)
    # Label at most ~12 categories so that the axis stays legible.
    every = max(1, math.ceil(len(categories) / 12))
    for index, category in enumerate(categories):
        if index % every == 0:
            chart.labels.append(
                (round(chart.plot_left + slot * (index + 0.5), 1), chart.plot_bottom + 14, _label(category))
            )

    if kind == "bar":
        bar_width = slot * 0.8 / len(series)
        for s, (name, vs) in enumerate(series):
            colour = PALETTE[s % len(PALETTE)]
            for index, raw in enumerate(vs):
                x = round(chart.plot_left + slot * index + slot * 0.1 + bar_width * s, 1)
                value = _number(raw)
                if value is None:
                    if raw is not None:
                        chart.gaps.append((round(x + bar_width / 2, 1), chart.plot_bottom - 4, str(raw)))
                    continue
                y = y_of(value)
                tooltip = f"{name}, {_label(categories[index])}: {value:g}"
                chart.bars.append((x, y, round(max(bar_width, 1), 1), round(chart.plot_bottom - y, 1), colour, tooltip))
    else:
        for s, (name, vs) in enumerate(series):
            colour = PALETTE[s % len(PALETTE)]
            # A hidden value breaks the line rather than joining its neighbours across it.
            segments, points = [], []
            for index, raw in enumerate(vs):
                value = _number(raw)
                x = round(chart.plot_left + slot * (index + 0.5), 1)
                if value is None:
                    if raw is not None:
                        chart.gaps.append((x, chart.plot_bottom - 4, str(raw)))
                    segments.append(points)
                    points = []
                    continue
                points.append(f"{x},{y_of(value)}")
                chart.dots.append((x, y_of(value), colour, f"{name}, {_label(categories[index])}: {value:g}"))
            segments.append(points)
            chart.lines += [(" ".join(segment), colour, name) for segment in segments if segment]

    if len(series) > 1:
        chart.legend = [
            (chart.plot_left + 120 * s, PALETTE[s % len(PALETTE)], name) for s, (name, _) in enumerate(series)
        ]
    return chart


def chart_for_result(result) -> ChartGeometry | None:
    """The chart a report declares, drawn from its (already suppressed) rows."""
    spec = result.report.chart
    if spec is None:
        return None
    labels = {c.key: c.label for c in result.report.columns}
    rows = result.rows
    if spec.combine:
        totals: dict = {}
        for row in rows:
            total = totals.setdefault(row.get(spec.x), dict.fromkeys(spec.series, 0))
            for key in spec.series:
                value = _number(row.get(key))
                if value is not None:
                    total[key] += value
        rows = [{spec.x: x, **values} for x, values in totals.items()]
    categories = [row.get(spec.x) for row in rows]
    series = [(labels.get(key, key), [row.get(key) for row in rows]) for key in spec.series]
    return build_chart(spec.kind, categories, series, title=result.report.title)
