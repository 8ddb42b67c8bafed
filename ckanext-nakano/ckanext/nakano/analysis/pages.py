"""分析 (/analysis): charts across all the files of one 自治体標準オープンデータセット.

``/analysis`` lists the standards the catalog has files of; ``/analysis/<standard>`` groups
their rows (per town, per a column of the standard, per file), optionally per 1,000 residents
with a population file, and says which files were read and how their columns were mapped.
Like the chart builder, the page is a GET of its settings (its address is its link), the
numbers come from ``nakano_analysis_data`` and a setting that cannot be is said beside it.
"""
from __future__ import annotations

import csv
import io
from typing import Any

import flask
from flask import request

import ckan.plugins.toolkit as tk

from .. import language_text, response_policy, vocab
from ..charts import drawing, towns
from ..charts.table import ChartTable, number_text
from ..spreadsheet_safety import excel_safe
from . import across
from .sources import standards_in_use

__all__ = ["analysis", "group_name"]

analysis = flask.Blueprint("nakano_analysis", __name__)

_ARGS = ("group", "measure", "value", "per_1000", "population", "kind")
_LONGEST = 200


def _context() -> dict[str, Any]:
    return {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}


def _chosen() -> dict[str, Any]:
    chosen = {}
    for name in _ARGS:
        value = request.args.get(name)
        if isinstance(value, str) and value.strip():
            chosen[name] = value.strip()[:_LONGEST]
    return chosen


@analysis.route("/analysis")
def index() -> str:
    """The standards the catalog has public files of, with how many."""
    counts = standards_in_use()
    standards = [{"value": s["value"], "title": language_text.text(s), "files": counts.get(s["value"], 0)}
                 for s in vocab.standard_datasets()["datasets"]]
    return tk.render("nakano/analysis/index.html", {
        "standards": [s for s in standards if s["files"]], "others": [s for s in standards if not s["files"]]})


def group_name(group: str) -> str:
    """A grouping as the form and the table name it: the standard's columns by their names."""
    return {across.TOWN: tk._("Town (町丁目, from the address)"), across.FILE: tk._("File"),
            "POIコード": tk._("POIコード (kind of facility)")}.get(group, group)


_TRUE = ("1", "true", "yes", "on", "t", "y")   # as CKAN's boolean_validator reads them
KINDS = ("bar", "towns")


def rows_counted_shown(settings: dict[str, Any]) -> bool:
    """The rows beside each figure: not when the figure is the rows themselves."""
    return settings.get("measure") == "sum" or bool(settings.get("per_1000"))


def _value_name(settings: dict[str, Any]) -> str:
    if settings.get("measure") == "sum":
        base = tk._("Sum of %(column)s") % {"column": settings.get("value", "")}
    else:
        base = tk._("Number of rows")
    return tk._("%(what)s per 1,000 residents") % {"what": base} if settings.get("per_1000") else base


def _table(answer: dict[str, Any], settings: dict[str, Any]) -> ChartTable:
    """The drawing's input: a map of the ward's towns, or bars (the first 100 groups)."""
    value_name = _value_name(settings)
    if settings.get("kind") == "towns":
        table = ChartTable("towns", group_name(settings["group"]), value_name)
        for row in answer["rows"]:
            town = towns.town_of(row["label"]) if row.get("ward") else None
            if town:
                table.categories.append(town)
                table.cells.append([row["value"]])
        return table
    table = ChartTable("bar", group_name(settings["group"]), value_name)
    shown = answer["rows"][:100]
    table.categories = [tk._("(blank)") if r["label"] is None else str(r["label"]) for r in shown]
    table.cells = [[r["value"]] for r in shown]
    table.cut = len(answer["rows"]) > len(shown)
    return table


def _summary(answer: dict[str, Any], table: ChartTable, settings: dict[str, Any]) -> str:
    used = [f for f in answer["files"] if f["used"]]
    parts = [tk._("%(files)s files, %(rows)s rows.") % {"files": number_text(len(used)),
                                                        "rows": number_text(sum(f["rows_counted"] for f in used))}]
    if answer["rows"]:
        top = answer["rows"][0]
        label = tk._("(blank)") if top["label"] is None else top["label"]
        parts.append(tk._("The largest is %(label)s (%(value)s).") % {"label": label, "value": number_text(top["value"])})
    else:
        parts.append(tk._("No rows match these settings."))
    if settings.get("per_1000") and answer["rows"]:
        none = [r for r in answer["rows"] if not r.get("count")]
        if none:
            parts.append(tk._("%(count)s towns have no row in these files (0).") % {"count": number_text(len(none))})
    few = [r for r in answer["rows"] if r.get("few_residents")]
    if few:
        parts.append(tk._("%(count)s towns have fewer than %(residents)s residents: one facility more or less moves their rate a lot (marked * in the table).") % {
            "count": number_text(len(few)), "residents": number_text(across.FEW_RESIDENTS)})
    if answer.get("no_residents"):
        parts.append(tk._("%(count)s towns have rows but no residents in the population file, so no rate.") % {
            "count": number_text(len(answer["no_residents"]))})
    if answer.get("unmatched"):
        parts.append(tk._("%(rows)s rows name no town of the ward or of the population file in their address and are not counted by town.") % {
            "rows": number_text(answer["unmatched"]["rows"])})
    if table.cut:
        parts.append(tk._("The chart shows the first %(count)s; the table and the CSV have all.") % {"count": number_text(100)})
    return " ".join(parts)


