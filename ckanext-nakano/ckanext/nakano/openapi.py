"""The OpenAPI 3.1 document of the read actions the portal exposes, built from
schemas/openapi/ (actions.yaml: actions and parameters; components.yaml: the
JSON Schemas of their results)."""
from __future__ import annotations

from functools import cache
from typing import Any

import yaml

import ckan.plugins.toolkit as tk

from . import vocab

FOLDER = vocab.VOCAB.parent / "openapi"


@cache
def _load(name: str) -> dict[str, Any]:
    return yaml.safe_load((FOLDER / name).read_text(encoding="utf-8"))


def actions() -> dict[str, Any]:
    return _load("actions.yaml")


def _text(value: Any) -> str:
    return f"{value['ja']} / {value['en']}" if isinstance(value, dict) else str(value or "")


def _parameter(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    schema = {k: v for k, v in spec.items() if k not in ("required", "description")}
    return {"name": name, "in": "query", "required": bool(spec.get("required")),
            "description": _text(spec.get("description")), "schema": schema}


def _error(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def document() -> dict[str, Any]:
    """The OpenAPI document, with this site's URL as server."""
    spec = actions()
    paths = {}
    for name, action in spec["actions"].items():
        result = {"allOf": [{"$ref": "#/components/schemas/Envelope"},
                            {"type": "object", "properties": {"result": action["result"]}}]}
        paths[f"/api/3/action/{name}"] = {"get": {
            "operationId": name, "tags": [action["tag"]], "summary": _text(action["summary"]),
            "parameters": [_parameter(p, s) for p, s in (action.get("parameters") or {}).items()],
            "responses": {
                "200": {"description": "成功 / success",
                        "content": {"application/json": {"schema": result}}},
                "403": _error("権限がありません / not authorized"),
                "404": _error("見つかりません / not found"),
                "409": _error("パラメータの誤り / invalid parameters"),
            },
        }}
    return {
        "openapi": "3.1.0",
        "info": {"title": spec["info"]["title"], "version": spec["info"]["version"],
                 "description": spec["info"]["description"],
                 "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"}},
        "servers": [{"url": tk.config.get("ckan.site_url") or "/"}],
        "tags": [{"name": t} for t in sorted({a["tag"] for a in spec["actions"].values()})],
        "paths": paths,
        "components": {
            "schemas": _load("components.yaml"),
            "securitySchemes": {"apiToken": {"type": "apiKey", "in": "header", "name": "Authorization",
                                             "description": "API トークン / API token (user page → API tokens)"}},
        },
        "security": [{}, {"apiToken": []}],
    }
