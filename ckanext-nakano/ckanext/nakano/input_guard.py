"""What a request may carry before any view or action sees it.

- No control characters (NUL and the other C0 codes but tab, line feed and
  carriage return) in query strings, form fields or JSON bodies: no field of
  the portal can hold them, PostgreSQL refuses NUL, and they broke searches,
  tag autocomplete and the usage statistics' queue (a search event with a NUL
  stopped it for an hour). Refused once here, for every route and action.
- Parameters core views take without checking, refused with a message
  instead of a 500: the DataStore dump's ``format`` (CKAN's check of it fails
  on its own message).

Answers are 400: JSON in CKAN's error shape for the Action API, a page for
the rest, in Japanese and English.
"""
from __future__ import annotations

import re
from typing import Any, Iterator

from flask import Response, jsonify, request

import ckan.plugins.toolkit as tk
from ckanext.datastore.blueprint import DUMP_FORMATS

__all__ = ["check", "CONTROL"]

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_MESSAGE = ("入力に使えない制御文字（NUL など）が含まれています。取り除いてからもう一度お試しください。 / "
                    "The request contains control characters (such as NUL) that no field can hold. Remove them "
                    "and try again.")


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


def _refuse(message: str, field: str | None = None) -> tuple[Response | str, int]:
    if request.blueprint == "api":
        error: dict[str, Any] = {"__type": "Validation Error", "message": message}
        if field:
            error[field] = [message]
        return jsonify({"success": False, "error": error}), 400
    return tk.render("error_document_template.html", {"code": 400, "content": message, "name": "Bad Request"}), 400


def check() -> tuple[Response | str, int] | None:
    """Flask ``before_request``: a refusal, or None to go on."""
    try:
        for text in _request_strings():
            if CONTROL.search(text):
                return _refuse(_CONTROL_MESSAGE)
    except (UnicodeDecodeError, ValueError):   # a body in no text encoding: left to the view
        pass
    if request.endpoint == "datastore.dump":
        fmt = request.args.get("format")
        if fmt is not None and fmt not in DUMP_FORMATS:
            return _refuse(f"形式「{fmt[:20]}」ではダウンロードできません（{', '.join(DUMP_FORMATS)} のいずれか）。 / "
                           f"Unsupported format \"{fmt[:20]}\" (one of {', '.join(DUMP_FORMATS)}).", "format")
    return None

