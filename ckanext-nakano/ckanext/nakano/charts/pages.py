"""「グラフを作る」: the chart builder of a resource's DataStore table, its downloads (CSV with a
BOM, SVG; PNG is drawn from the SVG in the browser), the chart-only page for embedding in the
ward's own web pages, and saving a chart as a resource view.

Every page is a GET of the chart's settings (charts/settings.py), so its address is its link.
The numbers come from ``nakano_chart_data`` (which checks who may read the rows); a chart that
cannot be made is said beside the setting it is about, never as an error page.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from typing import Any

import flask
from flask import request
from markupsafe import Markup

import ckan.plugins.toolkit as tk

from .. import response_policy
from ..spreadsheet_safety import excel_safe
from ..validation.column_types import is_code_name
from . import drawing, settings as chart_settings
from .table import ChartTable, chart_table, measure_name, summary

__all__ = ["charts", "chart_page_data", "EMBED_ANCESTORS"]

charts = flask.Blueprint("nakano_charts", __name__)

EMBED_ANCESTORS = "ckanext.nakano.charts.embed_ancestors"
VIEW_TYPE = "nakano_chart_view"
DEFAULT_TOP = 20
MAX_FIRST_GROUPS = 30   # values of a column first chosen as the categories, in the sampled rows
# Columns first chosen as the categories when the address names none, in this order (after
# NFKC and casefold): the 自治体標準オープンデータセット's columns that group rows.
_GROUPING = ("町丁目", "町名", "地区", "種別", "区分", "分類", "種類", "カテゴリ", "category", "type", "年度", "年")
# Columns that name each row: one row per category, a useless first chart.
_NAMING = ("名称", "名前", "住所", "所在地", "電話", "url", "備考", "id", "no", "緯度", "経度")
# A site as frame-ancestors takes it; anything else in the setting is left out of the policy.
_SITE = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
_TOWN_COLUMNS = ("町丁目", "町名", "所在地_町字", "所在地", "住所", "address")


def _key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip().casefold()


def _first_matching(columns: list[dict[str, str]], names: tuple[str, ...], kinds: tuple[str, ...]) -> str | None:
    usable = [c for c in columns if c["kind"] in kinds]
    for wanted in names:
        for column in usable:
            if wanted in _key(column["name"]):
                return column["name"]
    return None


def _first_category(columns: list[dict[str, Any]]) -> str | None:
    """A column that groups rows: text or dates with 2 to 30 values in the first rows, not a
    code or a name of each row; the 自治体標準 grouping names first, else the fewest values."""
    usable = [c for c in columns if c["kind"] in ("text", "date") and 2 <= c.get("distinct", 0) <= MAX_FIRST_GROUPS
              and not is_code_name(c["name"]) and not any(n in _key(c["name"]) for n in _NAMING)]
    return (_first_matching(usable, _GROUPING, ("text", "date"))
            or min(usable, key=lambda c: c["distinct"], default={}).get("name"))


def _defaults(chosen: dict[str, Any], columns: list[dict[str, Any]]) -> dict[str, Any]:
    """What the builder shows first: a bar chart of the rows per grouping column, top 20."""
    settings = dict(chosen)
    if not settings.get("x"):
        if settings.get("kind") == "towns":
            settings["x"] = _first_matching(columns, _TOWN_COLUMNS, ("text",))
        else:
            settings["x"] = (_first_category(columns)
                             or next((c["name"] for c in columns if c["kind"] in ("text", "date")), None))
        settings.setdefault("top", str(DEFAULT_TOP))
    kinds = {c["name"]: c["kind"] for c in columns}
    if "kind" not in settings and kinds.get(settings.get("x")) == "date":
        settings["kind"] = "line"
    return {k: v for k, v in settings.items() if v not in (None, "")}


def choices() -> dict[str, list[tuple[str, str]]]:
    """The builder's options, named in the page's language."""
    return {
        "kind": [("bar", tk._("Bar chart")), ("stacked", tk._("Stacked bar chart")), ("line", tk._("Line chart")),
                 ("pie", tk._("Pie chart (up to 7 parts)")), ("scatter", tk._("Scatter chart (two numbers)")),
                 ("towns", tk._("Map of the towns (町丁目), shaded"))],
        "measure": [("count", tk._("Number of rows")), ("sum", tk._("Sum")), ("avg", tk._("Average")),
                    ("min", tk._("Smallest")), ("max", tk._("Largest"))],
        "sort": [("value_desc", tk._("Largest first")), ("value_asc", tk._("Smallest first")),
                 ("label", tk._("By name or date"))],
        "unit": [("month", tk._("Month")), ("year", tk._("Year"))],
        "column_kind": [("number", tk._("numbers")), ("date", tk._("dates")), ("text", tk._("text")),
                        ("empty", tk._("empty"))],
    }


def _context() -> dict[str, Any]:
    return {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}


def _resource(dataset_id: str, resource_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    resource = tk.get_action("resource_show")(_context(), {"id": resource_id})
    dataset = tk.get_action("package_show")(_context(), {"id": dataset_id})
    if resource["package_id"] != dataset["id"]:
        raise tk.ObjectNotFound()
    return dataset, resource


def chart_page_data(dataset: dict[str, Any], resource: dict[str, Any], chosen: dict[str, Any],
                    uid: str = "chart") -> dict[str, Any]:
    """Everything a page of the chart needs: columns, settings, numbers, drawing, table and
    summary; ``errors`` (setting → messages) when the chart cannot be made as asked."""
    found: dict[str, Any] = {"dataset": dataset, "resource": resource, "errors": {}, "columns": [],
                             "settings": chosen, "table": None, "choices": choices(), "uid": uid}
    try:
        found["columns"] = tk.get_action("nakano_chart_columns")(_context(), {"resource_id": resource["id"]})
    except tk.ValidationError as refused:
        found["errors"] = refused.error_dict
        found["no_table"] = True
        return found
    settings = _defaults(chosen, found["columns"])
    found["settings"] = settings
    if not settings.get("x"):     # no column to group by was found (a map with no town column …)
        found["errors"] = {"x": [tk._("Choose the column of the categories.")]}
        return found
    try:
        answer = tk.get_action("nakano_chart_data")(_context(), {"resource_id": resource["id"], **settings})
    except tk.ValidationError as refused:
        found["errors"] = refused.error_dict
        return found
    table = chart_table(answer, settings)
    title = _title(resource, settings)
    said = summary(table, answer)
    found.update(answer=answer, table=table, title=title, summary=said,
                 svg=drawing.svg(table, uid, title, said, {"no_data": tk._("no data"),
                                                           "note": tk._("Town areas are sketched from each town's representative point (Geolonia, CC BY 4.0), not legal boundaries.")}),
                 pie_refused=settings.get("kind") == "pie" and len(table.categories) > drawing.MAX_PIE_PARTS,
                 args=chart_settings.to_args(settings))
    return found


def _title(resource: dict[str, Any], settings: dict[str, Any]) -> str:
    name = resource.get("name") or tk._("Unnamed resource")
    if settings.get("kind") == "scatter":
        what = tk._("%(y)s against %(x)s") % {"y": settings.get("value", ""), "x": settings.get("x", "")}
    else:
        what = tk._("%(value)s by %(x)s") % {"value": measure_name(settings), "x": settings.get("x", "")}
    return f"{name}: {what}"


def _found(id: str, resource_id: str, uid: str = "chart") -> dict[str, Any]:
    try:
        dataset, resource = _resource(id, resource_id)
    except (tk.NotAuthorized, tk.ObjectNotFound, tk.ValidationError):
        # As CKAN's dataset pages: a private dataset is not found, rather than refused.
        return tk.abort(404, tk._("Resource not found"))
    return chart_page_data(dataset, resource, chart_settings.from_args(request.args), uid)


def _links(found: dict[str, Any]) -> dict[str, str]:
    args = found.get("args") or {}
    target = {"id": found["dataset"]["name"], "resource_id": found["resource"]["id"], **args}
    return {"page": tk.url_for("nakano_charts.builder", qualified=True, **target),
            "csv": tk.url_for("nakano_charts.chart_csv", **target),
            "svg": tk.url_for("nakano_charts.chart_svg", **target),
            "embed": tk.url_for("nakano_charts.embed", qualified=True, **target)}


def embed_code(found: dict[str, Any]) -> str:
    """The ``<iframe>`` to paste into a web page. Built and escaped here, as HTML of its own: the
    page shows it as text (escaped once more), and what is copied must hold a resource's name
    with 「"」 or 「<」 as text, not as markup on the ward's page."""
    table: ChartTable = found["table"]
    height = 560 if table.kind in ("towns", "line", "scatter", "pie") else min(260 + 24 * len(table.categories), 900)
    return str(Markup('<iframe src="{src}" title="{title}" width="760" height="{height}" loading="lazy" '
                      'style="border:0;max-width:100%"></iframe>').format(
        src=found["links"]["embed"], title=found["title"], height=height))


