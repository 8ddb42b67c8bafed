"""Pages of the nakano plugin."""
from __future__ import annotations

from pathlib import Path

import flask
import markdown
from markupsafe import Markup

import ckan.plugins.toolkit as tk

from . import openapi, password_reset, response_policy, table_csv, upload_intake
from .dcat import categories
from .developers import examples
from .harvest import pages as harvest_pages
from .analysis.pages import analysis
from .charts.pages import charts
from .learn.pages import learn
from .data_requests.pages import requests_pages
from .inventory.pages import inventory
from .reuses.pages import showcase
from .submissions.pages import submissions
from .metrics.quality import rules
from . import sitemap as sitemaps
from .validation import copies

nakano = flask.Blueprint("nakano", __name__)

__all__ = ["nakano", "inventory", "showcase", "requests_pages", "submissions", "charts", "learn", "analysis"]


@nakano.route("/dataset/<id>/resource/<resource_id>/utf8.csv")
def utf8_copy(id: str, resource_id: str) -> flask.Response:
    """The UTF-8 copy made of a non-UTF-8 CSV (the original stays as uploaded)."""
    try:
        shown = tk.get_action("nakano_validation_show")({}, {"id": resource_id})
    except tk.NotAuthorized:
        return tk.abort(403)
    name = ((shown.get("report") or {}).get("copies") or {}).get("utf8")
    if not name:
        return tk.abort(404, tk._("No UTF-8 copy"))
    return copies.send(resource_id, name, "text/csv; charset=utf-8")


@nakano.route("/dataset/<id>/resource/<resource_id>/excel.csv")
def excel_copy(id: str, resource_id: str) -> flask.Response:
    """「Excel用CSV」: the DataStore rows with formula-like cells escaped (table_csv.py)."""
    return _table_csv(resource_id, for_excel=True)


@nakano.route("/dataset/<id>/resource/<resource_id>/table.csv")
def table_copy(id: str, resource_id: str) -> flask.Response:
    """「CSV（UTF-8）」: the DataStore rows as they are, without CKAN's ``_id``."""
    return _table_csv(resource_id, for_excel=False)


def _table_csv(resource_id: str, for_excel: bool) -> flask.Response:
    try:
        resource = tk.get_action("resource_show")({}, {"id": resource_id})
        names, body = table_csv.rows(resource_id, tk.current_user.name if tk.current_user else None, for_excel)
    except tk.NotAuthorized:
        return tk.abort(403)
    except (tk.ObjectNotFound, tk.ValidationError):
        return tk.abort(404, tk._("No table rows for this resource"))
    response = flask.Response(flask.stream_with_context(body), mimetype="text/csv")
    suffix = "（Excel用）.csv" if for_excel else ".csv"
    response.headers["Content-Disposition"] = response_policy.attachment(download_stem(resource) + suffix)
    return response


def download_stem(resource: dict) -> str:
    """A converted download's name: the resource's name (Japanese kept), else
    its file's name, without an extension; the id only when it has neither."""
    name = (resource.get("name") or resource.get("file_name") or "").strip()
    if name.lower().endswith((".csv", ".xlsx", ".xls", ".tsv", ".txt")):
        name = name.rsplit(".", 1)[0]
    name = upload_intake.readable_file_name(name)[:80].strip()
    return name or resource["id"]


@nakano.route("/user/reset", methods=["POST"])
def request_password_reset() -> flask.Response:
    """CKAN's reset form, answered alike whether the account exists (password_reset.py)."""
    return password_reset.request_reset()


@nakano.route("/ckan-admin/queues")
def queues() -> str:
    """処理待ちと保留 / Queues and items set aside (sysadmins)."""
    try:
        status = tk.get_action("nakano_queue_status")({}, {})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Sysadmins only"))
    return tk.render("nakano/queues.html", {"status": status})


# ckanext-harvest acts on GET for these two; here they also take the POST its
# confirmation form sends (harvest/pages.py).
nakano.add_url_rule("/harvest/delete/<id>", "harvest_delete", harvest_pages.delete, methods=["POST"])
nakano.add_url_rule("/harvest/<source>/job/<id>/abort", "harvest_job_abort", harvest_pages.job_abort,
                    methods=["POST"])


