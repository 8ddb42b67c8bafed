"""Pages of データ要望 (data requests): /request (list), /request/new (the form, with what the
portal already has suggested while the title is typed: /request/suggest), /request/<id> and
the forms on it (support, follow, the department's answer, merge, listing, reassignment).

The actions decide what each reader may see and do (logic/action/data_request.py); a page
only turns their refusals into 403, 404 or the form again with the errors beside the fields.
"""
from __future__ import annotations

import functools
import logging
import re
from typing import Any

import flask
from flask import request

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib.pagination import Page

from .. import messages, paged, search_words
from ..inventory import schema as inventory_schema
from ..submissions import abuse, choices
from ..submissions.sender_link import keyed_page
from . import store
from .wording import month_text

__all__ = ["requests_pages", "suggestions", "department_options"]

log = logging.getLogger(__name__)

requests_pages = flask.Blueprint("nakano_request", __name__)

PAGE_SIZE = 20   # as CKAN's dataset lists and the register's
SORTS = ("newest", "supported", "waiting")
SUGGESTED = 5
DATASET_CHOICES = 200   # the department's latest datasets offered in the answer form
# Request numbers are PostgreSQL integers: a larger number is no request (not a database error).
LARGEST_ID = 2 ** 31 - 1
SCHEMA = "data_request"
ASKED_FIELDS = ("title", "description", "purpose", "purpose_text", "format_wanted", "department", "email",
                "inventory_item")
ANSWER_FIELDS = ("status", "planned_month", "dataset", "decline_reason", "answer", "inventory_item")


def _context() -> dict[str, Any]:
    return {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}


def _signed_in() -> bool:
    return bool(tk.current_user.is_authenticated)


def _office() -> bool:
    """The open-data office: sysadmins."""
    return _signed_in() and bool(getattr(tk.current_user, "sysadmin", False))


def _page_number() -> int:
    try:
        return max(1, min(int(request.args.get("page", 1)), 10_000))
    except ValueError:
        return 1


# --- texts shown -------------------------------------------------------------------------------

def _department_title(org: model.Group) -> str:
    """The department's English name on English pages (when it has one), its name elsewhere."""
    english = (org.extras or {}).get("title_en", "") if tk.h.lang() == "en" else ""
    return english or org.title or org.name


def department_options() -> list[dict[str, str]]:
    """The ward's departments for a select: ``[{value: name, label}]``, by Japanese name."""
    orgs = (model.Session.query(model.Group).filter(model.Group.is_organization.is_(True),
                                                    model.Group.state == "active")
            .order_by(model.Group.title, model.Group.name).all())
    return [{"value": org.name, "label": _department_title(org)} for org in orgs]


def _reason_options() -> list[dict[str, str]]:
    """The register's 非公開理由 with what each means, for the answer's 対応できません."""
    return [{"value": c["value"], "label": inventory_schema.choice_label("closed_reason", c["value"]),
             "hint": inventory_schema.choice_hint("closed_reason", c["value"])}
            for c in inventory_schema.field("closed_reason").choices]


def _errors(error: tk.ValidationError) -> dict[str, list[str]]:
    """Field → messages in the reader's language (coded messages made readable)."""
    said: dict[str, list[str]] = {}
    for key, found in (error.error_dict or {}).items():
        name = str(key[0] if isinstance(key, tuple) else key)
        texts = found if isinstance(found, list) else [found]
        said[name] = [messages.readable(str(m)) for m in texts]
    return said


# --- /request -----------------------------------------------------------------------------------

@requests_pages.route("/request")
def index() -> Any:
    """データ要望一覧: listed requests, searched, filtered and sorted; for moderators, with
    ``?state=pending``, those held for review."""
    filters = {name: request.args.getlist(name) for name in store.FACETS if request.args.getlist(name)}
    sort = request.args.get("sort", "newest")
    sort = sort if sort in SORTS else "newest"
    held = request.args.get("state") == "pending" and _signed_in()
    page = _page_number()
    q = request.args.get("q", "")[:200]
    params: dict[str, Any] = {"q": q, **filters, "sort": sort, "limit": PAGE_SIZE,
                              "offset": (page - 1) * PAGE_SIZE}
    if held:
        params["state"] = "pending"
    try:
        found = tk.get_action("nakano_request_list")(_context(), params)
    except tk.ValidationError as error:   # a filter of the wrong shape: nothing found, said why
        found = {"count": 0, "results": [], "facets": {}, "errors": _errors(error)}
    last = paged.past_the_end(page, found["count"], PAGE_SIZE)
    if last:
        return tk.redirect_to(_page_url(page=last))
    pager = Page(collection=found["results"], page=page, items_per_page=PAGE_SIZE, item_count=found["count"],
                 presliced_list=True, url=_page_url)
    return tk.render("nakano/request/index.html", {
        "found": found, "filters": filters, "q": q, "sort": sort, "sorts": _sort_labels(), "pager": pager,
        "held": held, "may_moderate": _may_moderate_any(), "facet_titles": _facet_titles()})


