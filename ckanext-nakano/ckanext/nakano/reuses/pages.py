"""Pages of 活用事例 (reuses): /showcase (list), /showcase/new, /showcase/<name>,
/showcase/<name>/edit, withdraw and moderate, the image, and the moderation queue. The
actions decide what each reader may see and do (logic/action/reuse.py); these pages only
turn forms into their parameters and their refusals into messages beside the fields."""
from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

import flask
import sqlalchemy as sa
from flask import request
from werkzeug.datastructures import FileStorage

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib.pagination import Page

from .. import paged
from ..model import Reuse
from ..reader import reader_of
from ..response_policy import FILE_POLICY
from ..search_words import facet_label
from ..submissions import abuse, choices
from ..submissions.sender_link import keyed_page
from . import images, store

__all__ = ["showcase"]

showcase = flask.Blueprint("nakano_showcase", __name__)

PAGE_SIZE = 20   # as CKAN's dataset lists
QUEUE_LIMIT = 1000   # pending reuses shown in the queue; the office has never had more than a few
# The address's sort → the list action's. Written as CKAN's search pages write theirs
# (field and direction): input_guard.py drops any other sort from a listing page's address.
NEWEST = "published desc"
SORTS = {NEWEST: "newest", "title asc": "title"}
FIELDS = ("title", "kind", "url", "description", "provider", "provider_kind")
# What separates dataset names typed into the form without its script (a comma, a Japanese
# comma, a line break or a space: a dataset's URL name has none of them).
_SEPARATORS = re.compile(r"[,、，\s]+")
# What separates datasets typed by their title (a title may hold spaces): commas and lines.
_PARTS = re.compile(r"[,、，\r\n]+")
_DATASET_PATH = re.compile(r"/dataset/([^/?#]+)")


def _context() -> dict[str, Any]:
    return {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}


def _page_number() -> int:
    try:
        return max(1, min(int(request.args.get("page", 1)), 10_000))
    except ValueError:
        return 1


# --- the list ------------------------------------------------------------------------------------

