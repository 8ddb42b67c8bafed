"""The OpenAPI 3.1 document of the read actions the portal exposes, built from
schemas/openapi/ (actions.yaml: actions and parameters; components.yaml: the
JSON Schemas of their results), with examples on this portal's real data
(api_examples.py): each parameter's example value and each action's answer
to it, shortened. /api/docs renders it with Swagger UI."""
from __future__ import annotations

import json
import logging
import time
from functools import cache
from typing import Any
from urllib.parse import urlencode

import yaml
from flask_babel import force_locale

import ckan.plugins.toolkit as tk

from . import api_examples, language_text, vocab
from .inventory import schema as inventory_schema

__all__ = ["FOLDER", "LANGUAGES", "actions", "document", "example_url"]

log = logging.getLogger(__name__)

FOLDER = vocab.VOCAB.parent / "openapi"
# ?lang= may name any language of the UI; a document asked for in none says
# Japanese / English (what API clients got before the other languages).
LANGUAGES = language_text.LANGUAGES
BOTH = ("ja", "en")
# Example answers are real answers: made again when the example dataset
# changes, and at least every this many seconds (usage figures move).
ANSWERS_TTL = 600
# How much of an answer an example shows: the first items of each list, the
# start of each long text.
EXAMPLE_ITEMS, EXAMPLE_TEXT = 2, 200

_answers: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}


def N_(message: str) -> str:
    """Marks a message for translation where it is defined; translated where it is used (_say)."""
    return message


TITLE = N_("Nakano Open Data Portal API")
RESPONSES = {"200": N_("success"), "403": N_("not authorized"), "404": N_("not found"),
             "409": N_("invalid parameters")}
TOKEN = N_("API token (user page → API tokens)")
# Parameters of the write actions that are not fields of the register (schemas/openapi/actions.yaml).
WRITE_PARAMETERS = {
    "id": ({"type": "string"}, N_("the item's id (or its management number, with department)")),
    "department": ({"type": "string"}, N_("the department's name")),
    "upload": ({"type": "string", "format": "binary"}, N_("the register file (CSV or XLSX)")),
    "dry_run": ({"type": "boolean"}, N_("report what would change, write nothing")),
    # Reuses (活用事例) and data requests (データ要望); a third item names the property when
    # one name means different things in different actions.
    "reuse_id": ({"type": "string"}, N_("the reuse's id or URL name"), "id"),
    "request_id": ({"type": "integer", "minimum": 1}, N_("the request's number"), "id"),
    "title": ({"type": "string", "maxLength": 200}, N_("its title")),
    "kind": ({"type": "string", "enum": ["app", "visualization", "article", "research", "education", "policy",
                                         "event", "other"]}, N_("kind of reuse")),
    "url": ({"type": "string", "format": "uri"}, N_("its page (http or https)")),
    "description": ({"type": "string", "maxLength": 5000}, N_("what it is (Markdown)")),
    "request_description": ({"type": "string", "maxLength": 5000}, N_("more about the data wanted"), "description"),
    "provider": ({"type": "string", "maxLength": 200}, N_("who made it")),
    "provider_kind": ({"type": "string", "enum": ["company", "academia", "citizen", "npo", "government", "other"]},
                      N_("kind of provider")),
    "datasets": ({"type": "array", "items": {"type": "string"}},
                 N_("the portal's datasets it uses (names or ids; at least one)")),
    "image_upload": ({"type": "string", "format": "binary"}, N_("a PNG, JPEG or WebP picture (at most 5 MB)")),
    "email": ({"type": "string", "format": "email"},
              N_("without an account: the address the confirmation link is sent to")),
    "decision": ({"type": "string", "enum": ["approve", "reject"]}, N_("publish it, or not")),
    "reason": ({"type": "string"}, N_("why not (required to reject; the sender reads it)")),
    "purpose": ({"type": "string", "enum": ["business", "research", "press", "community", "personal", "other"]},
                N_("what the data is for")),
    "purpose_text": ({"type": "string", "maxLength": 5000}, N_("the purpose in the requester's words")),
    "format_wanted": ({"type": "string", "maxLength": 200}, N_("the format wanted, e.g. CSV")),
    "inventory_item": ({"type": "string"}, N_("an item of the department's register (id or management number)")),
    "show_name": ({"type": "boolean"}, N_("show the requester's name on the request")),
    "state": ({"type": "string", "enum": ["active", "hidden"]}, N_("listed or not (moderators)")),
    "status": ({"type": "string", "enum": ["received", "considering", "planned", "published", "declined"]},
               N_("the request's status")),
    "planned_month": ({"type": "string"}, N_("with planned: the month (2027-04, 令和9年4月 …)")),
    "dataset": ({"type": "string"}, N_("with published: the dataset (name or id)")),
    "decline_reason": ({"type": "string"}, N_("with declined: a reason code of the register (personal, corporate …)")),
    "answer": ({"type": "string", "maxLength": 5000}, N_("the department's words, shown on the request")),
    "create_inventory_item": ({"type": "boolean"}, N_("register a new item of the register from the request")),
    "support": ({"type": "boolean"}, N_("true to support, false to take it back")),
    "follow": ({"type": "boolean"}, N_("true to follow, false to stop")),
    "into": ({"type": "integer", "minimum": 1}, N_("the number of the request it duplicates")),
}


