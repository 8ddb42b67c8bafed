"""Actions of the data inventory (データ棚卸台帳): items, the register file, the figures.

What a reader gets of an item: anyone, the public fields of items listed 公表; the
department's members and sysadmins, everything (store.dictize). Who may change: the
department's editors and admins, and sysadmins (logic/inventory_auth.py).
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import Context, DataDict

from ... import messages
from ...departments import department_ids
from ...inventory import figures, importer, links, listing, schema, store
from ...model import InventoryItem
from ...reader import reader_of
from ..inventory_schema import LIST_LIMIT, import_schema, item_id_schema, item_list_schema, summary_schema

__all__ = ["nakano_inventory_item_show", "nakano_inventory_item_list", "nakano_inventory_item_create",
           "nakano_inventory_item_update", "nakano_inventory_item_patch", "nakano_inventory_item_delete",
           "nakano_inventory_import", "nakano_inventory_summary"]

UPLOAD_LIMIT = 20 * 1024 * 1024


def _org(value: Any) -> model.Group:
    org = model.Group.get(str(value)) if value else None
    if org is None or not org.is_organization or org.state != "active":
        raise tk.ValidationError({"department": [messages.say("inventory-unknown-department", {"value": value})]})
    return org


def _org_dict(org_id: str, cache: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    if cache is not None and org_id in cache:
        return cache[org_id]
    org = model.Group.get(org_id)
    found = {"id": org_id, "name": org.name if org else "", "title": org.title if org else "",
             "title_en": (org.extras or {}).get("title_en", "") if org else ""}
    if cache is not None:
        cache[org_id] = found
    return found


def _said(errors: dict[Any, list[str]]) -> dict[str, list[str]]:
    """Validation errors in the reader's language (ours are stored coded messages)."""
    return {str(k[0] if isinstance(k, tuple) else k): [messages.readable(m) for m in found]
            for k, found in errors.items()}


def _shown(item: InventoryItem, reader: store.Reader, history: bool = False) -> dict[str, Any]:
    shown = store.dictize(item, reader, _org_dict(item.organization_id), links.datasets_of([item.id]).get(item.id, []))
    if history and reader.inside(item.organization_id):
        shown["history"] = [{**h, "note": messages.value_text(h["note"]) if h["note"] else ""}
                            for h in store.history(item.id)]
    return shown


def _visible_item(data_dict: DataDict, reader: store.Reader) -> InventoryItem:
    item = store.find(data_dict["id"], data_dict.get("department"))
    if item is None or not (item.listed or reader.inside(item.organization_id)):
        raise tk.ObjectNotFound(tk._("Inventory item not found"))
    return item


@tk.side_effect_free
@tk.validate(item_id_schema)
def nakano_inventory_item_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """One item of the register.

    :param id: the item's id, or its 管理番号 with ``department``
    :param department: the department's name (with a 管理番号 as ``id``)
    :param include_history: the item's changes (the department's members and sysadmins)
    :returns: the item's fields as the reader may see them, ``labels`` (the coded values in
        the reader's language), ``datasets`` (the datasets linked to it) and, for its
        department, ``internal_memo``, ``listed_reason``, ``declared_status`` and ``history``
    """
    tk.check_access("nakano_inventory_item_show", context, data_dict)
    reader = reader_of(context)
    return _shown(_visible_item(data_dict, reader), reader, data_dict["include_history"])