@showcase.route("/showcase")
def index() -> Any:
    """活用事例: published reuses, searched (Japanese folding) and filtered by facets."""
    filters = {name: request.args.getlist(name) for name in store.FACETS if request.args.getlist(name)}
    sort = request.args.get("sort") if request.args.get("sort") in SORTS else NEWEST
    q = request.args.get("q", "")[:200]
    dataset = request.args.get("dataset", "")[:100]
    page = _page_number()
    params = {"q": q, **filters, "sort": SORTS[sort], "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE}
    if dataset:
        params["dataset"] = dataset
    try:
        found = tk.get_action("nakano_showcase_list")(_context(), params)
    except tk.ValidationError:
        # A crafted address (a filter that is not text): nothing matches it.
        found = {"count": 0, "results": [], "facets": {}}
    for row in found["facets"].get("category", []):
        row["label"] = facet_label("vocab_category", row["value"])
    last = paged.past_the_end(page, found["count"], PAGE_SIZE)
    if last:
        return tk.redirect_to(_page_url(page=last))
    pager = Page(collection=found["results"], page=page, items_per_page=PAGE_SIZE, item_count=found["count"],
                 presliced_list=True, url=_page_url)
    return tk.render("nakano/showcase/index.html", {
        "found": found, "filters": filters, "q": q, "sort": sort, "pager": pager, "facet_titles": _facet_titles(),
        "dataset": _dataset_shown(dataset) if dataset else None, "moderates": _moderates()})


_page_url = functools.partial(paged.list_page_url, "nakano_showcase.index")


def _facet_titles() -> dict[str, str]:
    return {"kind": choices.field_label("reuse", "kind"),
            "provider_kind": choices.field_label("reuse", "provider_kind"),
            "category": tk._("Category"), "department": tk._("Department")}


def _dataset_shown(ref: str) -> dict[str, Any] | None:
    """The dataset a list is narrowed to, if the reader may see it."""
    found = _datasets([ref])[0]
    return found[0] if found else None


def _moderates() -> bool:
    """Whether the reader moderates reuses of some department (the queue's link)."""
    reader = reader_of(_context())
    return reader.sysadmin or bool(reader.admin_of)


# --- one reuse -----------------------------------------------------------------------------------

def _shown(name: str, key: str | None = None) -> dict[str, Any]:
    try:
        return tk.get_action("nakano_showcase_show")(_context(), {"id": name, **({"key": key[:64]} if key else {})})
    except (tk.ObjectNotFound, tk.ValidationError):
        return tk.abort(404, tk._("Reuse not found"))


def _read_page(reuse: dict[str, Any], errors: dict[str, Any] | None = None, reason: str = "") -> str:
    proposed = None
    if reuse.get("proposed"):
        proposed = dict(reuse["proposed"])
        proposed["datasets"] = _datasets(proposed.get("datasets") or [])[0]
        proposed["labels"] = {name: choices.label("reuse", name, proposed.get(name))
                              for name in ("kind", "provider_kind")}
    return tk.render("nakano/showcase/read.html", {"reuse": reuse, "proposed": proposed, "errors": errors or {},
                                                   "reason": reason})


@showcase.route("/showcase/<name>")
def read(name: str) -> Any:
    """A reuse; a visitor without an account sees their own, not yet published, by the key of
    their mails (submissions/sender_link.py)."""
    key = flask.request.args.get("key")
    return keyed_page(_read_page(_shown(name, key)), key)


@showcase.route("/showcase/<name>/image")
def image(name: str) -> flask.Response:
    """The re-encoded picture (WebP), to those who may see the reuse; never rendered as a page."""
    try:
        shown = tk.get_action("nakano_showcase_show")(_context(), {"id": name})
    except tk.ObjectNotFound:
        return tk.abort(404)
    reuse = store.find(shown["id"])
    if reuse is None or not reuse.image:
        return tk.abort(404)
    try:
        data = images.read(reuse.image)
    except FileNotFoundError:
        return tk.abort(404)
    response = flask.Response(data, mimetype=images.CONTENT_TYPE)
    response.headers["Content-Security-Policy"] = FILE_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "public, max-age=86400" if shown.get("state", "published") == "published" \
        else "private, no-store"
    return response


# --- the form ------------------------------------------------------------------------------------

def _dataset_refs(form: Any) -> list[str]:
    """The datasets chosen: the picker's boxes, and the names or addresses typed (without
    the script, or pasted): ``https://…/dataset/kouen-ichiran`` counts as ``kouen-ichiran``."""
    refs = [v.strip() for v in form.getlist("datasets") if v.strip()]
    for part in _PARTS.split(form.get("datasets_text", "")):
        titled = _public_dataset_titled(part.strip())
        if titled:       # a title may hold spaces: the whole part first
            refs.append(titled)
            continue
        for word in _SEPARATORS.split(part):
            path = _DATASET_PATH.search(word)
            ref = path.group(1) if path else word.strip()
            if ref:
                refs.append(ref)
    return list(dict.fromkeys(refs))[:100]


def _public_dataset_titled(text: str) -> str | None:
    """The name of the one public dataset titled ``text`` (as typed, or NFKC: full-width letters
    and digits as the title has them). Private datasets are not looked up by title: a refusal
    naming one would tell that it exists."""
    if not text or len(text) > 300:
        return None
    wanted = {text, unicodedata.normalize("NFKC", text)}
    found = (model.Session.query(model.Package.name)
             .filter(model.Package.title.in_(wanted), model.Package.state == "active",
                     model.Package.type == "dataset", model.Package.private.is_(False)).limit(2).all())
    return found[0][0] if len(found) == 1 else None


def _datasets(refs: list[str]) -> tuple[list[dict[str, str]], list[str]]:
    """(datasets found, as {id, name, title}; refs not found or not visible to the reader)."""
    found: list[dict[str, str]] = []
    unknown: list[str] = []
    for ref in refs:
        try:
            pkg = tk.get_action("package_show")(_context(), {"id": ref})
        except (tk.ObjectNotFound, tk.NotAuthorized, tk.ValidationError):
            unknown.append(ref)
            continue
        if pkg.get("type", "dataset") == "dataset" and pkg["id"] not in {d["id"] for d in found}:
            found.append({"id": pkg["id"], "name": pkg["name"], "title": pkg.get("title") or pkg["name"]})
    return found, unknown


def _typed(form: Any) -> dict[str, Any]:
    """What the person typed, to send and, if refused, to show again."""
    values = {name: form.get(name, "") for name in FIELDS}
    values["email"] = form.get("email", "")
    values["datasets"] = _dataset_refs(form)
    return values


def _image_upload() -> FileStorage | None:
    upload = request.files.get("image_upload")
    return upload if upload is not None and upload.filename else None


def _form(values: dict[str, Any], errors: dict[str, Any], reuse: dict[str, Any] | None = None,
          status: int = 200) -> tuple[str, int]:
    chosen, unknown = _datasets(values.get("datasets") or [])
    return tk.render("nakano/showcase/form.html", {
        "values": values, "errors": errors, "reuse": reuse, "chosen": chosen, "datasets_text": ", ".join(unknown),
        "kinds": choices.options("reuse", "kind"), "provider_kinds": choices.options("reuse", "provider_kind"),
        "labels": _field_labels(), "honeypot": abuse.HONEYPOT_FIELD,
        "signed_in": tk.current_user.is_authenticated,
        "search_url": tk.h.url_for("api.action", ver=3, logic_function="package_search")}), status


def _field_labels() -> dict[str, str]:
    """Each field's name as the form shows it (also in the list of errors)."""
    return {"title": tk._("Title"), "kind": choices.field_label("reuse", "kind"), "url": tk._("Address (URL)"),
            "description": tk._("Description"), "provider": tk._("Made by"),
            "provider_kind": choices.field_label("reuse", "provider_kind"), "datasets": tk._("Datasets used"),
            "image_upload": tk._("Picture"), "email": tk._("Your e-mail address")}


@showcase.route("/showcase/new", methods=["GET", "POST"])
def new() -> Any:
    """投稿: anyone; a visitor without an account gives an e-mail address to confirm."""
    if request.method == "GET":
        # Filled in from the address: a dataset page's link names its dataset, the chart
        # builder's also the kind (分析・可視化) and the chart's link.
        dataset = request.args.get("dataset", "")[:100]
        values = {**{name: "" for name in FIELDS}, "email": "", "datasets": [dataset] if dataset else []}
        if request.args.get("kind") in choices.values("reuse", "kind"):
            values["kind"] = request.args["kind"]
        if request.args.get("url", "").startswith(("https://", "http://")):
            values["url"] = request.args["url"][:500]
        return _form(values, {})
    values = _typed(request.form)
    if abuse.is_bot(request.form):
        # Answered as an accepted submission, so that the bot learns nothing; nothing is saved.
        return _sent(None)
    data = {name: values[name] for name in FIELDS}
    data["datasets"] = values["datasets"]
    if not tk.current_user.is_authenticated:
        data["email"] = values["email"]
    upload = _image_upload()
    if upload is not None:
        data["image_upload"] = upload
    try:
        created = tk.get_action("nakano_showcase_create")(_context(), data)
    except tk.ValidationError as error:
        # A refused picture is found after the reuse was added to the session: nothing of it
        # may be committed by whatever the form's page does next.
        model.Session.rollback()
        return _form(values, error.error_dict, status=400)
    except tk.NotAuthorized:
        return tk.abort(403, tk._("You may not send a reuse"))
    return _sent(created)


def _sent(created: dict[str, Any] | None) -> flask.Response:
    """Thanks, and where to go next: the reuse's page (its submitter sees it while it waits),
    or, for a visitor without an account, the list and a word about the e-mail."""
    if not tk.current_user.is_authenticated:
        tk.h.flash_success(tk._("Thank you. We have sent you an e-mail: open the link in it to confirm your "
                                "address. Your reuse is then reviewed before it is shown."))
        return tk.redirect_to("nakano_showcase.index")
    tk.h.flash_success(tk._("Thank you. Your reuse is reviewed before it is shown; you will get an e-mail."))
    if created is None:
        return tk.redirect_to("nakano_showcase.index")
    return tk.redirect_to("nakano_showcase.read", name=created["name"])


def _editable(name: str) -> dict[str, Any]:
    shown = _shown(name)
    if not shown.get("may_edit"):
        return tk.abort(403, tk._("Only the person who sent it, or an admin of a department whose data it uses, "
                                  "may change it"))
    return shown


@showcase.route("/showcase/<name>/edit", methods=["GET", "POST"])
def edit(name: str) -> Any:
    """Its submitter or a moderator; the submitter's edit of a published reuse waits for review."""
    shown = _editable(name)
    if request.method == "GET":
        # A proposed edit waiting for review is where the submitter left off.
        start = {**shown, **(shown.get("proposed") or {})}
        values = {name: start.get(name) or "" for name in FIELDS}
        values["datasets"] = [d if isinstance(d, str) else d["id"] for d in start.get("datasets") or []]
        return _form(values, {}, shown)
    values = _typed(request.form)
    data = {"id": shown["id"], **{name: values[name] for name in FIELDS}, "datasets": values["datasets"]}
    upload = _image_upload()
    if upload is not None:
        data["image_upload"] = upload
    try:
        updated = tk.get_action("nakano_showcase_update")(_context(), data)
    except tk.ValidationError as error:
        model.Session.rollback()
        return _form(values, error.error_dict, shown, status=400)
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only the person who sent it, or an admin of a department whose data it uses, "
                                  "may change it"))
    if updated.get("proposed"):
        tk.h.flash_success(tk._("Your changes are reviewed before they are shown; until then the published text "
                                "stays."))
    elif updated.get("state") == "pending":
        tk.h.flash_success(tk._("The reuse was saved. It is reviewed before it is shown."))
    else:
        tk.h.flash_success(tk._("The reuse was saved."))
    return tk.redirect_to("nakano_showcase.read", name=updated["name"])