@cache
def _load(name: str) -> dict[str, Any]:
    return yaml.safe_load((FOLDER / name).read_text(encoding="utf-8"))


def actions() -> dict[str, Any]:
    return _load("actions.yaml")


def _text(value: Any, lang: str | None) -> str:
    """A language dict of schemas/openapi/ in ``lang``, or "ja / en" for
    API clients that asked for no language."""
    if not isinstance(value, dict):
        return str(value or "")
    if lang in LANGUAGES:
        return language_text.text(value, lang=lang)
    return " / ".join(value[each] for each in BOTH)


def _say(message: str, lang: str | None) -> str:
    """A message of this module translated into ``lang`` (gettext, whatever the
    request's own language), or in each of LANGUAGES ("ja / en") when None, as _text."""
    if lang is None:
        return " / ".join(_say(message, each) for each in BOTH)
    with force_locale(lang):
        return str(tk._(message))


def _parameter(name: str, spec: dict[str, Any], example: Any, lang: str | None) -> dict[str, Any]:
    schema = {k: v for k, v in spec.items() if k not in ("required", "description")}
    parameter = {"name": name, "in": "query", "required": bool(spec.get("required")),
                 "description": _text(spec.get("description"), lang), "schema": schema}
    if example is not None:
        # As written in the URL: JSON parameters (x-json) are JSON text.
        parameter["example"] = api_examples.as_query(example) if spec.get("x-json") else example
    return parameter


