"""The Action API keeps what its OpenAPI document promises: parameters of the
documented actions (schemas/openapi/actions.yaml) are checked before the
action runs, and a value of the wrong type or out of range is refused with a
409 that names the parameter, in the request's language.

CKAN's read actions take their parameters mostly unchecked: ``limit=`` (an
empty string), ``filters=0``, ``id=true`` or a list where a text is expected
ended in ValueError, KeyError or a database error, a 500 (the fuzz test of
tests/security). GET parameters are text; POST bodies are JSON: both are
read as the document's types.
"""
from __future__ import annotations

import json
import re
from typing import Any

from flask import Response, jsonify, request

import ckan.plugins.toolkit as tk

from . import openapi

__all__ = ["check", "filters_problem"]

# Parameters that mean the same in every action (CKAN core's, its plugins', ours):
# checked for every action, documented or not. A list where an id goes reached
# SQL as an array (ProgrammingError); 10^20 as a limit overflowed; "maybe" as a
# flag failed in asbool — each a 500.
_IDS = {"id", "name", "name_or_id", "resource_id", "package_id", "source_id", "owner_org", "org_id", "group_id",
        "object", "user", "user_id", "entity_id", "job_id", "vocabulary_id", "parent_id"}
_COUNTS = {"limit", "offset", "rows", "start", "page", "days", "max_records", "page_size"}
_FLAGS = {"all_fields", "include_datasets", "include_private", "include_drafts", "include_deleted",
          "include_extras", "include_tags", "include_groups", "include_users", "include_followers",
          "include_member_count", "include_dataset_count", "include_total", "include_data",
          "include_hidden_activity", "use_default_schema", "facet", "zero_results", "include_plugin_extras",
          "include_num_followers", "include_tracking", "distinct", "plain"}
# Actions whose core code reads a parameter without a default (KeyError, a 500).
_REQUIRED = {"organization_autocomplete": ["q"], "group_autocomplete": ["q"], "user_autocomplete": ["q"],
             "harvest_source_show_status": ["id"], "harvest_job_list": ["source_id"]}
_FILTER_OPERATORS = {"eq", "in", "gt", "gte", "lt", "lte"}

_INTEGER = re.compile(r"^[+-]?\d{1,18}$")
_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}
# Counts and offsets are PostgreSQL integers: larger ones fail in the database.
_LARGEST = 2**31 - 1


class _Refused(Exception):
    """A parameter refused: its name and the message (in the request's language)."""

    def __init__(self, name: str, text: str):
        super().__init__(name)
        self.name, self.text = name, text


def _not_an_integer(name: str) -> _Refused:
    return _Refused(name, tk._("%(name)s: must be an integer", name=name))


def _required(name: str) -> _Refused:
    return _Refused(name, tk._("%(name)s: is required", name=name))


def _not_json(name: str, kind: str) -> _Refused:
    if kind == "object":
        return _Refused(name, tk._("%(name)s: must be a JSON object", name=name))
    return _Refused(name, tk._("%(name)s: must be a JSON array", name=name))


def _integer(name: str, value: Any, spec: dict[str, Any]) -> None:
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and _INTEGER.match(value))):
        raise _not_an_integer(name)
    number = int(value)
    low, high = spec.get("minimum"), spec.get("maximum", _LARGEST)
    if (low is not None and number < low) or (high is not None and number > high):
        raise _Refused(name, tk._("%(name)s: must be an integer in %(low)s–%(high)s", name=name,
                                  low="" if low is None else low, high="" if high is None else high))


def _boolean(name: str, value: Any) -> None:
    if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
        return
    if not isinstance(value, str) or value.strip().lower() not in _TRUE | _FALSE:
        raise _Refused(name, tk._("%(name)s: must be true or false", name=name))


def _json_value(name: str, value: Any, kind: str) -> None:
    if isinstance(value, str):
        if not value.strip():
            return
        try:
            value = json.loads(value)
        except ValueError:
            raise _not_json(name, kind) from None
    expected = dict if kind == "object" else list
    if not isinstance(value, expected):
        raise _not_json(name, kind)