_page_url = functools.partial(paged.list_page_url, "nakano_request.index")


def _sort_labels() -> list[tuple[str, str]]:
    return [("newest", tk._("Newest")), ("supported", tk._("Most supported")),
            ("waiting", tk._("Waiting longest for an answer"))]


def _facet_titles() -> dict[str, str]:
    return {"status": choices.field_label(SCHEMA, "status"), "department": tk._("Department"),
            "purpose": choices.field_label(SCHEMA, "purpose")}


def _may_moderate_any() -> bool:
    """Sysadmins and department admins see the requests held for review."""
    if not _signed_in():
        return False
    if _office():
        return True
    return model.Session.query(model.Member.id).join(model.Group, model.Group.id == model.Member.group_id).filter(
        model.Member.table_name == "user", model.Member.table_id == tk.current_user.id,
        model.Member.state == "active", model.Member.capacity == "admin", model.Group.is_organization.is_(True),
        model.Group.state == "active").first() is not None


# --- /request/new -------------------------------------------------------------------------------

@requests_pages.route("/request/new", methods=["GET", "POST"])
def new() -> Any:
    """The form. ``?q=`` (the zero-result search page's link) fills the title in."""
    if request.method == "GET":
        values = {"title": request.args.get("q", "")[:200], "department": request.args.get("department", "")[:100],
                  "inventory_item": request.args.get("inventory_item", "")[:100], "show_name": False}
        return _form(values, {})
    form = request.form
    values: dict[str, Any] = {name: form.get(name, "") for name in ASKED_FIELDS}
    values["show_name"] = bool(form.get("show_name"))
    if abuse.is_bot(form):
        # A person never sees the field: answered as a visitor's request is, nothing saved.
        log.info("data request form: honeypot filled, nothing saved")
        return _accepted(None)
    data = {k: v for k, v in values.items() if v not in ("", None)}
    if _signed_in():
        data.pop("email", None)
    data["show_name"] = values["show_name"]
    try:
        created = tk.get_action("nakano_request_create")(_context(), data)
    except tk.ValidationError as error:
        model.Session.rollback()
        return _form(values, _errors(error))
    except tk.NotAuthorized:
        return tk.abort(403, tk._("You may not send a data request"))
    return _accepted(created)


def _form(values: dict[str, Any], errors: dict[str, list[str]]) -> str:
    item = tk.h.nakano_inventory_item(values["inventory_item"]) if values.get("inventory_item") else None
    suggested = suggestions(values.get("title") or "") if values.get("title") and not errors else None
    return tk.render("nakano/request/form.html", {
        "values": values, "errors": errors, "purposes": choices.options(SCHEMA, "purpose"),
        "departments": department_options(), "item": item, "suggested": suggested,
        "honeypot": abuse.HONEYPOT_FIELD, "signed_in": _signed_in()})


def _accepted(created: dict[str, Any] | None) -> Any:
    """Where a sent request leads: its page (listed, or held for review and seen by its
    requester), or the list with what happens next (a visitor's, confirmed by e-mail)."""
    if created is None or created["state"] == "unconfirmed":
        if created is None and _signed_in():
            tk.h.flash_success(tk._("Thank you. Your request will be listed once it has been reviewed."))
        else:
            tk.h.flash_success(tk._("Thank you. We have sent a link to your e-mail address: open it to confirm "
                                    "your request. It is listed once it has been reviewed."))
        return tk.redirect_to("nakano_request.index")
    if created["state"] == "pending":
        tk.h.flash_success(tk._("Thank you. Your request will be listed once it has been reviewed."))
    else:
        tk.h.flash_success(tk._("Thank you. Your request is listed and the department has been told."))
    return tk.redirect_to("nakano_request.read", id=created["id"])


