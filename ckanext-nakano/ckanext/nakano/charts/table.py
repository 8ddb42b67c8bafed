"""The numbers of a chart as people read them: the table beside the drawing, the CSV, the
drawing's input and the sentence that sums it up — all made from one ``nakano_chart_data``
answer, so the picture, the table and the download cannot disagree."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import flask_babel

import ckan.plugins.toolkit as tk

from . import towns

__all__ = ["ChartTable", "chart_table", "number_text", "measure_name", "summary"]


@dataclass
class ChartTable:
    """Categories (rows) × series (columns) of numbers; or points for a scatter chart."""
    kind: str
    x_name: str
    value_name: str
    categories: list[str] = field(default_factory=list)
    series: list[str] = field(default_factory=list)        # [] when there is one series
    cells: list[list[float | None]] = field(default_factory=list)   # [category][series]
    points: list[tuple[float, float]] = field(default_factory=list)
    y_name: str = ""
    unmatched: list[str] = field(default_factory=list)   # towns kind: labels naming no town

    @property
    def totals(self) -> list[float]:
        return [sum(v or 0 for v in row) for row in self.cells]

    @property
    def headers(self) -> list[str]:
        if self.kind == "scatter":
            return [self.x_name, self.y_name]
        return [self.x_name, *(self.series or [self.value_name])]

    def rows(self) -> list[list[Any]]:
        """The table's body: a row per category (or per point), numbers as numbers."""
        if self.kind == "scatter":
            return [[x, y] for x, y in self.points]
        return [[label, *row] for label, row in zip(self.categories, self.cells)]


def blank_label() -> str:
    return tk._("(blank)")


def number_text(value: float | None) -> str:
    """A number in the page's language (thousands separated, at most two decimals)."""
    if value is None:
        return "—"
    return flask_babel.format_decimal(value, format="#,##0.##")


def measure_name(settings: dict[str, Any]) -> str:
    """What the numbers are: 「件数」, 「人口の合計」 …"""
    measure, column = settings.get("measure", "count"), settings.get("value") or ""
    if measure == "count":
        return tk._("Number of rows")
    return {"sum": tk._("Sum of %(column)s"), "avg": tk._("Average of %(column)s"),
            "min": tk._("Smallest %(column)s"), "max": tk._("Largest %(column)s")}[measure] % {"column": column}


def chart_table(answer: dict[str, Any], settings: dict[str, Any]) -> ChartTable:
    """The answer of ``nakano_chart_data`` for ``settings``, as a table."""
    kind = settings.get("kind", "bar")
    if kind == "scatter":
        return ChartTable(kind, settings.get("x", ""), settings.get("value", ""), y_name=settings.get("value", ""),
                          points=[(r["x"], r["y"]) for r in answer["rows"]])
    table = ChartTable(kind, settings.get("x", ""), measure_name(settings))
    if kind == "towns":
        merged, table.unmatched = towns.by_town(answer["rows"], settings.get("measure", "count"))
        table.categories = sorted(merged, key=lambda t: (-merged[t], t))
        table.cells = [[merged[t]] for t in table.categories]
        return table
    categories: dict[str, int] = {}
    series: dict[str, int] = {}
    values: dict[tuple[int, int], float | None] = {}
    with_series = bool(settings.get("series"))
    for row in answer["rows"]:
        label = blank_label() if row["label"] is None else str(row["label"])
        name = (blank_label() if row["series"] is None else str(row["series"])) if with_series else ""
        c = categories.setdefault(label, len(categories))
        s = series.setdefault(name, len(series))
        values[(c, s)] = row["value"]
    table.categories = list(categories)
    table.series = list(series) if with_series else []
    width = max(len(series), 1)
    table.cells = [[values.get((c, s), 0 if settings.get("measure", "count") == "count" else None)
                    for s in range(width)] for c in range(len(categories))]
    return table


def summary(table: ChartTable, answer: dict[str, Any]) -> str:
    """One or two sentences that say what the chart shows (for screen readers and the text
    beside the chart): the largest category, the span of a line, or the number of points."""
    if table.kind == "scatter":
        return tk._("%(points)s points of %(y)s against %(x)s.") % {
            "points": number_text(len(table.points)), "y": table.y_name, "x": table.x_name}
    if not table.categories:
        return tk._("No rows match these settings.")
    totals = table.totals
    if table.kind == "towns":
        parts = [tk._("%(count)s of the ward's %(all)s towns have rows.") % {
            "count": number_text(len(totals)), "all": number_text(len(towns.cells()))}]
    else:
        parts = [tk._("%(count)s categories of %(column)s.") % {"count": number_text(len(totals)),
                                                                "column": table.x_name}]
    if table.kind == "line" and len(totals) > 1:
        parts.append(tk._("From %(first)s (%(first_value)s) to %(last)s (%(last_value)s).") % {
            "first": table.categories[0], "first_value": number_text(totals[0]),
            "last": table.categories[-1], "last_value": number_text(totals[-1])})
    top = max(range(len(totals)), key=lambda i: totals[i])
    parts.append(tk._("The largest is %(label)s (%(value)s).") % {"label": table.categories[top],
                                                                  "value": number_text(totals[top])})
    if table.unmatched:
        parts.append(tk._("%(count)s values of %(column)s name no town of the ward and are not on the map.") % {
            "count": number_text(len(table.unmatched)), "column": table.x_name})
    if answer.get("skipped"):
        parts.append(tk._("%(count)s cells that are not numbers were left out.") % {
            "count": number_text(answer["skipped"])})
    if answer.get("truncated"):
        parts.append(tk._("Only the largest groups are shown."))
    return " ".join(parts)