@charts.route("/dataset/<id>/resource/<resource_id>/chart")
def builder(id: str, resource_id: str) -> str:
    """The builder: the form of settings, the chart, its table, summary, downloads and links."""
    found = _found(id, resource_id)
    found["links"] = _links(found) if found.get("table") else {}
    if found.get("table"):
        found["embed_code"] = embed_code(found)
    found["may_save"] = bool(found.get("table")) and tk.h.check_access(
        "resource_view_create", {"resource_id": resource_id})
    return tk.render("nakano/charts/builder.html", found)


@charts.route("/dataset/<id>/resource/<resource_id>/chart/embed")
def embed(id: str, resource_id: str) -> flask.Response:
    """The chart alone (drawing, summary, table behind a disclosure), for an iframe on the ward's
    own pages: framing allowed to the sites of ``ckanext.nakano.charts.embed_ancestors``."""
    found = _found(id, resource_id)
    found["links"] = _links(found) if found.get("table") else {}
    response = flask.make_response(tk.render("nakano/charts/embed.html", found))
    sites = tuple(site for site in tk.config.get(EMBED_ANCESTORS) if _SITE.match(site))
    response.headers["Content-Security-Policy"] = response_policy.page_policy(sites)
    return response


def _refused(found: dict[str, Any]) -> flask.Response:
    said = [m for messages in found["errors"].values() for m in (messages if isinstance(messages, list) else [messages])]
    text = "\n".join(str(m) for m in said) or tk._("Choose the column of the categories.")
    return flask.Response(text + "\n", status=400, mimetype="text/plain")