@tk.side_effect_free
@tk.validate(item_list_schema)
def nakano_inventory_item_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Items of the register the reader may see, searched and filtered.

    :param q: words, each of which must be in the item (its names, description, section …)
    :param department: department names (a list, or names separated by commas)
    :param status: 公開状況 codes (open_data, published_other, planned, considering, closed)
    :param closed_reason: 非公開理由 codes; :param category: 分類; :param standard_dataset: types
    :param sort: department (default), local_id, title, modified or planned
    :param limit: items per page (default 50, at most 1,000); :param offset: items skipped
    :param facets: counts per department, status, reason, category and standard type (default true)
    :returns: ``count``, ``results`` and ``facets`` (name → [{value, label, count}])
    """
    tk.check_access("nakano_inventory_item_list", context, data_dict)
    reader = reader_of(context)
    filters = {name: data_dict.get(name) or [] for name in listing.FACETS}
    if filters["department"]:
        filters["department"] = department_ids(filters["department"])
    found = listing.search(reader, data_dict.get("q") or "", filters, min(int(data_dict["limit"]), LIST_LIMIT),
                           int(data_dict["offset"]), data_dict["sort"], data_dict["facets"])
    orgs: dict[str, dict[str, Any]] = {}
    datasets = links.datasets_of(i.id for i in found.items)
    results = [store.dictize(i, reader, _org_dict(i.organization_id, orgs), datasets.get(i.id, []))
               for i in found.items]
    facets = {name: [{"value": value, "count": n, "label": _facet_label(name, value, orgs)} for value, n in rows]
              for name, rows in found.facets.items()}
    return {"count": found.count, "results": results, "facets": facets}


def _facet_label(name: str, value: str, orgs: dict[str, dict[str, Any]]) -> str:
    if name == "department":
        org = _org_dict(value, orgs)
        # The department's English name on English pages; elsewhere its name as the data gives it.
        return org["title_en"] if messages.reader_locale() == "en" and org["title_en"] else org["title"]
    return schema.choice_label(name, value)


def _validated(data: dict[str, Any], context: Context, previous: InventoryItem | None) -> dict[str, Any]:
    declared = store.as_declared(previous, data)
    own = {k: v for k, v in declared.items() if k in schema.names() and k != "department"}
    checks = {"model": model, "session": model.Session,
              schema.PREVIOUS: store.view_values(previous) if previous is not None else None}
    validated, errors = tk.navl_validate(own, schema.navl_schema(), checks)
    if errors:
        raise tk.ValidationError(_said(errors))
    return validated


def _check_key(org_id: str, local_id: str, own_id: str | None) -> None:
    taken = model.Session.query(InventoryItem.id).filter(
        InventoryItem.organization_id == org_id, InventoryItem.local_id == local_id, InventoryItem.state == "active",
        InventoryItem.id != (own_id or "")).first()
    if taken:
        raise tk.ValidationError({"local_id": [messages.say("inventory-local-id-taken", {"value": local_id})]})


def nakano_inventory_item_create(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Register an item.

    :param department: the department's name or id (its editors and admins may)
    :param local_id, title, status …: the fields of schemas/inventory.yaml
    :returns: the item, as nakano_inventory_item_show
    """
    org = _org(data_dict.get("department"))
    tk.check_access("nakano_inventory_item_create", context, {**data_dict, "department": org.id})
    reader = reader_of(context)
    validated = _validated(data_dict, context, None)
    _check_key(org.id, validated["local_id"], None)
    item, _ = store.save(None, org.id, validated, reader.user_id)
    model.Session.commit()
    links.sync([item.id])
    return _shown(item, reader)


def _update(context: Context, data_dict: DataDict, merge: bool) -> dict[str, Any]:
    reader = reader_of(context)
    item = _visible_item({"id": tk.get_or_bust(data_dict, "id"), "department": data_dict.get("department")},
                         reader)
    tk.check_access("nakano_inventory_item_update", context, {"id": item.id})
    given = {**store.view_values(item), **data_dict} if merge else dict(data_dict)
    validated = _validated(given, context, item)
    _check_key(item.organization_id, validated["local_id"], item.id)
    store.save(item, item.organization_id, validated, reader.user_id)
    model.Session.commit()
    links.sync([item.id])
    return _shown(item, reader)


