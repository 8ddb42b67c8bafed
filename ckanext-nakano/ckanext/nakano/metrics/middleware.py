"""Where events come from: Flask's after_request (pages, downloads, API calls,
searches — all server-side, so API clients and direct links count too) and a
small WSGI beacon for what only the browser sees (a preview shown, a click
on a resource's external URL).

No database query, and the one RPUSH happens after the response is sent:
search result pages carry no per-dataset lookups (CKAN's tracking plugin's
N+1 queries, ckan/ckan#8772).
"""
from __future__ import annotations

import contextlib
import json
import logging
import re
from typing import Any, Callable, Iterable, Iterator

from flask import Response, g, has_request_context, request
from flask_babel import force_locale

import ckan.plugins.toolkit as tk
from ckan.lib.i18n import get_locales_from_config

from . import events

log = logging.getLogger(__name__)

PAGES = {
    "home.index": "home",
    "dataset.search": "search",
    "dataset.read": "dataset",
    "resource.read": "resource",
    "organization.read": "organization",
    "organization.about": "organization",
    "nakano.metrics": "metrics",
}
# datastore.dump: the converted CSV (UTF-8, with BOM for Excel) and JSON downloads.
DOWNLOADS = {"resource.download", "nakano.utf8_copy", "nakano.excel_copy", "datastore.dump"}
DOWNLOAD_STATUS = {200, 301, 302, 303, 307}
# Solr filters the portal adds itself; the rest are the visitor's choices.
INTERNAL_FILTERS = {"dataset_type", "site_id", "state", "capacity", "permission_labels"}
_FILTER = re.compile(r'([+\-]?[\w.]+):("(?:[^"\\]|\\.)*"|\S+)')

# Health checks of the service scripts, docker and nginx are not usage.
HEALTH_CHECKS = {"status_show"}

BEACON_PATH = "/_nakano/event"
BEACON_KINDS = ("preview", "outbound")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def remember_search(search_params: dict[str, Any], search_results: dict[str, Any]) -> None:
    """Called by after_dataset_search: keep the first search of a search page or
    package_search call (other searches of the request are the portal's own)."""
    if not has_request_context() or g.get("nakano_search") is not None:
        return
    if (request.endpoint or "") not in ("dataset.search", "api.action"):
        return
    g.nakano_search = {"q": search_params.get("q"), "fq": search_params.get("fq") or "",
                       "count": search_results.get("count", 0)}


def filters_of(fq: str | list[str]) -> dict[str, str]:
    """Facet filters chosen by the visitor, from Solr's ``fq`` (a string or CKAN's list)."""
    chosen: dict[str, str] = {}
    for field, value in _FILTER.findall(" ".join(fq) if isinstance(fq, list) else fq or ""):
        if field.lstrip("+-") in INTERNAL_FILTERS:
            continue
        chosen[field.lstrip("+")] = value.strip('"')
    return chosen


def _auth() -> str:
    """anonymous, token (an API token sent), user (a browser session) or site
    (the portal's own site user: xloader and other workers fetching files)."""
    user = tk.current_user
    if not (user and user.is_authenticated):
        return "anonymous"
    if user.name == tk.config["ckan.site_id"]:
        return "site"
    header = tk.config.get("apitoken_header_name") or "Authorization"
    return "token" if request.headers.get(header) or request.headers.get("X-CKAN-API-Key") else "user"


def _first_page() -> bool:
    try:
        if request.endpoint == "dataset.search":
            return int(request.args.get("page") or 1) == 1
        return int(request.args.get("start") or 0) == 0
    except ValueError:
        return True


def _endpoint() -> str:
    """The request's endpoint, with CKAN's per-type resource blueprints
    (``dataset_resource.read``, ``resource.read``) named ``resource.*``."""
    blueprint, _, view = (request.endpoint or "").partition(".")
    return f"resource.{view}" if blueprint.endswith("_resource") else f"{blueprint}.{view}"


# Request headers the events need (the rest of the environ is not kept).
_ENVIRON_KEYS = ("REMOTE_ADDR", "HTTP_X_FORWARDED_FOR", "HTTP_USER_AGENT", "HTTP_DNT", "HTTP_SEC_GPC")


