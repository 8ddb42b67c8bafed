"""Parameter schemas of the reuse (活用事例) and data request (データ要望) actions."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from .submission_validators import (choice, email_of_visitor, nakano_submission_datasets, nakano_submission_email,
                                    nakano_submission_month, nakano_submission_text, nakano_submission_title,
                                    nakano_submission_url, required_saying)

__all__ = ["reuse_create_schema", "reuse_update_schema", "reuse_id_schema", "reuse_list_schema",
           "reuse_moderate_schema", "request_create_schema", "request_update_schema", "request_id_schema",
           "request_list_schema", "request_respond_schema", "request_toggle_schema", "request_merge_schema",
           "LIST_LIMIT"]

LIST_LIMIT = 100


def _v(*names: str) -> list[Any]:
    return [tk.get_validator(n) for n in names]


def _default(value: Any) -> Any:
    return tk.get_validator("default")(value)


def _list_params() -> dict[str, Any]:
    return {"q": [tk.get_validator("ignore_missing"), nakano_submission_title],
            "limit": [_default(20), tk.get_validator("natural_number_validator")],
            "offset": [_default(0), tk.get_validator("natural_number_validator")],
            "facets": [_default(True), tk.get_validator("boolean_validator")],
            "state": _v("ignore_missing", "unicode_safe"),
            "mine": [_default(False), tk.get_validator("boolean_validator")],
            "__extras": _v("ignore")}


# --- reuses -----------------------------------------------------------------------------------

def reuse_create_schema() -> dict[str, Any]:
    required, optional = tk.get_validator("not_empty"), tk.get_validator("ignore_missing")
    return {"title": [required, nakano_submission_title],
            "kind": [required, choice("reuse", "kind")],
            "url": [required, nakano_submission_url],
            "description": [optional, nakano_submission_text],
            "provider": [required, nakano_submission_title],
            "provider_kind": [required, choice("reuse", "provider_kind")],
            "datasets": [required_saying("submission-no-dataset"), nakano_submission_datasets],
            "email": [email_of_visitor, optional, nakano_submission_email],
            "image_upload": [optional],
            "__extras": _v("ignore")}


def reuse_update_schema() -> dict[str, Any]:
    """As create, every field optional: a field not given keeps its value; a required one
    given empty is refused (not emptied)."""
    optional, required = tk.get_validator("ignore_missing"), tk.get_validator("not_empty")
    schema = {name: [optional, *validators] if validators and validators[0] is required
              else validators for name, validators in reuse_create_schema().items()}
    schema["id"] = _v("not_empty", "unicode_safe")
    # Not given: kept; given empty: refused by the action (a reuse uses at least one dataset).
    schema["datasets"] = [tk.get_validator("ignore_missing"), nakano_submission_datasets]
    schema.pop("email")
    return schema


def reuse_id_schema() -> dict[str, Any]:
    return {"id": _v("not_empty", "unicode_safe"), "key": _v("ignore_missing", "unicode_safe"),
            "__extras": _v("ignore")}


def reuse_list_schema() -> dict[str, Any]:
    values = _v("ignore_missing", "nakano_inventory_values")
    return {**_list_params(), "kind": values, "provider_kind": values, "category": values, "department": values,
            "dataset": _v("ignore_missing", "unicode_safe"),
            "sort": [_default("newest"), tk.get_validator("unicode_safe")]}


def reuse_moderate_schema() -> dict[str, Any]:
    return {"id": _v("not_empty", "unicode_safe"),
            "decision": [tk.get_validator("not_empty"), tk.get_validator("one_of")(["approve", "reject"])],
            "reason": [tk.get_validator("ignore_missing"), nakano_submission_text],
            "__extras": _v("ignore")}


# --- data requests ----------------------------------------------------------------------------

def request_create_schema() -> dict[str, Any]:
    required, optional = tk.get_validator("not_empty"), tk.get_validator("ignore_missing")
    return {"title": [required, nakano_submission_title],
            "description": [optional, nakano_submission_text],
            "purpose": [required, choice("data_request", "purpose")],
            "purpose_text": [optional, nakano_submission_text],
            "format_wanted": [optional, nakano_submission_title],
            "department": [optional, nakano_submission_title],
            "inventory_item": [optional, nakano_submission_title],
            "show_name": [_default(False), tk.get_validator("boolean_validator")],
            "email": [email_of_visitor, optional, nakano_submission_email],
            "__extras": _v("ignore")}


def request_id_schema() -> dict[str, Any]:
    return {"id": [tk.get_validator("not_empty"), tk.get_validator("natural_number_validator")],
            "key": _v("ignore_missing", "unicode_safe"), "__extras": _v("ignore")}


def request_update_schema() -> dict[str, Any]:
    optional = tk.get_validator("ignore_missing")
    return {"id": [tk.get_validator("not_empty"), tk.get_validator("natural_number_validator")],
            "title": [optional, tk.get_validator("not_empty"), nakano_submission_title],
            "description": [optional, nakano_submission_text],
            "purpose": [optional, tk.get_validator("not_empty"), choice("data_request", "purpose")],
            "purpose_text": [optional, nakano_submission_text],
            "format_wanted": [optional, nakano_submission_title],
            "show_name": [optional, tk.get_validator("boolean_validator")],
            "department": [optional, nakano_submission_title],
            "state": [optional, tk.get_validator("not_empty"), tk.get_validator("one_of")(["active", "hidden"])],
            "__extras": _v("ignore")}


def request_list_schema() -> dict[str, Any]:
    values = _v("ignore_missing", "nakano_inventory_values")
    return {**_list_params(), "status": values, "department": values, "purpose": values,
            "followed": [_default(False), tk.get_validator("boolean_validator")],
            "sort": [_default("newest"), tk.get_validator("unicode_safe")]}


def request_respond_schema() -> dict[str, Any]:
    optional = tk.get_validator("ignore_missing")
    return {"id": [tk.get_validator("not_empty"), tk.get_validator("natural_number_validator")],
            "status": [tk.get_validator("not_empty"), choice("data_request", "status")],
            "planned_month": [optional, nakano_submission_month],
            "dataset": [optional, nakano_submission_title],
            "inventory_item": [optional, nakano_submission_title],
            "create_inventory_item": [_default(False), tk.get_validator("boolean_validator")],
            "decline_reason": [optional, nakano_submission_title],
            "answer": [optional, nakano_submission_text],
            "__extras": _v("ignore")}


def request_toggle_schema(flag: str) -> dict[str, Any]:
    return {"id": [tk.get_validator("not_empty"), tk.get_validator("natural_number_validator")],
            flag: [_default(True), tk.get_validator("boolean_validator")],
            "__extras": _v("ignore")}


def request_merge_schema() -> dict[str, Any]:
    number = [tk.get_validator("not_empty"), tk.get_validator("natural_number_validator")]
    return {"id": number, "into": list(number), "__extras": _v("ignore")}
