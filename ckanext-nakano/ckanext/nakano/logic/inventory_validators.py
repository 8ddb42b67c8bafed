"""Validators of the data inventory's fields (named in schemas/inventory.yaml) and of the
dataset field ``inventory_item``.

Errors are stored coded messages (inventory/messages.yaml: ``messages.stored``), so that an
API error is said in the reader's language and an import report in Japanese and English
(``messages.readable``).
"""
from __future__ import annotations

import unicodedata
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import Context, FlattenDataDict, FlattenErrorDict, FlattenKey

from .. import messages
from ..fetch import FetchRefused, canonical_url
from ..inventory import schema, values
from ..model import InventoryItem

__all__ = ["nakano_inventory_required", "nakano_inventory_local_id", "nakano_inventory_text",
           "nakano_inventory_choice", "nakano_inventory_frequency", "nakano_inventory_month",
           "nakano_inventory_url", "nakano_inventory_listed", "nakano_inventory_list",
           "nakano_inventory_harvest_source", "nakano_inventory_conditions", "nakano_inventory_item",
           "nakano_inventory_values"]

TEXT_LIMIT = 10_000
PREVIOUS, TODAY = schema.PREVIOUS, schema.TODAY


def _empty(value: Any) -> bool:
    return value is tk.missing or value is None or (isinstance(value, str) and not value.strip()) or value == []


def _invalid(code: str, **values_: Any) -> tk.Invalid:
    return tk.Invalid(messages.stored(code, **values_))


def _unreadable(problem: values.Unreadable) -> tk.Invalid:
    return _invalid(problem.code, **problem.values)


def nakano_inventory_required(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict,
                              context: Context) -> None:
    if _empty(data.get(key)):
        errors[key].append(messages.stored("inventory-required"))
        raise tk.StopOnError


def nakano_inventory_text(value: Any, context: Context) -> Any:
    if _empty(value):
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise _invalid("inventory-not-text")
    text = values.clean(value)
    if len(text) > TEXT_LIMIT:
        raise _invalid("inventory-too-long", limit=TEXT_LIMIT)
    return text


def nakano_inventory_local_id(value: Any, context: Context) -> Any:
    text = nakano_inventory_text(value, context)
    # NFKC: ＫＫ－００１ and KK-001 are one number.
    text = values.clean(unicodedata.normalize("NFKC", text))
    if len(text) > 64 or any(ch in text for ch in "\r\n\t"):
        raise _invalid("inventory-bad-local-id")
    return text


def _field_of(key: FlattenKey) -> str:
    return str(key[0])


def nakano_inventory_choice(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict,
                            context: Context) -> None:
    value = data.get(key)
    if _empty(value):
        data[key] = ""
        return
    try:
        data[key] = values.choice(_field_of(key), value)
    except values.Unreadable as problem:
        errors[key].append(_unreadable(problem).error)


def nakano_inventory_listed(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict,
                            context: Context) -> None:
    """公表: yes unless said otherwise (する/しない, 可/否, ○/×, true/false)."""
    value = data.get(key)
    if isinstance(value, bool):
        data[key] = "yes" if value else "no"
        return
    if _empty(value):
        data[key] = "yes"
        return
    nakano_inventory_choice(key, data, errors, context)


def nakano_inventory_frequency(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict,
                               context: Context) -> None:
    """A label or code of the vocabulary; other text is mapped (年1回 → ANNUAL) and kept as written."""
    value = data.get(key)
    if _empty(value):
        data[key] = ""
        return
    uri, written = values.frequency(value)
    data[key] = uri
    note = ("frequency_note",)
    if written and _empty(data.get(note)):
        data[note] = written


def nakano_inventory_month(value: Any, context: Context) -> Any:
    if _empty(value):
        return ""
    try:
        return values.month(value)
    except values.Unreadable as problem:
        raise _unreadable(problem) from problem


def nakano_inventory_url(value: Any, context: Context) -> Any:
    if _empty(value):
        return ""
    text = values.clean(value)
    if not text.lower().startswith(("http://", "https://")) or any(ch.isspace() for ch in text):
        raise _invalid("inventory-bad-url")
    try:
        canonical_url(text)
    except FetchRefused as exc:
        raise tk.Invalid(messages.stored(exc.code, **exc.values)) from exc
    return text


def nakano_inventory_list(value: Any, context: Context) -> Any:
    if _empty(value):
        return []
    try:
        return values.column_list(value)
    except values.Unreadable as problem:
        raise _unreadable(problem) from problem


def nakano_inventory_harvest_source(value: Any, context: Context) -> Any:
    """The id of a harvest source declared in harvesters/ (a harvest source dataset)."""
    if _empty(value):
        return ""
    text = values.clean(value)
    source = model.Session.query(model.Package.id).filter(
        model.Package.name == text, model.Package.type == "harvest", model.Package.state == "active").first()
    if source is None:
        raise _invalid("inventory-unknown-harvest-source", value=text)
    return text


def nakano_inventory_conditions(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict,
                                context: Context) -> None:
    """The rules between fields (``required_when``, ``only_when`` in the schema) and a planned
    month not in the past when it is set or changed."""
    for f in schema.fields():
        own = (f.name,)
        if errors.get(own):
            continue
        for other, wanted in f.only_when.items():
            if data.get((other,)) not in wanted and own in data:
                data[own] = [] if f.form_snippet == "list" else ""
        for other, wanted in f.required_when.items():
            if data.get((other,)) in wanted and _empty(data.get(own)) and not errors.get((other,)):
                errors.setdefault(own, []).append(messages.stored(
                    "inventory-required-when", field={"labels": schema.field(other).label},
                    value=_label(other, data.get((other,)))))
    month = data.get(("planned_month",))
    previous = (context.get(PREVIOUS) or {}).get("planned_month")
    if month and data.get(("status",)) == schema.PLANNED and month != previous and not errors.get(("planned_month",)):
        today = context.get(TODAY) or values.ward_today()
        if month < values.this_month(today):
            errors.setdefault(("planned_month",), []).append(messages.stored("inventory-month-past", value=month))


def _label(name: str, value: Any) -> dict[str, Any]:
    """A choice's label as a message value said in the reader's language."""
    for choice in schema.field(name).choices:
        if choice["value"] == value:
            return {"labels": choice}
    return {"labels": {"ja": str(value)}}


def nakano_inventory_item(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict,
                          context: Context) -> None:
    """The dataset field 棚卸項目: an item of the dataset's department, by its id or its 管理番号
    (harvest sources name items by 管理番号); stored as the item's id."""
    value = data.get(key)
    if _empty(value):
        data[key] = ""
        return
    text = values.clean(value)
    owner = data.get(("owner_org",))
    org = model.Group.get(owner) if owner and not _empty(owner) else None
    query = model.Session.query(InventoryItem).filter(InventoryItem.state == "active")
    item = query.filter(InventoryItem.id == text).first()
    if item is None and org is not None:
        item = query.filter(InventoryItem.organization_id == org.id, InventoryItem.local_id == text).first()
    if item is None or org is None or item.organization_id != org.id:
        errors[key].append(tk._(messages.template("inventory-unknown-item")).format(value=text))
        return
    data[key] = item.id


def nakano_inventory_values(value: Any, context: Context) -> Any:
    """A filter's values: a list of texts, or one text with commas."""
    if _empty(value):
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    if not all(isinstance(v, str) for v in items):
        raise _invalid("inventory-not-text")
    return [v.strip() for v in items if v.strip()]
