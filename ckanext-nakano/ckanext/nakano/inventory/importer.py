"""Import of a register file: every row checked first, then all written in one transaction or
nothing at all.

Rows are matched to items by 管理番号 within their department: a new number creates an item,
a changed row updates it (each change recorded), an unchanged row is left alone, and items
the file does not mention stay as they are. A dry run reports the same without writing. An
error names its row and column (as the file writes its header) and says why in Japanese and
English.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from .. import messages
from ..model import InventoryItem
from . import files, links, schema, store
from .values import Unreadable, clean

__all__ = ["ImportResult", "run", "REQUIRED_COLUMNS"]

REQUIRED_COLUMNS = ("local_id", "title", "status")
FLUSH_EVERY = 500


@dataclass
class ImportResult:
    dry_run: bool
    rows: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def written(self) -> bool:
        return not self.dry_run and not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "written": self.written, "rows": self.rows, "created": self.created,
                "updated": self.updated, "unchanged": self.unchanged, "errors": self.errors}


def _error(at_row: int, at_column: str, code: str, cell: Any = "", field_name: str = "",
           **values: Any) -> dict[str, Any]:
    """An error of the file at a row (0: the whole file) and column, with the cell's value."""
    return _said_error(at_row, at_column, messages.stored(code, **values), cell, field_name)


def _said_error(row: int, column: str, stored_message: str, value: Any, field_name: str) -> dict[str, Any]:
    return {"row": row, "column": column, "field": field_name, "value": "" if value is None else str(value),
            "message": messages.readable(stored_message),
            "message_ja": messages.readable(stored_message, "ja"),
            "message_en": messages.readable(stored_message, "en")}


class _Departments:
    """Departments by id, name, title or English title (as a file may write them)."""

    def __init__(self) -> None:
        self.by_key: dict[str, model.Group] = {}
        for org in model.Session.query(model.Group).filter(model.Group.is_organization.is_(True),
                                                            model.Group.state == "active"):
            for key in (org.id, org.name, org.title, (org.extras or {}).get("title_en")):
                if key:
                    self.by_key.setdefault(schema.normalised_header(key), org)

    def get(self, text: str) -> model.Group | None:
        return self.by_key.get(schema.normalised_header(text))


def _local_id(value: Any) -> str:
    """The 管理番号 as stored, to match the row to its item ("" when it is not one: its field says why)."""
    try:
        return clean(tk.get_validator("nakano_inventory_local_id")(value, {})) if clean(value) else ""
    except tk.Invalid:
        return ""


def _department_of(raw: dict[str, Any], fixed: model.Group | None, departments: _Departments,
                   reader: store.Reader) -> tuple[model.Group | None, tuple[str, str, dict[str, Any]] | None]:
    """The row's department, or None and (message code, cell, values) of why not."""
    named = clean(raw.get("department"))
    org = fixed
    if named:
        org = departments.get(named)
        if org is None:
            return None, ("inventory-unknown-department", named, {"value": named})
        if fixed is not None and org.id != fixed.id:
            return None, ("inventory-other-department", named, {"value": named, "department": fixed.title})
    if org is None:
        return None, ("inventory-no-department", "", {})
    if not reader.may_edit(org.id):
        return None, ("inventory-not-allowed-department", org.title, {"value": org.title})
    return org, None


def run(content: bytes, reader: store.Reader, department: str | None = None, dry_run: bool = False,
        file_name: str = "", today: datetime.date | None = None) -> ImportResult:
    """Import ``content`` (a CSV or XLSX register file) into the register."""
    result = ImportResult(dry_run=dry_run)
    try:
        table = files.read(content)
    except Unreadable as problem:
        result.errors.append(_error(0, "", problem.code, **problem.values))
        return result
    result.rows = len(table.rows)
    departments = _Departments()
    fixed = departments.get(department) if department else None
    if department and fixed is None:
        result.errors.append(_error(0, "", "inventory-unknown-department", department, "department",
                                    value=department))
        return result
    missing = [n for n in REQUIRED_COLUMNS if n not in table.columns]
    if fixed is None and "department" not in table.columns:
        missing.append("department")
    for name in missing:
        result.errors.append(_error(table.header_row, schema.field(name).header, "inventory-missing-column",
                                    field_name=name, column={"labels": schema.field(name).label},
                                    row=table.header_row))
    if not table.rows and not missing:
        result.errors.append(_error(table.header_row, "", "inventory-empty-file"))
    if result.errors:
        return result

    def column(name: str) -> str:
        return table.columns.get(name) or schema.field(name).header

    existing: dict[tuple[str, str], InventoryItem] = {}
    loaded: set[str] = set()
    seen: dict[tuple[str, str], int] = {}
    checked: list[tuple[int, model.Group, dict[str, Any]]] = []
    nav = schema.navl_schema()
    for number, raw in table.rows:
        # Every problem of a row is reported at once: its department's, then its fields'.
        org, problem = _department_of(raw, fixed, departments, reader)
        if problem:
            result.errors.append(_error(number, column("department"), problem[0], problem[1], "department",
                                        **problem[2]))
        if org is not None and org.id not in loaded:
            loaded.add(org.id)
            for item in model.Session.query(InventoryItem).filter(InventoryItem.organization_id == org.id,
                                                                   InventoryItem.state == "active"):
                existing[(org.id, item.local_id)] = item
        data = {k: v for k, v in raw.items() if k != "department"}
        local_id = _local_id(data.get("local_id"))
        previous = existing.get((org.id, local_id)) if org is not None else None
        context = {"model": model, "session": model.Session, schema.TODAY: today,
                   schema.PREVIOUS: store.view_values(previous) if previous is not None else None}
        validated, errors = tk.navl_validate(store.as_declared(previous, data), nav, context)
        for name, found in errors.items():
            for said in found:
                result.errors.append(_said_error(number, column(name), said, raw.get(name), name))
        if local_id and org is not None:
            key = (org.id, local_id)
            if key in seen:
                result.errors.append(_error(number, column("local_id"), "inventory-duplicate-local-id", local_id,
                                            "local_id", value=local_id, row=seen[key]))
            else:
                seen[key] = number
        if not errors and not problem and org is not None:
            checked.append((number, org, validated))
    if result.errors:
        return result

    touched: list[str] = []
    saved = 0
    note = messages.parse(messages.stored("inventory-imported", file=file_name or "-"))
    for number, org, data in checked:
        previous = existing.get((org.id, data["local_id"]))
        changes = store.changes_for(previous, data)
        if previous is not None and not changes:
            result.unchanged += 1
            continue
        if previous is None:
            result.created.append(data["local_id"])
        else:
            result.updated.append({"local_id": data["local_id"], "row": number, "fields": sorted(changes)})
        if not dry_run:
            item, _ = store.save(previous, org.id, data, reader.user_id,
                                 note={"code": note[0], "values": note[1]} if note else None,
                                 department_title=org.title)
            touched.append(item.id)
            saved += 1
            if saved % FLUSH_EVERY == 0:
                # Written in batches inside the one transaction: the session keeps only weak
                # references to what it wrote, so memory does not grow with the file.
                model.Session.flush()
    if dry_run:
        model.Session.rollback()
        return result
    model.Session.commit()
    links.sync(touched)
    return result