# --- what is asked, changed -----------------------------------------------------------------------

EDITED_FIELDS = ("title", "description", "purpose", "purpose_text", "format_wanted")


@requests_pages.route("/request/<int:id>/edit", methods=["GET", "POST"])
def edit(id: int) -> Any:
    """What is asked, changed by its requester (or an admin of its department); the change is
    kept in the request's history like the department's answers."""
    shown = _show(id)
    if not shown.get("may_edit"):
        return tk.abort(403, tk._("Only the person who asked and the department can change this request"))
    if request.method == "GET":
        return _edit_form(shown, {name: shown.get(name) or "" for name in EDITED_FIELDS}, {})
    values = {name: request.form.get(name, "") for name in EDITED_FIELDS}
    # Only what changed: an empty field that was empty is no change for the history.
    changed = {k: v for k, v in values.items() if v.strip() != (shown.get(k) or "").strip()}
    if not changed:
        return tk.redirect_to("nakano_request.read", id=id)
    try:
        tk.get_action("nakano_request_update")(_context(), {"id": id, **changed})
    except tk.ValidationError as error:
        model.Session.rollback()
        return _edit_form(shown, values, _errors(error)), 400
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only the person who asked and the department can change this request"))
    tk.h.flash_success(tk._("The request was changed."))
    return tk.redirect_to("nakano_request.read", id=id)


def _edit_form(shown: dict[str, Any], values: dict[str, Any], errors: dict[str, list[str]]) -> str:
    return tk.render("nakano/request/edit.html", {"data_request": shown, "values": values, "errors": errors,
                                                  "purposes": choices.options(SCHEMA, "purpose")})


# --- /request/suggest ---------------------------------------------------------------------------

@requests_pages.route("/request/suggest")
def suggest() -> flask.Response:
    """What the portal already has for the words typed (JSON, for assets/request.js): up to
    five datasets, five items of the data inventory with their status and five requests
    already sent."""
    response = flask.jsonify(suggestions(request.args.get("q", "")))
    # The register shows a department's own members more: never shared between readers.
    response.headers["Cache-Control"] = "private, max-age=60"
    response.headers["Vary"] = "Cookie, Authorization"
    return response


def suggestions(q: str) -> dict[str, Any]:
    """``datasets`` (title, url) and ``items`` (title, department, status and what it says:
    the planned month, the reason it is not public, its datasets) for the words of ``q``."""
    words = search_words.plain_words_query(q or "")[:100].strip()
    if len(words) < 2:
        return {"datasets": [], "items": [], "requests": []}
    found = tk.get_action("package_search")({}, {
        "q": words, "rows": SUGGESTED, "fl": ["name", "title", "extras_title_en"], "facet": "false",
        "include_private": False})
    english = tk.h.lang() == "en"
    # CKAN gives the extras asked for in ``fl`` without their prefix.
    datasets = [{"title": (d.get("title_en") if english else "") or d.get("title") or d["name"],
                 "url": tk.h.url_for("dataset.read", id=d["name"])} for d in found["results"]]
    try:
        listed = tk.get_action("nakano_inventory_item_list")(_context(), {
            "q": words, "limit": SUGGESTED, "facets": False})["results"]
    except tk.ValidationError:   # words the register's search refuses: no items to show
        listed = []
    # Requests already sent for it: supporting one helps more than a second request (the walk).
    sent = tk.get_action("nakano_request_list")(_context(), {"q": words, "limit": SUGGESTED, "facets": False,
                                                             "sort": "supported"})["results"]
    return {"datasets": datasets, "items": [_suggested_item(i) for i in listed],
            "requests": [{"title": f"#{r['id']} {r['title']}", "url": tk.h.url_for("nakano_request.read", id=r["id"]),
                          "status": r["status"], "status_label": r["labels"]["status"],
                          "supporters": r["supporters"]} for r in sent],
            "search_url": tk.h.url_for("dataset.search", q=words)}


