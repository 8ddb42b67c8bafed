"""Items of the register in the database: saved with every change kept, read as the reader
may see them, searched.

Search is PostgreSQL's, not Solr's: the register is small (thousands of items, not
millions of words), what a reader may see of an item is decided per field and per
department in the same query, and an import is visible to the next search in the same
transaction — no second index to keep in step. ``search_text`` holds the searchable fields
folded (NFKC, lower case, katakana as hiragana) with the hiragana reading of its kanji, and
every word of a query must be in it
(docs/inventory.md, "Search").
"""
from __future__ import annotations

import datetime
import uuid
from typing import Any

import sqlalchemy as sa

from ckan import model

from ..folded_text import searchable
from ..model import InventoryChange, InventoryItem
from ..reader import Reader
from . import schema
from .values import Unreadable, choice

__all__ = ["search_text", "view_values", "save", "delete", "record", "history", "Reader", "visible",
           "editable_org_ids", "find", "dictize", "SEARCHED", "stored_values", "changes_for",
           "as_declared"]

# The fields a search reads (their labels too for the coded ones).
SEARCHED = ("local_id", "title", "section", "description", "source_system", "volume", "withheld_columns",
            "frequency_note")


def search_text(data: dict[str, Any], department_title: str = "") -> str:
    parts = [department_title]
    for name in SEARCHED:
        value = data.get(name)
        parts += value if isinstance(value, list) else [str(value or "")]
    for name in ("status", "closed_reason", "holding_form", "standard_dataset"):
        parts.append(schema.choice_label(name, data.get(name), "ja"))
    return searchable(" ".join(p for p in parts if p))


def view_values(item: InventoryItem) -> dict[str, Any]:
    """The item's fields as a reader or a file sees them: the status it is in (a linked public
    dataset makes it 公開済（オープンデータ）)."""
    return {**(item.data or {}), "local_id": item.local_id, "title": item.title, "status": item.status,
            "listed": "yes" if item.listed else "no"}


def _now() -> datetime.datetime:
    return datetime.datetime.utcnow()


def record(item_id: str, kind: str, changes: dict[str, Any], user_id: str | None,
           note: dict[str, Any] | None = None) -> None:
    model.Session.add(InventoryChange(item_id=item_id, ts=_now(), user_id=user_id, kind=kind,
                                      changes=changes, note=note))


def _department_title(org_id: str) -> str:
    org = model.Group.get(org_id)
    return org.title if org is not None else ""