def _found(standard: str) -> dict[str, Any]:
    if standard not in vocab.standard_datasets()["by_value"]:
        return tk.abort(404, tk._("There is no such standard dataset"))
    chosen = _chosen()
    settings = {"standard": standard, "group": chosen.get("group", ""),
                "measure": chosen.get("measure", "count"), "value": chosen.get("value", ""),
                "per_1000": chosen.get("per_1000", "").lower() in _TRUE, "population": chosen.get("population", "")}
    kind = chosen.get("kind", "bar")
    found: dict[str, Any] = {"standard": standard, "standard_title": tk.h.nakano_standard_title(standard), "settings": settings,
                             "kind": kind, "errors": {}, "answer": None, "table": None, "group_name": group_name,
                             "rows_shown": rows_counted_shown(settings), "args": {k: v for k, v in chosen.items() if k in _ARGS}}
    data = {k: v for k, v in settings.items() if v not in ("", None)}
    try:
        answer = tk.get_action("nakano_analysis_data")(_context(), data)
    except tk.ValidationError as refused:
        found["errors"] = refused.error_dict
    else:
        settings["group"] = answer["group"]
        if kind not in KINDS:
            found["errors"] = {"kind": [tk._("Choose a bar chart or the map of the towns.")]}
        elif kind == "towns" and settings["group"] != across.TOWN:
            found["errors"] = {"kind": [tk._("The map is drawn per town: count by town (町丁目).")]}
    if found["errors"]:
        try:     # the choices still, for the form
            answer = tk.get_action("nakano_analysis_data")(_context(), {"standard": standard, "group": across.FILE})
            found["choices"], found["files"] = answer["choices"], answer["files"]
        except tk.ValidationError:
            found["choices"], found["files"] = {"groups": [], "values": [], "populations": []}, []
        return found
    found.update(answer=answer, choices=answer["choices"], files=answer["files"])
    table = _table(answer, {**settings, "kind": kind})
    title = f"{tk.h.nakano_standard_title(standard)}: " + tk._("%(value)s by %(x)s") % {"value": table.value_name, "x": table.x_name}
    said = _summary(answer, table, settings)
    found.update(table=table, title=title, summary=said, uid=f"analysis-{standard}",
                 svg=drawing.svg(table, f"analysis-{standard}", title, said, {
                     "no_data": tk._("no data"),
                     "note": tk._("Town areas are sketched from each town's representative point (Geolonia, CC BY 4.0), not legal boundaries.")}),
                 map_possible=any(r.get("ward") for r in answer["rows"]))
    return found


@analysis.route("/analysis/<standard>")
def standard_page(standard: str) -> str:
    found = _found(standard)
    status = 400 if found["errors"] else 200
    return tk.render("nakano/analysis/standard.html", found), status


@analysis.route("/analysis/<standard>.csv")
def standard_csv(standard: str) -> flask.Response:
    """The figures as a CSV that Excel opens (UTF-8 with a BOM), every group."""
    found = _found(standard)
    if found["answer"] is None:
        said = [m for messages in found["errors"].values() for m in (messages if isinstance(messages, list) else [messages])]
        return flask.Response("\n".join(str(m) for m in said) + "\n", status=400, mimetype="text/plain")
    settings = found["settings"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    headers = [group_name(settings["group"]), _value_name(settings)]
    if settings.get("per_1000"):
        headers += [_value_name({**settings, "per_1000": False}), tk._("Residents")]
    rows_shown = rows_counted_shown(settings)
    writer.writerow([excel_safe(h) for h in headers + ([tk._("Rows counted")] if rows_shown else [])])
    for row in found["answer"]["rows"]:
        cells = [tk._("(blank)") if row["label"] is None else row["label"], row["value"]]
        if settings.get("per_1000"):
            cells += [row.get("count"), row.get("residents")]
        writer.writerow([excel_safe(c) for c in cells + ([row["rows"]] if rows_shown else [])])
    response = flask.Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    stem = tk._("analysis")
    response.headers["Content-Disposition"] = response_policy.attachment(f"{standard}_{stem}.csv")
    return response