@nakano.route("/harvest-report")
def harvest_report() -> str:
    """収集報告: per department, each source's last run, counts and errors."""
    department = tk.request.args.get("department") or None
    try:
        departments = tk.get_action("nakano_harvest_report")({}, {"department": department})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Log in to see your department's report"))
    return tk.render("nakano/harvest_report.html", {"departments": departments, "department": department})


@nakano.route("/metrics")
def metrics() -> str:
    """利用統計: usage per day, top datasets, departments (leaderboard), searches."""
    site = tk.get_action("nakano_metrics_site")({}, {"days": 90})
    return tk.render("nakano/metrics.html", {"site": site})


@nakano.route("/metrics/department/<id>")
def department_metrics(id: str) -> str:
    """A department's dashboard: its datasets with score and problems, usage."""
    try:
        org = tk.get_action("nakano_metrics_organization")({}, {"id": id})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Department not found"))
    return tk.render("nakano/metrics_department.html", {"org": org})


@nakano.route("/metrics/quality")
def quality_method() -> str:
    """品質スコアの算定方法: dimensions, indicators and points (schemas/quality.yaml)."""
    return tk.render("nakano/quality_method.html", {"rules": rules()})


@nakano.route("/api/openapi.json")
def openapi_json() -> flask.Response:
    """OpenAPI 3.1 document of the read actions (CKAN itself has none); texts
    in Japanese / English, or in one language with ?lang= (the reference page's)."""
    lang = tk.request.args.get("lang")
    response = flask.jsonify(openapi.document(lang if lang in openapi.LANGUAGES else None))
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@nakano.route("/api/docs")
def api_docs() -> str:
    """API の説明 / API reference: Swagger UI on the same OpenAPI document,
    with a plain listing of every action and its example for pages without script."""
    lang = tk.h.lang() if tk.h.lang() in openapi.LANGUAGES else "ja"
    doc = openapi.document(lang)
    urls = {path: openapi.example_url(path, item["get"]["parameters"]) for path, item in doc["paths"].items()
            if "get" in item}
    return tk.render("nakano/api_docs.html", {"doc": doc, "example_urls": urls, "doc_lang": lang})


DOCS = Path(__file__).resolve().parent / "docs"


def _statement(name: str, title: str) -> str:
    """A statement kept in docs/ (one source for the repository and the site);
    ``title`` in the request's language."""
    # Our own reviewed text, not user input: tables allowed, HTML kept.
    body = markdown.markdown((DOCS / name).read_text(encoding="utf-8"), extensions=["tables"])
    return tk.render("nakano/statement.html", {"body": Markup(body), "title": title})


@nakano.route("/privacy")
def privacy() -> str:
    """利用統計とプライバシー / Usage statistics and privacy (docs/privacy.md)."""
    return _statement("privacy.md", tk._("Usage statistics and privacy"))


@nakano.route("/accessibility")
def accessibility() -> str:
    """ウェブアクセシビリティ方針と試験結果 (docs/accessibility.md)."""
    return _statement("accessibility.md", tk._("Accessibility statement"))


@nakano.route("/developers")
def developers() -> str:
    """開発者向け情報: API examples (curl, ckanapi, JavaScript) on this portal's data."""
    return tk.render("nakano/developers.html", {"ex": examples()})


@nakano.route("/sitemap.xml")
def sitemap() -> flask.Response:
    """The sitemap index (robots.txt names it): the parts listing the public pages
    and the public datasets, for search engines."""
    return flask.Response(sitemaps.index(), mimetype="application/xml")


@nakano.route("/sitemap/pages.xml")
def sitemap_pages() -> flask.Response:
    return flask.Response(sitemaps.pages(), mimetype="application/xml")


@nakano.route("/sitemap/datasets-<int:part>.xml")
def sitemap_datasets(part: int) -> flask.Response:
    document = sitemaps.datasets(part)
    if document is None:
        return tk.abort(404, tk._("The sitemap has no such part"))
    return flask.Response(document, mimetype="application/xml")


@nakano.route(categories.PATH)
def category_vocabulary() -> flask.Response:
    """分類の語彙 / The category vocabulary (SKOS, Turtle): what the catalog's
    dcat:theme URIs <site>/vocab/categories#<code> name."""
    response = flask.Response(categories.scheme().serialize(format="turtle"), mimetype="text/turtle")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