def _error(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _shorten(value: Any) -> Any:
    if isinstance(value, list):
        return [_shorten(v) for v in value[:EXAMPLE_ITEMS]]
    if isinstance(value, dict):
        return {k: _shorten(v) for k, v in value.items()}
    if isinstance(value, str) and len(value) > EXAMPLE_TEXT:
        return value[:EXAMPLE_TEXT] + "…"
    return value


def _answers_for(examples: api_examples.Examples) -> dict[str, Any]:
    """Each action's answer to its example, as a visitor gets it (cached)."""
    key = (tk.config["ckan.site_url"], examples.modified, examples.reuse, examples.data_request)
    now = time.monotonic()
    cached = _answers.get(key)
    if cached and now - cached[0] < ANSWERS_TTL:
        return cached[1]
    answers = {}
    for name, action in actions()["actions"].items():
        params = api_examples.fill(action.get("example") or {}, examples)
        if params is None:
            continue
        try:
            result = api_examples.anonymous_call(name, params)
        except (tk.ObjectNotFound, tk.NotAuthorized, tk.ValidationError) as error:
            # The example would not run here: it is left out, and the test says so.
            log.warning("OpenAPI example of %s does not run: %s", name, error)
            continue
        help_url = tk.url_for("api.action", ver=3, logic_function="help_show", name=name, _external=True)
        # Through JSON as the API sends it (dates as text).
        answers[name] = {"help": help_url, "success": True,
                         "result": _shorten(json.loads(json.dumps(result, default=str)))}
    _answers.clear()
    _answers[key] = (now, answers)
    return answers


def example_url(path: str, parameters: list[dict[str, Any]]) -> str:
    """The URL of an operation's example, as printed on /api/docs."""
    query = {p["name"]: api_examples.as_query(p["example"]) for p in parameters if "example" in p}
    server = tk.config.get("ckan.site_url", "").rstrip("/")
    return f"{server}{path}" + (f"?{urlencode(query)}" if query else "")


def _body(action: dict[str, Any], lang: str | None) -> dict[str, Any]:
    """The request body of a write action: its parameters, and ``fields``: the register's fields."""
    properties: dict[str, Any] = {}
    for name in action["properties"]:
        if name == "fields":
            for field in inventory_schema.fields():
                if field.name != "department":
                    kind = {"type": "array", "items": {"type": "string"}} if field.form_snippet == "list" \
                        else {"type": "string"}
                    if field.choices and field.form_snippet != "list":
                        kind["enum"] = ["", *field.values]
                    properties[field.name] = {**kind, "description": _text(field.label, lang)}
        else:
            kind, description, *named = WRITE_PARAMETERS[name]
            properties[named[0] if named else name] = {**kind, "description": _say(description, lang)}
    return {"required": True, "content": {action["body"]: {"schema": {
        "type": "object", "required": action["required"], "properties": properties}}}}


def write_specs(name: str) -> dict[str, dict[str, Any]]:
    """The declared types of a write action's parameters (api_contract.py checks them)."""
    action = actions()["write_actions"].get(name) or {}
    specs: dict[str, dict[str, Any]] = {}
    for declared in action.get("properties") or []:
        if declared in WRITE_PARAMETERS:
            kind, _, *named = WRITE_PARAMETERS[declared]
            specs[named[0] if named else declared] = kind
    return specs


def _write_paths(write_actions: dict[str, Any], said: dict[str, str], lang: str | None) -> dict[str, Any]:
    return {f"/api/3/action/{name}": {"post": {
        "operationId": name, "tags": [action["tag"]], "summary": _text(action["summary"], lang),
        "parameters": [], "requestBody": _body(action, lang), "security": [{"apiToken": []}],
        "responses": {"200": {"description": said["200"], "content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/Envelope"}}}},
            **{code: _error(said[code]) for code in ("403", "404", "409")}},
    }} for name, action in write_actions.items()}


def document(lang: str | None = None) -> dict[str, Any]:
    """The OpenAPI document, with this site's URL as server; texts in ``lang``
    (a language of the UI), or Japanese / English when None."""
    spec = actions()
    examples = api_examples.find()
    answers = _answers_for(examples)
    # Said once for the document (each _say switches the locale), not once per action.
    said = {code: _say(text, lang) for code, text in RESPONSES.items()}
    paths = {}
    for name, action in spec["actions"].items():
        filled = api_examples.fill(action.get("example") or {}, examples) if name in answers else None
        filled = filled or {}
        result = {"allOf": [{"$ref": "#/components/schemas/Envelope"},
                            {"type": "object", "properties": {"result": action["result"]}}]}
        success: dict[str, Any] = {"schema": result}
        if name in answers:
            success["example"] = answers[name]
        paths[f"/api/3/action/{name}"] = {"get": {
            "operationId": name, "tags": [action["tag"]], "summary": _text(action["summary"], lang),
            "parameters": [_parameter(p, s, filled.get(p), lang)
                           for p, s in (action.get("parameters") or {}).items()],
            "responses": {
                "200": {"description": said["200"], "content": {"application/json": success}},
                **{code: _error(said[code]) for code in ("403", "404", "409")},
            },
        }}
    paths.update(_write_paths(spec.get("write_actions") or {}, said, lang))
    return {
        "openapi": "3.1.0",
        "info": {"title": _say(TITLE, lang), "version": spec["info"]["version"],
                 "description": _text(spec["info"]["description"], lang),
                 "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"}},
        "servers": [{"url": tk.config.get("ckan.site_url") or "/"}],
        "tags": [{"name": tag, "description": _text(text, lang)} for tag, text in spec["tags"].items()],
        "paths": paths,
        "components": {
            "schemas": _load("components.yaml"),
            "securitySchemes": {"apiToken": {
                "type": "apiKey", "in": "header", "name": "Authorization",
                "description": _say(TOKEN, lang)}},
        },
        "security": [{}, {"apiToken": []}],
    }