def as_declared(item: InventoryItem | None, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with the status the department declared when it gives the one the item is in
    only by its dataset (an export read back, a patch of other fields): the declared status's
    fields (a planned month, a reason) are then checked and kept, not emptied."""
    if item is None or item.status == item.declared_status:
        return data
    try:
        given = choice("status", data.get("status"))   # a code, or a label as a file writes it
    except Unreadable:
        return data
    return {**data, "status": item.declared_status} if given == item.status else data


def stored_values(data: dict[str, Any]) -> dict[str, Any]:
    """Every field of the schema (the department apart) from validated ``data``, empty ones too."""
    return {name: data.get(name, [] if schema.field(name).form_snippet == "list" else "")
            for name in schema.names() if name != "department"}


def changes_for(item: InventoryItem | None, data: dict[str, Any]) -> dict[str, list[Any]]:
    """field → [before, after] of what saving ``data`` would change."""
    before = view_values(item) if item is not None else {}
    changes = {name: [before.get(name), value] for name, value in stored_values(data).items()
               if _differs(before.get(name), value)}
    # The status it is in, or the one its department declared (shown in the form): no change.
    if item is not None and data.get("status") in (item.status, item.declared_status):
        changes.pop("status", None)
    return changes


def save(item: InventoryItem | None, org_id: str, data: dict[str, Any], user_id: str | None,
         note: dict[str, Any] | None = None, department_title: str | None = None,
         ) -> tuple[InventoryItem, dict[str, list[Any]]]:
    """Create (``item`` None) or update an item with validated ``data``; returns the item and what
    changed (field → [before, after]); nothing is written when nothing changed. The caller commits.

    A status given equal to the one the item is in leaves the declared one alone (an export
    read back does not turn an item that is 公開済 by its dataset into one declared so)."""
    values = stored_values(data)
    changes = changes_for(item, data)
    if item is not None and not changes:
        return item, {}
    now = _now()
    if item is None:
        item = InventoryItem(id=str(uuid.uuid4()), organization_id=org_id, created=now,
                             declared_status=values["status"], status=values["status"], status_since=now)
        model.Session.add(item)
        kind = "created"
    else:
        kind = "updated"
        if "status" in changes:
            item.declared_status = values["status"]
            item.status, item.status_since = values["status"], now
    item.local_id, item.title = values.pop("local_id"), values.pop("title")
    item.listed = values.pop("listed") != "no"
    values.pop("status")
    item.data = values
    item.modified, item.modified_by = now, user_id
    item.search_text = search_text({**values, "local_id": item.local_id, "title": item.title,
                                    "status": item.status},
                                   department_title if department_title is not None else _department_title(org_id))
    record(item.id, kind, changes, user_id, note)
    return item, changes


def _differs(before: Any, after: Any) -> bool:
    empty = (None, "", [])
    if before in empty and after in empty:
        return False
    return before != after


def delete(item: InventoryItem, user_id: str | None) -> None:
    item.state, item.modified, item.modified_by = "deleted", _now(), user_id
    record(item.id, "deleted", {}, user_id)


def history(item_id: str) -> list[dict[str, Any]]:
    rows = (model.Session.query(InventoryChange, model.User.name, model.User.fullname)
            .outerjoin(model.User, model.User.id == InventoryChange.user_id)
            .filter(InventoryChange.item_id == item_id).order_by(InventoryChange.id.desc()).all())
    return [{"ts": c.ts.isoformat(), "kind": c.kind, "user": name, "user_display": fullname or name,
             "changes": c.changes, "note": c.note} for c, name, fullname in rows]


def visible(reader: Reader) -> sa.ColumnElement[bool]:
    """Items the reader may see: active, and listed or of their own departments."""
    active = InventoryItem.state == "active"
    if reader.sysadmin:
        return active
    return sa.and_(active, sa.or_(InventoryItem.listed.is_(True), InventoryItem.organization_id.in_(
        reader.member_of or {""})))


def editable_org_ids(reader: Reader) -> set[str] | None:
    """None: every department (sysadmins)."""
    return None if reader.sysadmin else set(reader.editor_of)


def find(id_or_key: str, department: str | None = None) -> InventoryItem | None:
    """An active item by id, or by 管理番号 within ``department`` (its id or name)."""
    query = model.Session.query(InventoryItem).filter(InventoryItem.state == "active")
    found = query.filter(InventoryItem.id == id_or_key).first()
    if found is None and department:
        org = model.Group.get(department)
        if org is not None:
            found = query.filter(InventoryItem.organization_id == org.id,
                                 InventoryItem.local_id == id_or_key).first()
    return found


def dictize(item: InventoryItem, reader: Reader, org: dict[str, Any], datasets: list[dict[str, Any]],
            lang: str | None = None) -> dict[str, Any]:
    """The item as the reader may see it: the public fields, with the department's own ones
    (内部メモ, 公表 and why not, the declared status, who changed it) for insiders; the linked
    datasets the reader may see; the coded values' labels in the reader's language."""
    inside = reader.inside(item.organization_id)
    values = view_values(item)
    out: dict[str, Any] = {"id": item.id}
    for f in schema.fields():
        if f.name == "department":
            out["department"] = org
        elif f.visibility == "public" or inside:
            out[f.name] = values.get(f.name, [] if f.form_snippet == "list" else "")
    out["labels"] = {f.name: schema.choice_label(f.name, out.get(f.name), lang)
                     for f in schema.fields() if f.choices and out.get(f.name)}
    out["datasets"] = [d for d in datasets if inside or not d["private"]]
    out["modified"] = item.modified.isoformat()
    if inside:
        out.update(declared_status=item.declared_status, status_since=item.status_since.isoformat(),
                   created=item.created.isoformat(), modified_by=_user_name(item.modified_by),
                   may_edit=reader.may_edit(item.organization_id))
    return out


def _user_name(user_id: str | None) -> str | None:
    if not user_id:
        return None
    user = model.User.get(user_id)
    return user.name if user is not None else None