def events_of(response: Response) -> list[tuple[str, dict[str, Any]]]:
    """What the finished request stands for, as (kind, fields) — often nothing.
    Only cheap look-ups here; hashing and queueing wait until the response is sent."""
    endpoint = _endpoint()
    status = response.status_code
    args = request.view_args or {}
    pkg = g.get("pkg_dict") or {}
    found: list[tuple[str, dict[str, Any]]] = []
    if endpoint in PAGES and status == 200 and request.method == "GET":
        page = PAGES[endpoint]
        fields: dict[str, Any] = {"page": page}
        if page in ("dataset", "resource"):  # the ingester finds the department from the dataset
            fields.update(package=pkg.get("id") or args.get("id"), resource=args.get("resource_id"))
        elif page == "organization":
            fields["organization"] = args.get("id")
        found.append(("view", fields))
    elif endpoint in DOWNLOADS and status in DOWNLOAD_STATUS:
        found.append(("download", {"package": args.get("id"), "resource": args.get("resource_id")}))
    elif endpoint == "api.action" and status == 200 and args.get("logic_function") not in HEALTH_CHECKS:
        action = args.get("logic_function") or ""
        package = request.args.get("id") if action == "package_show" else None
        found.append(("api", {"action": action, "package": package}))
    searched = g.get("nakano_search")
    if searched and status == 200 and searched["q"] not in ("*:*", None, "") and _first_page():
        found.append(("search", {"query": searched["q"], "filters": searched["fq"], "results": searched["count"],
                                 "page": "api" if endpoint == "api.action" else "search"}))
    return found


def build(found: list[tuple[str, dict[str, Any]]], environ: dict[str, Any], auth: str) -> list[dict[str, Any]]:
    """The events, with their ids, visitor key and normalised search terms."""
    shared = dict(events.request_fields(environ), auth=auth)
    built = []
    for kind, fields in found:
        if kind == "search":
            query = events.normalise_query(fields["query"])
            if not query:
                continue
            fields = dict(fields, query=query, filters=filters_of(fields["filters"]))
        built.append(events.new_event(kind, shared, **fields))
    return built


def after_request(response: Response) -> Response:
    """Note what the request was; the events are built and queued once the
    response has gone out (``call_on_close``), so no request waits for Redis."""
    if not events.enabled():
        return response
    try:
        found = events_of(response)
        if found:
            environ = {k: request.environ.get(k, "") for k in _ENVIRON_KEYS}
            auth = _auth()
            if auth == "site":  # the portal's own workers are not use of the portal
                return response
            if response.direct_passthrough:
                # Files handed to the server as they are (send_file): werkzeug
                # skips the close callbacks for them, so these are queued now.
                _record(found, environ, auth)
            else:
                response.call_on_close(lambda: _record(found, environ, auth))
    except Exception:  # metrics must never break a page
        log.exception("metrics: event not recorded")
    return response


def _record(found: list[tuple[str, dict[str, Any]]], environ: dict[str, Any], auth: str) -> None:
    try:
        events.record(build(found, environ, auth))
    except Exception:
        log.exception("metrics: event not recorded")


class Beacon:
    """WSGI layer answering ``POST /_nakano/event`` before Flask: the portal's
    scripts report previews shown and external links followed (204, or 400
    with a message in the default language, or in English at
    ``/en/_nakano/event``, as CKAN's pages). Everything else goes to CKAN untouched."""

    def __init__(self, app: Any):
        self.app = app

    def __getattr__(self, name: str) -> Any:  # CKAN sets and reads attributes on its app
        return getattr(self.app, name)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        lang = _beacon_language(environ.get("PATH_INFO") or "")
        if lang is None:
            return self.app(environ, start_response)
        if environ.get("REQUEST_METHOD") != "POST":
            with self._language(lang):
                message = tk._("POST only")
            return _reply(start_response, "405 Method Not Allowed", message)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = json.loads(environ["wsgi.input"].read(min(length, 2048)) or b"{}") if length <= 2048 else None
        except (ValueError, UnicodeDecodeError):
            body = None
        kind = body.get("type") if isinstance(body, dict) else None
        resource = str(body.get("resource", "")) if isinstance(body, dict) else ""
        if kind not in BEACON_KINDS or not _UUID.match(resource):
            with self._language(lang):
                message = tk._("type (preview|outbound) and resource (a UUID) are required")
            return _reply(start_response, "400 Bad Request", message)
        if events.enabled():
            try:
                events.record([events.new_event(kind, events.request_fields(environ), resource=resource)])
            except Exception:
                log.exception("metrics: beacon event not recorded")
        return _reply(start_response, "204 No Content", "")

    @contextlib.contextmanager
    def _language(self, lang: str) -> Iterator[None]:
        """gettext in ``lang`` here, before Flask has a request (an application
        context is enough for Flask-Babel once the locale is forced)."""
        with self.app.app_context(), force_locale(lang):
            yield


def _beacon_language(path: str) -> str | None:
    """The language of a beacon request: the default one at /_nakano/event, the
    locale's at /<locale>/_nakano/event; None for every other path."""
    if not path.endswith(BEACON_PATH):
        return None
    if path == BEACON_PATH:
        return tk.config.get("ckan.locale_default") or "en"
    prefix = path[1:-len(BEACON_PATH)]
    return prefix if prefix in get_locales_from_config() else None


def _reply(start_response: Callable[..., Any], status: str, message: str) -> list[bytes]:
    body = json.dumps({"message": message}, ensure_ascii=False).encode() if message else b""
    headers = [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(body))),
               ("Cache-Control", "no-store")]
    start_response(status, headers)
    return [body]