def nakano_inventory_item_update(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Replace an item's fields (a field not given becomes empty, as package_update).

    :param id: the item's id (or its 管理番号 with ``department``)
    """
    return _update(context, data_dict, merge=False)


def nakano_inventory_item_patch(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Change only the given fields of an item.

    :param id: the item's id (or its 管理番号 with ``department``)
    """
    return _update(context, data_dict, merge=True)


def nakano_inventory_item_delete(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Remove an item from the register (its history is kept; its datasets are unlinked from it
    on their next save).

    :param id: the item's id (or its 管理番号 with ``department``)
    """
    reader = reader_of(context)
    item = _visible_item({"id": tk.get_or_bust(data_dict, "id"), "department": data_dict.get("department")},
                         reader)
    tk.check_access("nakano_inventory_item_delete", context, {"id": item.id})
    store.delete(item, reader.user_id)
    model.Session.commit()
    return {"id": item.id, "state": "deleted"}


def _content(upload: Any) -> tuple[bytes, str]:
    """The bytes and name of an uploaded file (a werkzeug FileStorage, or bytes from the CLI)."""
    if isinstance(upload, (bytes, bytearray)):
        return bytes(upload), ""
    stream = getattr(upload, "stream", None) or upload
    if not hasattr(stream, "read"):
        raise tk.ValidationError({"upload": [tk._("Send the register file as a multipart upload in the field "
                                                   "'upload'")]})
    content = stream.read(UPLOAD_LIMIT + 1)
    if len(content) > UPLOAD_LIMIT:
        raise tk.ValidationError({"upload": [tk._("The file is larger than 20 MB")]})
    return content, str(getattr(upload, "filename", "") or "")


@tk.validate(import_schema)
def nakano_inventory_import(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Import a register file (CSV in UTF-8, UTF-8 with BOM or CP932, or XLSX) by 管理番号:
    new rows are created, changed rows updated, unchanged rows left alone. A file with any bad
    row writes nothing.

    :param upload: the file (multipart, as CKAN's resource uploads)
    :param department: the department whose register it is (else each row's 所管部 column)
    :param dry_run: report what would change without writing (default false)
    :returns: ``written``, ``dry_run``, ``rows``, ``created`` (管理番号), ``updated``
        (管理番号, row and fields), ``unchanged`` (a count) and ``errors`` (each with ``row``,
        ``column``, ``value`` and ``message`` in the reader's language, ``message_ja`` and
        ``message_en``)
    """
    department = data_dict.get("department")
    if department:
        org = _org(department)
        tk.check_access("nakano_inventory_import", context, {"department": org.id})
    else:
        tk.check_access("nakano_inventory_import", context, {})
    content, name = _content(data_dict["upload"])
    result = importer.run(content, reader_of(context), department, data_dict["dry_run"], name)
    return result.as_dict()


@tk.side_effect_free
@tk.validate(summary_schema)
def nakano_inventory_summary(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The register's figures per department and for the whole ward.

    :param department: one department's name (optional)
    :returns: ``ward`` and ``departments`` (each: ``total``, a count per status, ``open_rate`` =
        open data / items that could be public, in %, ``overdue``, ``considering_over_a_year``),
        and ``standard_types_missing`` (standard dataset types no public dataset follows yet).
        Outsiders' counts include the items listed 公表 only.
    """
    tk.check_access("nakano_inventory_summary", context, data_dict)
    reader = reader_of(context)
    rows = figures.department_rows(reader)
    if data_dict.get("department"):
        org = _org(data_dict["department"])
        rows = {org.id: rows.get(org.id) or {**{k: 0 for k in figures.ward_totals({})}, "open_rate": None,
                                             "organization_id": org.id}}
    orgs: dict[str, dict[str, Any]] = {}
    departments = [{**row, "department": _org_dict(org_id, orgs)} for org_id, row in rows.items()]
    departments.sort(key=lambda r: r["department"]["name"])
    for row in departments:
        row.pop("organization_id", None)
    return {"ward": figures.ward_totals(rows), "departments": departments,
            "standard_types_missing": [{"value": d["value"], "label": schema.choice_label("standard_dataset",
                                                                                         d["value"])}
                                       for d in figures.standard_types_missing()]}