def _suggested_item(item: dict[str, Any]) -> dict[str, Any]:
    status, detail = item["status"], ""
    if status == inventory_schema.PLANNED and item.get("planned_month"):
        detail = month_text(item["planned_month"])
    elif status in (inventory_schema.CLOSED, inventory_schema.CONSIDERING) and item.get("closed_reason"):
        hint = inventory_schema.choice_hint("closed_reason", item["closed_reason"])
        detail = item["labels"].get("closed_reason", "") + (f" — {hint}" if hint else "")
    return {"title": item["title"], "url": tk.h.url_for("nakano_inventory.item", id=item["id"]),
            "department": item["department"].get("title", ""), "status": status,
            "status_label": item["labels"].get("status", status), "detail": detail,
            "datasets": [{"title": d["title"], "url": tk.h.url_for("dataset.read", id=d["name"])}
                         for d in item.get("datasets") or []],
            "request_url": tk.h.url_for("nakano_request.new", q=item["title"], inventory_item=item["id"])}


# --- /request/<id> ------------------------------------------------------------------------------

def _show(id: int, key: str | None = None) -> dict[str, Any]:
    if id > LARGEST_ID:
        return tk.abort(404, tk._("Request not found"))
    try:
        return tk.get_action("nakano_request_show")(_context(), {"id": id, **({"key": key[:64]} if key else {})})
    except (tk.ObjectNotFound, tk.ValidationError):
        return tk.abort(404, tk._("Request not found"))


@requests_pages.route("/request/<int:id>")
def read(id: int) -> Any:
    """A request; a visitor without an account sees their own, not yet listed, by the key of
    their mails (submissions/sender_link.py)."""
    key = flask.request.args.get("key")
    return keyed_page(_read_page(_show(id, key)), key)


def _read_page(shown: dict[str, Any], answer_values: dict[str, Any] | None = None,
               answer_errors: dict[str, list[str]] | None = None, merge_value: str = "",
               merge_errors: dict[str, list[str]] | None = None, errors: dict[str, list[str]] | None = None,
               department_value: str | None = None) -> str:
    staff = bool(shown.get("may_answer"))
    if answer_values is None:
        answer_values = {"status": shown["status"], "planned_month": shown.get("planned_month") or "",
                         "dataset": (shown.get("dataset") or {}).get("name", ""),
                         # The current answer, to keep or change with the status (a new status
                         # under an old text misled: the walk of issue 20).
                         "decline_reason": shown.get("decline_reason") or "", "answer": shown.get("answer") or "",
                         "inventory_item": "", "create_inventory_item": False}
    department = (shown.get("department") or {}).get("name", "")
    return tk.render("nakano/request/read.html", {
        "data_request": shown, "history": _history_rows(shown.get("history") or []),
        "item": tk.h.nakano_inventory_item(shown["inventory_item_id"]) if shown.get("inventory_item_id") else None,
        "planned": month_text(shown.get("planned_month")),
        "reason_hint": inventory_schema.choice_hint("closed_reason", shown["decline_reason"])
        if shown.get("decline_reason") else "",
        "staff": staff, "office": _office(), "signed_in": _signed_in(),
        "answer_values": answer_values, "answer_errors": answer_errors or {},
        "merge_value": merge_value, "merge_errors": merge_errors or {}, "errors": errors or {},
        "statuses": choices.options(SCHEMA, "status"), "reasons": _reason_options() if staff else [],
        "departments": department_options() if _office() else [],
        "dataset_choices": _dataset_choices(shown) if staff else [],
        "department_value": department if department_value is None else department_value})


def _dataset_choices(shown: dict[str, Any]) -> list[dict[str, str]]:
    """The department's public datasets, offered while the answer's dataset is typed."""
    org_id = (shown.get("department") or {}).get("id")
    if not org_id:
        return []
    rows = (model.Session.query(model.Package.name, model.Package.title)
            .filter(model.Package.owner_org == org_id, model.Package.state == "active",
                    model.Package.private.is_(False), model.Package.type == "dataset")
            .order_by(model.Package.metadata_modified.desc()).limit(DATASET_CHOICES).all())
    return [{"value": name, "label": title or name} for name, title in rows]