@showcase.route("/showcase/<name>/withdraw", methods=["POST"])
def withdraw(name: str) -> Any:
    shown = _shown(name)
    try:
        tk.get_action("nakano_showcase_delete")(_context(), {"id": shown["id"]})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only the person who sent it, or an admin of a department whose data it uses, "
                                  "may withdraw it"))
    except (tk.ObjectNotFound, tk.ValidationError):
        return tk.abort(404, tk._("Reuse not found"))
    tk.h.flash_success(tk._("The reuse was withdrawn: it is no longer shown."))
    return tk.redirect_to("nakano_showcase.read", name=shown["name"])


@showcase.route("/showcase/<name>/moderate", methods=["POST"])
def moderate(name: str) -> Any:
    """承認 or 見送り (with the reason the submitter reads)."""
    shown = _shown(name)
    decision = request.form.get("decision", "")
    reason = request.form.get("reason", "")
    try:
        tk.get_action("nakano_showcase_moderate")(_context(), {"id": shown["id"], "decision": decision,
                                                               "reason": reason})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only an admin of a department whose data it uses, or the open-data office, "
                                  "may review it"))
    except tk.ValidationError as error:
        if request.form.get("came_from") == "queue":    # said on the queue, beside that reuse's form
            return _queue_page({"id": shown["id"], "errors": error.error_dict, "reason": reason}), 400
        return _read_page(shown, error.error_dict, reason), 400
    tk.h.flash_success(tk._("Published.") if decision == "approve" else
                       tk._("Not published; the person who sent it is told the reason."))
    # Back to the queue when the decision was taken there (a fixed target: no open redirect).
    if request.form.get("came_from") == "queue":
        return tk.redirect_to("nakano_showcase.queue")
    return tk.redirect_to("nakano_showcase.read", name=shown["name"])


