"""Pages of the data inventory: the ward's register for everyone (/inventory), an item, a
department's dashboard with its import, export and forms (/inventory/department/<name>).

Every change goes through the actions (logic/action/inventory.py), so the pages and the API
refuse the same things with the same messages.
"""
from __future__ import annotations

import functools
from typing import Any

import flask
from flask import request

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib.pagination import Page

from .. import paged, response_policy
from ..model import InventoryItem
from . import export as register_export
from . import figures, from_dataset, links, listing, schema, store
from .values import ward_today

__all__ = ["inventory"]

inventory = flask.Blueprint("nakano_inventory", __name__)
PAGE_SIZE = 20   # as CKAN's dataset and department lists
DASHBOARD_ITEMS = 100   # the latest changed; the rest through /inventory?department=…


def _context() -> dict[str, Any]:
    return {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}


def _reader() -> store.Reader:
    user = tk.current_user if tk.current_user.is_authenticated else None
    return store.Reader(model.User.get(user.id) if user is not None else None)


def _page_number() -> int:
    try:
        return max(1, min(int(request.args.get("page", 1)), 10_000))
    except ValueError:
        return 1


@inventory.route("/inventory")
def index() -> Any:
    """保有データ一覧: the ward's register, searched and filtered, as the reader may see it."""
    filters = {name: request.args.getlist(name) for name in listing.FACETS if request.args.getlist(name)}
    page = _page_number()
    found = tk.get_action("nakano_inventory_item_list")(_context(), {
        "q": request.args.get("q", "")[:200], **filters, "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE})
    summary = tk.get_action("nakano_inventory_summary")(_context(), {})
    last = paged.past_the_end(page, found["count"], PAGE_SIZE)
    if last:
        return tk.redirect_to(_page_url(page=last))
    pager = Page(collection=found["results"], page=page, items_per_page=PAGE_SIZE, item_count=found["count"],
                 presliced_list=True, url=_page_url)
    return tk.render("nakano/inventory/index.html", {
        "found": found, "filters": filters, "q": request.args.get("q", ""), "summary": summary, "pager": pager,
        "facet_titles": _facet_titles(), "schema": schema})


_page_url = functools.partial(paged.list_page_url, "nakano_inventory.index")


def _facet_titles() -> dict[str, str]:
    return {name: (tk._("Department") if name == "department" else schema.field(name).text())
            for name in listing.FACETS}


@inventory.route("/inventory/item/<id>")
def item(id: str) -> str:
    try:
        shown = tk.get_action("nakano_inventory_item_show")(_context(), {"id": id, "include_history": True})
    except (tk.ObjectNotFound, tk.ValidationError):
        return tk.abort(404, tk._("Inventory item not found"))
    return tk.render("nakano/inventory/item.html", {"item": shown, "fields": schema.fields(),
                                                    "schema": schema})


def _department(name: str) -> model.Group:
    org = model.Group.get(name)
    if org is None or not org.is_organization or org.state != "active":
        return tk.abort(404, tk._("Department not found"))
    return org


def _insider(org: model.Group) -> store.Reader:
    reader = _reader()
    if not reader.inside(org.id):
        if reader.user is None:
            return tk.abort(403, tk._("Log in as a member of this department to see its register"))
        return tk.abort(403, tk._("Only the department's members see its register dashboard"))
    return reader


@inventory.route("/inventory/department/<name>", methods=["GET", "POST"])
def department(name: str) -> str:
    """The department's dashboard: 公開率, what is overdue or long under consideration, the
    standard types the ward lacks, datasets not in the register; import and export."""
    org = _department(name)
    reader = _insider(org)
    result = None
    if request.method == "POST":
        upload = request.files.get("upload")
        if upload is None or not upload.filename:
            result = {"errors": [{"row": 0, "column": "", "value": "",
                                  "message": tk._("Choose the register file (CSV or XLSX) to import")}],
                      "written": False, "dry_run": True}
        else:
            try:
                result = tk.get_action("nakano_inventory_import")(_context(), {
                    "upload": upload, "department": org.name, "dry_run": bool(request.form.get("dry_run"))})
            except tk.NotAuthorized:
                return tk.abort(403, tk._("Only the department's editors and admins may change its register"))
            except tk.ValidationError as error:
                result = {"errors": [{"row": 0, "column": "", "value": "", "message": " ".join(
                    str(m) for found in error.error_dict.values() for m in found)}], "written": False,
                          "dry_run": True}
    return tk.render("nakano/inventory/department.html", _dashboard(org, reader, result))


def _dashboard(org: model.Group, reader: store.Reader, result: dict[str, Any] | None) -> dict[str, Any]:
    summary = tk.get_action("nakano_inventory_summary")(_context(), {"department": org.name})
    # The ward's figure as the public list shows it (items listed 公表), not a mix of this
    # department's every item and the others' listed ones.
    summary["ward"] = tk.get_action("nakano_inventory_summary")({"user": ""}, {})["ward"]
    items = tk.get_action("nakano_inventory_item_list")(_context(), {
        "department": [org.name], "limit": DASHBOARD_ITEMS, "sort": "modified", "facets": False})
    return {"org": org, "figures": summary["departments"][0], "ward": summary["ward"],
            "missing_types": summary["standard_types_missing"], "items": items,
            "overdue": figures.overdue_items(org.id), "stale": figures.stale_items(org.id),
            "unregistered": links.unregistered(org.id), "may_edit": reader.may_edit(org.id), "result": result,
            "schema": schema}


@inventory.route("/inventory/department/<name>/export.<kind>")
def export(name: str, kind: str) -> flask.Response:
    """The department's register as the import reads it (CSV with BOM, or XLSX)."""
    org = _department(name)
    reader = _insider(org)
    if kind not in ("csv", "xlsx"):
        return tk.abort(404)
    body = register_export.register_file(kind, reader, [org.id])
    mimetype = "text/csv" if kind == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = flask.Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = response_policy.attachment(
        f"保有データ一覧_{org.name}_{ward_today().isoformat()}.{kind}")
    return response


def _form_values(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in schema.fields():
        if f.name == "department":
            continue
        if f.form_snippet == "checkbox":
            values[f.name] = "yes" if form.get(f.name) else "no"
        else:
            values[f.name] = form.get(f.name, "")
    return values


def _form(org: model.Group, item: dict[str, Any] | None, values: dict[str, Any], errors: dict[str, Any],
          dataset: str = "") -> str:
    return tk.render("nakano/inventory/form.html", {"org": org, "item": item, "values": values, "errors": errors,
                                                    "fields": schema.fields(), "schema": schema, "dataset": dataset})


def _may_edit(org: model.Group) -> store.Reader:
    reader = _insider(org)
    if not reader.may_edit(org.id):
        return tk.abort(403, tk._("Only the department's editors and admins may change its register"))
    return reader


@inventory.route("/inventory/department/<name>/new", methods=["GET", "POST"])
def new(name: str) -> Any:
    org = _department(name)
    _may_edit(org)
    dataset = request.values.get("dataset", "")
    if request.method == "GET":
        return _form(org, None, _from_dataset(org, dataset) if dataset else {"listed": "yes"}, {}, dataset)
    values = _form_values(request.form)
    try:
        created = tk.get_action("nakano_inventory_item_create")(_context(), {**values, "department": org.id})
    except tk.ValidationError as error:
        return _form(org, None, values, error.error_dict, dataset)
    if dataset:
        _link(dataset, org, created["id"])
    return tk.redirect_to("nakano_inventory.item", id=created["id"])


def _from_dataset(org: model.Group, dataset: str) -> dict[str, Any]:
    """A new item's fields taken from a dataset of the department."""
    try:
        pkg = tk.get_action("package_show")(_context(), {"id": dataset})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return {"listed": "yes"}
    if pkg.get("owner_org") != org.id:
        return {"listed": "yes"}
    taken = [local_id for (local_id,) in model.Session.query(InventoryItem.local_id).filter(
        InventoryItem.organization_id == org.id, InventoryItem.state == "active")]
    return from_dataset.item_fields(pkg, from_dataset.next_local_id(taken))


def _link(dataset: str, org: model.Group, item_id: str) -> None:
    """Link the dataset to its new item (the editor's own right to change the dataset)."""
    try:
        tk.get_action("package_patch")(_context(), {"id": dataset, "inventory_item": item_id})
    except (tk.ObjectNotFound, tk.NotAuthorized, tk.ValidationError) as error:
        # The item stays; the dataset can be linked from its form.
        tk.h.flash_error(tk._("The item was saved, but the dataset could not be linked to it: %(error)s",
                              error=getattr(error, "message", "") or type(error).__name__))


@inventory.route("/inventory/item/<id>/edit", methods=["GET", "POST"])
def edit(id: str) -> Any:
    try:
        shown = tk.get_action("nakano_inventory_item_show")(_context(), {"id": id})
    except (tk.ObjectNotFound, tk.ValidationError):
        return tk.abort(404, tk._("Inventory item not found"))
    org = _department(shown["department"]["id"])
    _may_edit(org)
    if request.method == "GET":
        values = dict(shown)
        values["status"] = shown.get("declared_status") or shown["status"]
        return _form(org, shown, values, {})
    values = _form_values(request.form)
    try:
        tk.get_action("nakano_inventory_item_update")(_context(), {**values, "id": shown["id"]})
    except tk.ValidationError as error:
        return _form(org, shown, values, error.error_dict)
    return tk.redirect_to("nakano_inventory.item", id=shown["id"])


@inventory.route("/inventory/item/<id>/delete", methods=["POST"])
def delete(id: str) -> Any:
    try:
        shown = tk.get_action("nakano_inventory_item_show")(_context(), {"id": id})
        tk.get_action("nakano_inventory_item_delete")(_context(), {"id": shown["id"]})
    except (tk.ObjectNotFound, tk.ValidationError):
        return tk.abort(404, tk._("Inventory item not found"))
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only the department's editors and admins may change its register"))
    return tk.redirect_to("nakano_inventory.department", name=shown["department"]["name"])