def _history_rows(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each change as people read it: when, what happened, each field's before → after."""
    rows = []
    for change in history:
        kind, changes = change["kind"], change.get("changes") or {}
        row: dict[str, Any] = {"ts": change["ts"], "kind": kind, "note": change.get("note") or "",
                               "what": _change_title(kind), "fields": []}
        for name, pair in changes.items():
            shown = _change_field(kind, name, pair)
            if shown is not None:
                row["fields"].append(shown)
        rows.append(row)
    return rows


def _change_title(kind: str) -> str:
    return {"created": tk._("Request sent"), "answered": tk._("Answer of the department"),
            "edited": tk._("Request changed"), "merged": tk._("Merged into another request"),
            "merged-in": tk._("Another request merged into this one")}.get(kind, kind)


def _change_field(kind: str, name: str, pair: list[Any]) -> dict[str, Any] | None:
    """``{label, before, after, before_url, after_url}`` of one changed field; None for what
    is not shown (the listing state a request is created in)."""
    before, after = (list(pair) + [None, None])[:2]
    if kind == "created":
        return None
    if name in ("status", "purpose", "state"):
        return {"label": choices.field_label(SCHEMA, name), "before": choices.label(SCHEMA, name, before),
                "after": choices.label(SCHEMA, name, after)}
    if name == "planned_month":
        return {"label": tk._("Planned for"), "before": month_text(before), "after": month_text(after)}
    if name == "decline_reason":
        return {"label": tk._("Reason"), "before": inventory_schema.choice_label("closed_reason", before),
                "after": inventory_schema.choice_label("closed_reason", after)}
    if name == "dataset_id":
        return {"label": tk._("Dataset"), **_dataset_value("before", before), **_dataset_value("after", after)}
    if name == "organization_id":
        return {"label": tk._("Department"), "before": _org_title(before), "after": _org_title(after)}
    if name in ("merged_into", "merged_from"):
        other = after or before
        return {"label": tk._("Request"), "before": "", "after": f"#{other}",
                "after_url": tk.h.url_for("nakano_request.read", id=other) if other else ""}
    if name == "inventory_item_id":
        item = tk.h.nakano_inventory_item(after) if after else None
        text = f"{item['local_id']} {item['title']}" if item else (tk._("(not listed)") if after else "–")
        return {"label": tk._("Data inventory item"), "before": "", "after": text,
                "after_url": tk.h.url_for("nakano_inventory.item", id=after) if item else ""}
    if name == "show_name":
        return None   # whether the name is shown says nothing to readers
    labels = {"title": tk._("Data wanted"), "description": tk._("More about it"),
              "purpose_text": tk._("Purpose in their words"), "format_wanted": tk._("Format wanted")}
    return {"label": labels.get(name, name), "before": before or "", "after": after or ""}


def _dataset_value(side: str, dataset_id: str | None) -> dict[str, str]:
    pkg = model.Package.get(dataset_id) if dataset_id else None
    if pkg is None or pkg.state != "active" or pkg.private:
        return {side: "–" if not dataset_id else tk._("(not public)")}
    return {side: pkg.title or pkg.name, f"{side}_url": tk.h.url_for("dataset.read", id=pkg.name)}


def _org_title(org_id: str | None) -> str:
    org = model.Group.get(org_id) if org_id else None
    return _department_title(org) if org is not None else "–"


def _refused(error: Exception) -> Any:
    if isinstance(error, tk.NotAuthorized):
        return tk.abort(403, str(error) or tk._("You may not do this"))
    return tk.abort(404, tk._("Request not found"))


@requests_pages.route("/request/<int:id>/support", methods=["POST"])
def support(id: int) -> Any:
    """「私も必要」 and taking it back (``support``: 1 or 0)."""
    shown = _show(id)
    on = request.form.get("support", "1") not in ("0", "false")
    try:
        tk.get_action("nakano_request_support")(_context(), {"id": shown["id"], "support": on})
    except (tk.NotAuthorized, tk.ObjectNotFound) as error:
        return _refused(error)
    return tk.redirect_to(tk.h.url_for("nakano_request.read", id=id) + "#support")


@requests_pages.route("/request/<int:id>/follow", methods=["POST"])
def follow(id: int) -> Any:
    """Be told of each change by e-mail, or no longer (``follow``: 1 or 0)."""
    shown = _show(id)
    on = request.form.get("follow", "1") not in ("0", "false")
    try:
        tk.get_action("nakano_request_follow")(_context(), {"id": shown["id"], "follow": on})
    except (tk.NotAuthorized, tk.ObjectNotFound) as error:
        return _refused(error)
    return tk.redirect_to(tk.h.url_for("nakano_request.read", id=id) + "#support")


@requests_pages.route("/request/<int:id>/answer", methods=["POST"])
def respond(id: int) -> Any:
    """The department's answer; the form comes back with the errors beside its fields."""
    shown = _show(id)
    if not shown.get("may_answer"):
        return tk.abort(403, tk._("Only the department's editors and admins, or the open-data office, may answer"))
    form = request.form
    values: dict[str, Any] = {name: form.get(name, "") for name in ANSWER_FIELDS}
    values["create_inventory_item"] = bool(form.get("create_inventory_item"))
    data: dict[str, Any] = {"id": shown["id"], "status": values["status"], "answer": values["answer"],
                            "create_inventory_item": values["create_inventory_item"]}
    # Only what the status uses: a month typed before 対応できません was chosen is not checked.
    wanted = {"planned": "planned_month", "published": "dataset", "declined": "decline_reason"}
    if values["status"] in wanted:
        data[wanted[values["status"]]] = values[wanted[values["status"]]]
    if values["inventory_item"]:
        data["inventory_item"] = values["inventory_item"]
    try:
        tk.get_action("nakano_request_respond")(_context(), data)
    except tk.ValidationError as error:
        model.Session.rollback()
        return _read_page(_show(id), answer_values=values, answer_errors=_errors(error))
    except (tk.NotAuthorized, tk.ObjectNotFound) as error:
        return _refused(error)
    tk.h.flash_success(tk._("The answer was saved. The requester and the followers are told by e-mail."))
    return tk.redirect_to(tk.h.url_for("nakano_request.read", id=id) + "#history")


@requests_pages.route("/request/<int:id>/merge", methods=["POST"])
def merge(id: int) -> Any:
    """Merge this duplicate into another request (``into``: its number)."""
    shown = _show(id)
    if not shown.get("may_merge"):
        return tk.abort(403, tk._("Only an admin of the department, or the open-data office, may merge requests"))
    into = request.form.get("into", "").strip().lstrip("#")
    if not re.fullmatch(r"[0-9]{1,10}", into) or int(into) > LARGEST_ID:   # not isdigit: "²" is a digit to it
        return _read_page(shown, merge_value=into, merge_errors={"into": [tk._("Give the number of the request.")]})
    try:
        target = tk.get_action("nakano_request_merge")(_context(), {"id": shown["id"], "into": int(into)})
    except tk.ValidationError as error:
        model.Session.rollback()
        return _read_page(_show(id), merge_value=into, merge_errors=_errors(error))
    except (tk.ObjectNotFound, tk.NotAuthorized) as error:
        # This request may be merged (checked above): the refusal is about the other one.
        model.Session.rollback()
        message = (tk._("There is no request #%(id)s.", id=into) if isinstance(error, tk.ObjectNotFound)
                   else str(error) or tk._("You may not merge into request #%(id)s.", id=into))
        return _read_page(_show(id), merge_value=into, merge_errors={"into": [message]})
    tk.h.flash_success(tk._("Merged: its supporters and followers now support and follow this request."))
    return tk.redirect_to("nakano_request.read", id=target["id"])


@requests_pages.route("/request/<int:id>/listing", methods=["POST"])
def listing(id: int) -> Any:
    """A moderator's 「掲載する」 (``state`` active) or 「掲載しない」 (hidden)."""
    shown = _show(id)
    state = request.form.get("state", "")
    if state not in ("active", "hidden"):
        return _read_page(shown, errors={"state": [tk._("Choose whether the request is listed.")]})
    try:
        tk.get_action("nakano_request_update")(_context(), {"id": shown["id"], "state": state})
    except tk.ValidationError as error:
        model.Session.rollback()
        return _read_page(_show(id), errors=_errors(error))
    except (tk.NotAuthorized, tk.ObjectNotFound) as error:
        return _refused(error)
    tk.h.flash_success(tk._("The request is listed.") if state == "active" else tk._("The request is not listed."))
    return tk.redirect_to("nakano_request.read", id=id)


@requests_pages.route("/request/<int:id>/department", methods=["POST"])
def reassign(id: int) -> Any:
    """The office sends the request to another department (or to none yet)."""
    shown = _show(id)
    department = request.form.get("department", "")[:100]
    try:
        tk.get_action("nakano_request_update")(_context(), {"id": shown["id"], "department": department})
    except tk.ValidationError as error:
        model.Session.rollback()
        return _read_page(_show(id), errors=_errors(error), department_value=department)
    except (tk.NotAuthorized, tk.ObjectNotFound) as error:
        return _refused(error)
    tk.h.flash_success(tk._("The request was sent to the department."))
    return tk.redirect_to("nakano_request.read", id=id)