def _text(name: str, value: Any, spec: dict[str, Any]) -> None:
    if isinstance(value, str):
        return
    if spec.get("x-list") and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return
    raise _Refused(name, tk._("%(name)s: must be text", name=name))


def _check_value(name: str, value: Any, spec: dict[str, Any]) -> None:
    if "x-json" in spec:
        _json_value(name, value, spec["x-json"])
    elif spec.get("type") == "integer":
        _integer(name, value, spec)
    elif spec.get("type") == "boolean":
        _boolean(name, value)
    elif spec.get("type") == "string":
        _text(name, value, spec)


def _parameters() -> dict[str, Any] | None:
    if request.method == "GET":
        return {key: values[-1] if len(values) == 1 else values
                for key, values in request.args.to_dict(flat=False).items()}
    if request.mimetype == "multipart/form-data":   # an upload (resource files, register files)
        return request.form.to_dict()
    if request.is_json or (request.mimetype or "").endswith("json") or not request.form:
        body = request.get_json(silent=True, force=True)
        if body is None and not request.get_data(cache=True):
            return {}
        return body if isinstance(body, dict) else None
    return request.form.to_dict()


def check() -> tuple[Response, int] | None:
    """Flask ``before_request`` for ``api.action``: a 409, or None to go on."""
    if request.endpoint != "api.action":
        return None
    action = (request.view_args or {}).get("logic_function", "")
    declared = openapi.actions()["actions"].get(action) or {}
    params = _parameters()
    if params is None:
        return _refuse(None, tk._("the request body must be a JSON object"))
    # A write action's parameters by their declared types (an integer id is not the text
    # every other action's id is).
    specs = declared.get("parameters") or openapi.write_specs(action)
    try:
        for name, spec in specs.items():
            if name in params:
                _check_value(name, params[name], spec)
            elif spec.get("required"):
                raise _required(name)
        for name, value in params.items():
            if name in specs or value is None:
                continue
            if name in _IDS:
                _text(name, value, {})
            elif name in _COUNTS:
                _integer(name, value, {"minimum": 0})
            elif name in _FLAGS:
                _boolean(name, value)
        for name in _REQUIRED.get(action, []):
            if not params.get(name):
                raise _required(name)
        if action == "datastore_search" and isinstance(params.get("filters"), (dict, str)):
            _filters(params["filters"])
    except _Refused as refused:
        return _refuse(refused.name, refused.text)
    return None


def filters_problem(filters: Any) -> str | None:
    """The message for DataStore filters the DataStore cannot take, or None."""
    try:
        _filters(filters)
    except _Refused as refused:
        return refused.text
    return None


def _filters(filters: Any) -> None:
    """DataStore filters: a value, a non-empty list of values, or a non-empty
    object of comparisons (an empty one failed in the DataStore: IndexError)."""
    if isinstance(filters, str):
        try:
            filters = json.loads(filters) if filters.strip() else {}
        except ValueError:
            return   # refused as "a JSON object" by the document's check
    if not isinstance(filters, dict):
        return
    scalar = (str, int, float, bool)
    for value in filters.values():
        if value is None or isinstance(value, scalar):
            continue
        if isinstance(value, list) and value and all(isinstance(v, scalar) for v in value):
            continue
        if isinstance(value, dict) and value and set(value) <= _FILTER_OPERATORS and \
                all(isinstance(v, scalar) or (isinstance(v, list) and all(isinstance(x, scalar) for x in v))
                    for v in value.values()):
            continue
        raise _Refused("filters", tk._("%(name)s: must map columns to values, or to comparisons "
                                       "(eq, in, gt, gte, lt, lte)", name="filters"))


def _refuse(name: str | None, text: str) -> tuple[Response, int]:
    error: dict[str, Any] = {"__type": "Validation Error", "message": text}
    if name:
        error[name] = [text]
    return jsonify({"success": False, "error": error}), 409