def _stem(found: dict[str, Any]) -> str:
    name = (found["resource"].get("name") or found["resource"]["id"]).rsplit(".", 1)[0]
    return f"{name[:60]}_{tk._('chart')}"


@charts.route("/dataset/<id>/resource/<resource_id>/chart.csv")
def chart_csv(id: str, resource_id: str) -> flask.Response:
    """The chart's numbers as a CSV that Excel opens (UTF-8 with a BOM), as in the table."""
    found = _found(id, resource_id)
    table: ChartTable | None = found.get("table")
    if table is None:
        return _refused(found)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    # A name or a label that starts like a formula stays text in Excel (as the table's Excel CSV),
    # the header too: it holds a column's name and, stacked, the series' values.
    for row in [table.headers, *table.rows()]:
        writer.writerow([excel_safe(v) for v in row])
    response = flask.Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = response_policy.attachment(_stem(found) + ".csv")
    return response


@charts.route("/dataset/<id>/resource/<resource_id>/chart.svg")
def chart_svg(id: str, resource_id: str) -> flask.Response:
    """The drawing as a file (the same SVG as on the page)."""
    found = _found(id, resource_id)
    if found.get("table") is None:
        return _refused(found)
    body = '<?xml version="1.0" encoding="UTF-8"?>\n' + str(found["svg"])
    response = flask.Response(body, mimetype="image/svg+xml")
    response.headers["Content-Disposition"] = response_policy.attachment(_stem(found) + ".svg")
    return response


@charts.route("/dataset/<id>/resource/<resource_id>/chart/save", methods=["POST"])
def save(id: str, resource_id: str) -> Any:
    """Keep the chart as a view of the resource (its department's editors): a tab beside the
    table and the map, and in the API (``resource_view_list``)."""
    chosen = chart_settings.from_args(request.form)
    title = (request.form.get("title") or "").strip()[:100]
    try:
        dataset, resource = _resource(id, resource_id)
        tk.check_access("resource_view_create", _context(), {"resource_id": resource_id})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only the department's editors can save a chart on its data"))
    except (tk.ObjectNotFound, tk.ValidationError):
        return tk.abort(404, tk._("Resource not found"))
    found = chart_page_data(dataset, resource, chosen)
    if not title:
        found["errors"] = {"title": [tk._("Give the chart a name")]}
    if found["errors"] or found.get("table") is None:
        found["links"] = _links(found) if found.get("table") else {}
        if found.get("table"):
            found["embed_code"] = embed_code(found)
        found["may_save"], found["save_title"] = True, title
        return tk.render("nakano/charts/builder.html", found), 400
    view = tk.get_action("resource_view_create")(_context(), {
        "resource_id": resource_id, "view_type": VIEW_TYPE, "title": title,
        "description": found["summary"][:500], "pinned": request.form.get("pinned") == "true",
        **chart_settings.to_args(found["settings"])})
    tk.h.flash_success(tk._("The chart 「%(title)s」 was saved as a view of this file.") % {"title": title})
    return tk.redirect_to("resource.read", id=dataset["name"], resource_id=resource_id, view_id=view["id"])


def uid_for(key: str) -> str:
    """An id prefix of a drawing's title and summary, the same for the same chart."""
    return "chart-" + hashlib.sha1(key.encode()).hexdigest()[:10]