# --- the moderation queue ------------------------------------------------------------------------

@showcase.route("/showcase/moderate")
def queue() -> str:
    """What waits for the reader's review: new reuses, and edits of published ones."""
    return _queue_page()


def _queue_page(failed: dict[str, Any] | None = None) -> str:
    """The queue; ``failed``: a decision refused on it (the reuse's id, errors, the reason typed)."""
    context = _context()
    reader = reader_of(context)
    if reader.user is None:
        return tk.abort(403, tk._("Log in to review reuses"))
    if not (reader.sysadmin or reader.admin_of):
        return tk.abort(403, tk._("Only an admin of a department whose data it uses, or the open-data office, "
                                  "may review it"))
    pending: list[dict[str, Any]] = []
    offset = 0
    while offset < QUEUE_LIMIT:
        found = tk.get_action("nakano_showcase_list")(context, {"state": "pending", "limit": 100, "offset": offset,
                                                                "facets": False, "sort": "newest"})
        # The list also holds the reader's own submissions; the queue only what they moderate.
        pending += [r for r in found["results"] if r.get("may_moderate")]
        offset += 100
        if offset >= found["count"]:
            break
    return tk.render("nakano/showcase/moderate.html", {"pending": pending, "edits": _proposed_edits(context),
                                                      "failed": failed or {}})


def _proposed_edits(context: dict[str, Any]) -> list[dict[str, Any]]:
    """Published reuses with an edit waiting that the reader moderates. The list action has no
    filter for them: their ids come from the table, what is shown from the show action."""
    # An edit dropped is stored as JSON null, not SQL NULL: only objects are edits.
    ids = [i for (i,) in model.Session.query(Reuse.id).filter(
        Reuse.state == "published", sa.func.jsonb_typeof(Reuse.proposed) == "object")
        .order_by(Reuse.modified.desc()).limit(QUEUE_LIMIT)]
    edits = []
    for reuse_id in ids:
        shown = tk.get_action("nakano_showcase_show")(context, {"id": reuse_id})
        if shown.get("may_moderate") and shown.get("proposed"):
            edits.append(shown)
    return edits
