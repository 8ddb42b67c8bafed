"""What a request may carry before any view or action sees it.

- No control characters (NUL and the other C0 codes but tab, line feed and
  carriage return, and lone surrogates) in the path, query strings, form fields or JSON bodies: no field of
  the portal can hold them, PostgreSQL refuses NUL, and they broke searches,
  tag autocomplete and the usage statistics' queue (a search event with a NUL
  stopped it for an hour). Refused once here, for every route and action.
- Parameters core views take without checking, refused with a message
  instead of a 500: the DataStore dump's ``format`` (CKAN's check of it fails
  on its own message).

Answers are 400: JSON in CKAN's error shape for the Action API, a page for
the rest, in the request's language.
"""
from __future__ import annotations

import re
from typing import Any, Iterator
from urllib.parse import urlencode

from flask import Response, jsonify, redirect, request

import ckan.plugins.toolkit as tk
from ckan.lib.navl import dictization_functions as dict_fns
from ckanext.datastore.blueprint import DUMP_FORMATS, dump_schema
from ckanext.dcat.utils import CONTENT_TYPES as DCAT_FORMATS

from .api_contract import filters_problem

__all__ = ["check", "CONTROL"]

# Lone UTF-16 surrogates too: JSON may escape one ("\\ud800"), no UTF-8 text can hold it,
# and encoding it for PostgreSQL raised UnicodeEncodeError (a 500, also in core actions).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# What listing pages take as sort and page number; CKAN's views failed on others
# (a blank sort: IndexError; page 10^20: a database integer overflow).
SORT = re.compile(r"^\s*[\w.]+\s+(asc|desc)\s*(,\s*[\w.]+\s+(asc|desc)\s*)*$", re.I)
PAGE = re.compile(r"^[1-9]\d{0,5}$")


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is used (tk._)."""
    return message


NOT_FOUND = N_("No table rows found (not loaded, or not yours to see).")
_CONTROL_MESSAGE = N_("The request contains control characters (such as NUL) that no field can hold. Remove them "
                      "and try again.")
# An example of DataStore filters (a column and a value of the ward's data).
_FILTERS_EXAMPLE = '{"名称": "中野区役所"}'


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _request_strings() -> Iterator[str]:
    yield request.path
    for key, value in request.args.items(multi=True):
        yield key
        yield value
    if request.method in ("POST", "PUT", "PATCH") and not request.files:
        if request.is_json:
            body = request.get_json(silent=True)
            if body is None and request.get_data(cache=True):
                # JSON that does not parse: json.loads refuses raw control
                # characters, so look at the text itself.
                yield request.get_data(cache=True, as_text=True)
            else:
                yield from _strings(body)
        else:
            for key, value in request.form.items(multi=True):
                yield key
                yield value
    elif request.files:
        for key, value in request.form.items(multi=True):
            yield key
            yield value


def _refuse(message: str, field: str | None = None, status: int = 400) -> tuple[Response | str, int]:
    if request.blueprint == "api":
        error: dict[str, Any] = {"__type": "Validation Error", "message": message}
        if field:
            error[field] = [message]
        return jsonify({"success": False, "error": error}), status
    return tk.render("error_document_template.html", {"code": status, "content": message}), status


def check() -> tuple[Response | str, int] | None:
    """Flask ``before_request``: a refusal, or None to go on."""
    try:
        for text in _request_strings():
            if CONTROL.search(text):
                return _refuse(tk._(_CONTROL_MESSAGE))
    except (UnicodeDecodeError, ValueError):   # a body in no text encoding: left to the view
        pass
    if request.endpoint == "datastore.dump":
        refused = _dump_parameters()
        if refused:
            message, status = refused
            return _refuse(message, status=status)
    fmt = (request.view_args or {}).get("_format")
    if fmt is not None and (request.endpoint or "").startswith("dcat.") and fmt not in DCAT_FORMATS:
        # ckanext-dcat answers a format it has no serializer for with a 500.
        return _refuse(tk._("Unknown format “%(format)s” (one of %(formats)s).", format=fmt[:20],
                            formats=", ".join(DCAT_FORMATS)), status=404)
    if request.method == "GET" and request.endpoint and not request.endpoint.startswith("nakano") and (
            request.endpoint.endswith((".search", ".read", ".index")) or request.endpoint.startswith("feeds.")):
        # CKAN's Atom feeds take the same page and sort as the search pages (and failed on the same);
        # the portal's own listings check their parameters themselves.
        return _listing_parameters()
    return None


def _dump_parameters() -> tuple[str, int] | None:
    """The DataStore dump's parameters, checked before its answer starts: CKAN
    checks them with a schema whose ``one_of`` message fails (500), and a
    ``fields``/``sort``/``filters`` the table does not have fails in the first
    page's search, after the answer began (500 or a cut download).
    The refusal: its message and status, or None."""
    fmt = request.args.get("format")
    if fmt is not None and fmt not in DUMP_FORMATS:
        return tk._('Unsupported format "%(format)s" (one of %(formats)s).',
                    format=fmt[:20], formats=", ".join(DUMP_FORMATS)), 400
    data, errors = dict_fns.validate({k: v for k, v in request.args.to_dict().items() if k != "format"},
                                     {k: v for k, v in dump_schema().items() if k != "format"})
    if errors:
        return tk._("Invalid download parameters: %(names)s.", names=", ".join(sorted(errors))), 400
    for key in ("limit", "offset"):
        if key in request.args and not (isinstance(data.get(key), int) and 0 <= data[key] < 2**31):
            return tk._("%(key)s must be a whole number from 0.", key=key), 400
    problem = filters_problem(data["filters"]) if isinstance(data.get("filters"), dict) else None
    if problem:
        return problem, 400
    if "filters" in data and not isinstance(data["filters"], dict):
        return tk._("filters must be a JSON object, e.g. %(example)s.", example=_FILTERS_EXAMPLE), 400
    params = {k: data[k] for k in ("filters", "q", "distinct", "plain", "language", "fields", "sort") if k in data}
    resource_id = (request.view_args or {}).get("resource_id")
    try:
        tk.get_action("datastore_search")({"user": tk.current_user.name if tk.current_user else None},
                                          {"resource_id": resource_id, "limit": 0, **params})
    except tk.ValidationError as exc:
        named = ", ".join(k for k in exc.error_dict if not k.startswith("__")) or "?"
        return tk._("Invalid download parameters (%(names)s): check the column names and the sort.",
                    names=named), 400
    except (tk.ObjectNotFound, tk.NotAuthorized):
        # CKAN's view answers 404 to a refusal, and 500 to a table that is not a
        # resource's (its auth looks the resource up: _table_metadata).
        return tk._(NOT_FOUND), 404
    return None


def _listing_parameters() -> Response | None:
    """Search and listing pages: a sort or page number they cannot use is
    dropped (the visitor lands on the same search without it)."""
    bad = [k for k in ("sort", "page") if k in request.args
           and not (SORT if k == "sort" else PAGE).match(request.args.get(k, ""))]
    if not bad:
        return None
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in bad]
    url = request.script_root + request.path
    if kept:
        url += "?" + urlencode(kept)
    return redirect(url, 302)

