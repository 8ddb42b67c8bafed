"""Actions of 活用事例 (reuses): submit, show, list, edit, withdraw, moderate.

Anyone may submit: signed in, or with an e-mail address confirmed by a link. A reuse is
pending until a sysadmin or an admin of a department whose dataset it uses approves it
(reuses/store.py says who sees and changes what). The departments' staff who chose so
are mailed on submission and on publication.
"""
from __future__ import annotations

import logging
from typing import Any

import flask

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import Context, DataDict

from ... import messages
from ...departments import department_ids, departments
from ...metrics import quality
from ...model import Reuse
from ...reader import Reader, reader_of
from ...reuses import images, store
from ...submissions import abuse, choices, confirm, mail, sender_link
from ..submission_validators import limits_as_errors
from ..submission_schema import (LIST_LIMIT, reuse_create_schema, reuse_id_schema, reuse_list_schema,
                                 reuse_moderate_schema, reuse_update_schema)

log = logging.getLogger(__name__)

__all__ = ["nakano_showcase_create", "nakano_showcase_show", "nakano_showcase_list", "nakano_showcase_update",
           "nakano_showcase_delete", "nakano_showcase_moderate"]

SUBMITTED = mail.N_("A reuse of your department's data was sent: “%(title)s” (%(provider)s). It is shown once "
                    "an admin of a department whose data it uses, or the open-data office, approves it:\n\n%(link)s")
PUBLISHED = mail.N_("A reuse of your department's data is now published: “%(title)s” (%(provider)s).\n\n%(link)s")
APPROVED = mail.N_("Your reuse “%(title)s” is now published on the portal. Thank you!\n\n%(link)s")
REJECTED = mail.N_("Your reuse “%(title)s” was not published. The reason:\n\n%(reason)s\n\nYou may edit it and "
                   "send it again:\n\n%(link)s")
SUBJECT_SUBMITTED = mail.N_("A reuse waits for review")
SUBJECT_PUBLISHED = mail.N_("A reuse was published")
SUBJECT_DECIDED = mail.N_("About your reuse")


def _find(data_dict: DataDict, reader: Reader, key: str | None = None) -> Reuse:
    reuse = store.find(str(data_dict["id"]))
    if reuse is None or not store.may_see(reader, reuse, key):
        raise tk.ObjectNotFound(messages.say("reuse-not-found"))
    return reuse


def _image_url(reuse: Reuse) -> str | None:
    return tk.url_for("nakano_showcase.image", name=reuse.name, v=reuse.image.rsplit("/", 1)[-1][:16],
                      _external=True) if reuse.image else None


def _shown(reuse: Reuse, reader: Reader) -> dict[str, Any]:
    return store.dictize(reuse, reader, store.datasets_of([reuse.id])[reuse.id], _image_url(reuse))


def _link(reuse: Reuse) -> str:
    return tk.url_for("nakano_showcase.read", name=reuse.name, _external=True)


def sender_page(reuse: Reuse) -> str:
    """The reuse's page for its sender: with the key of a visitor without an account."""
    return sender_link.link("nakano_showcase.read", "reuse", reuse.id,
                            None if reuse.submitter_id else reuse.submitter_email, name=reuse.name)


def _picture(data_dict: DataDict) -> bytes | None:
    """The uploaded picture, checked and re-encoded (before anything is saved); None when
    none was given."""
    upload = data_dict.get("image_upload")
    if upload is None or upload == "" or isinstance(upload, str):
        return None
    # werkzeug's FileStorage (forms and the API's multipart), or an open file (the CLI, tests).
    stream = getattr(upload, "stream", None) or (upload if hasattr(upload, "read") else None)
    if stream is None:
        return None
    try:
        data, _ = images.accept(stream, getattr(upload, "filename", None))
    except images.ImageRefused as refused:
        raise tk.ValidationError({"image_upload": [messages.say(refused.code, refused.values)]}) from refused
    return data


def _rate(kind: str, reader: Reader) -> None:
    with limits_as_errors():
        abuse.check_rate(kind, reader.user_id, _environ())


def _environ() -> dict[str, Any] | None:
    """The request's environment (the visitor's limit); none from the CLI or a job."""
    return flask.request.environ if flask.has_request_context() else None


@tk.validate(reuse_create_schema)
def nakano_showcase_create(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Send a reuse (活用事例) for publication.

    :param title: its name; :param kind: app, visualization, article, research, education, policy, event, other
    :param url: its page (http or https); :param description: what it is (Markdown)
    :param provider: who made it; :param provider_kind: company, academia, citizen, npo, government, other
    :param datasets: the portal's datasets it uses (ids or names; at least one)
    :param image_upload: a PNG, JPEG or WebP picture (multipart; re-encoded, at most 5 MB)
    :param email: a visitor without an account: the address the confirmation link goes to
    :returns: the reuse, pending (or waiting for the e-mail confirmation)
    """
    tk.check_access("nakano_showcase_create", context, data_dict)
    reader = reader_of(context)
    picture = _picture(data_dict)
    _rate("reuse", reader)
    reuse = store.create(data_dict, data_dict["datasets"], reader.user_id,
                         None if reader.user is not None else data_dict["email"])
    reuse.image = images.store(reuse.id, picture) if picture else None
    if reuse.state == "unconfirmed":
        with limits_as_errors():
            confirm.start("reuse", reuse.id, data_dict["email"])
    model.Session.commit()
    if reuse.state == "pending":
        notify_submitted(reuse)
    return _shown(reuse, reader)


def confirmed(reuse_id: str) -> str | None:
    """Its sender opened the confirmation link: the reuse enters review (submissions/confirm.py).
    Returns its page for the sender."""
    reuse = store.find(reuse_id)
    if reuse is None:
        return None
    if reuse.state == "unconfirmed":
        reuse.state = "pending"
        model.Session.commit()
        notify_submitted(reuse)
    return sender_page(reuse)


def notify_submitted(reuse: Reuse) -> None:
    """Mail the staff of the departments whose data it uses (those who chose so)."""
    mail.send(mail.staff_of(store.departments_of(reuse), admins_only=True), mail.subject(SUBJECT_SUBMITTED),
              mail.both_languages(SUBMITTED, title=reuse.title, provider=reuse.provider, link=_link(reuse)))


@tk.side_effect_free
@tk.validate(reuse_id_schema)
def nakano_showcase_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """One reuse.

    :param id: its id or URL name
    :param key: the key of the links mailed to a sender without an account (their reuse, read only)
    :returns: the reuse; its submitter and moderators also get ``state``, ``reject_reason`` and ``proposed``
    """
    tk.check_access("nakano_showcase_show", context, data_dict)
    reader = reader_of(context)
    reuse = _find(data_dict, reader, data_dict.get("key"))
    shown = _shown(reuse, reader)
    if "state" not in shown and sender_link.holds("reuse", reuse.id, reuse.submitter_email, data_dict.get("key")):
        # Its sender, by the key: where it stands and why, as a signed-in submitter sees it.
        shown.update(state=reuse.state, reject_reason=reuse.reject_reason,
                     labels={**shown["labels"], "state": choices.label("reuse", "state", reuse.state)})
    return shown


@tk.side_effect_free
@tk.validate(reuse_list_schema)
def nakano_showcase_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Published reuses, searched and filtered (or, with ``state``, those the reader moderates or sent).

    :param q: words (Japanese: こうえん finds コウエン); :param kind, provider_kind, category, department: filters
    :param dataset: reuses of one dataset (id or name); :param state: pending, rejected, withdrawn …
    :param mine: true for the reader's own submissions, in every state (or in ``state``)
    :param sort: newest (default), title or changed (last changed first); :param limit: at most 100; :param offset
    :returns: ``count``, ``results`` and ``facets`` (name → [{value, label, count}])
    """
    tk.check_access("nakano_showcase_list", context, data_dict)
    reader = reader_of(context)
    dataset_id = None
    if data_dict.get("dataset"):
        pkg = model.Package.get(data_dict["dataset"])
        # Reuses of a public dataset only: of a private or deleted one, none (they would tell
        # that it exists).
        dataset_id = pkg.id if pkg is not None and pkg.state == "active" and not pkg.private else "-"
    filters = {name: data_dict.get(name) or [] for name in store.FACETS}
    if filters["department"]:   # names or ids, as nakano_request_list takes them
        filters["department"] = department_ids(filters["department"])
    found = store.search(reader, data_dict.get("q") or "", filters, data_dict["sort"],
                         min(int(data_dict["limit"]), LIST_LIMIT), int(data_dict["offset"]),
                         data_dict.get("state"), dataset_id, data_dict["facets"], data_dict["mine"])
    datasets = store.datasets_of(r.id for r in found.reuses)
    known = departments(v for v, _ in found.facets.get("department", []))   # looked up once, not per value
    return {"count": found.count,
            "results": [store.dictize(r, reader, datasets[r.id], _image_url(r)) for r in found.reuses],
            "facets": {name: [{"value": v, "count": n, "label": _facet_label(name, v, known)} for v, n in rows]
                       for name, rows in found.facets.items()}}


def _facet_label(name: str, value: str, known: dict[str, dict[str, Any]]) -> str:
    if name in ("kind", "provider_kind"):
        return choices.label("reuse", name, value)
    if name == "department":
        return (known.get(value) or {}).get("title", value)
    return value


@tk.validate(reuse_update_schema)
def nakano_showcase_update(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Edit a reuse (fields not given keep their value). Its submitter's edit of a published
    reuse waits for a moderator (``proposed``); the published text stays meanwhile.

    :param id: its id or URL name; the other parameters as nakano_showcase_create
    """
    reader = reader_of(context)
    reuse = _find(data_dict, reader)
    tk.check_access("nakano_showcase_update", context, {"id": reuse.id})
    current = store.dictize(reuse, Reader(None, ignore_auth=True), store.datasets_of([reuse.id])[reuse.id], None)
    fields = {k: data_dict.get(k, current[k]) for k in store.EDITABLE}
    package_ids = data_dict["datasets"] if "datasets" in data_dict else [d["id"] for d in current["datasets"]]
    if not package_ids:
        raise tk.ValidationError({"datasets": [messages.say("submission-no-dataset")]})
    picture = _picture(data_dict)
    _rate("reuse", reader)   # edits count too: each may mail the department
    image = images.store(reuse.id, picture) if picture else None
    was, had_proposal = reuse.state, bool(reuse.proposed)
    replaced = [old for old in (reuse.image, (reuse.proposed or {}).get("image")) if old and image and old != image]
    outcome = store.update(reuse, fields, package_ids, image, reader)
    model.Session.commit()
    for old in replaced:   # a picture nothing shows any more
        if old not in (reuse.image, (reuse.proposed or {}).get("image")):
            images.remove(old)
    # The department is told once per edit waiting for it, not once per save.
    if (outcome == "proposed" and not had_proposal) or (was != "pending" and reuse.state == "pending"):
        notify_submitted(reuse)
    return _shown(reuse, reader)


@tk.validate(reuse_id_schema)
def nakano_showcase_delete(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Withdraw a reuse (its submitter, or a moderator): it is no longer shown.

    :param id: its id or URL name
    """
    reader = reader_of(context)
    reuse = _find(data_dict, reader)
    tk.check_access("nakano_showcase_delete", context, {"id": reuse.id})
    store.withdraw(reuse)
    model.Session.commit()
    _rescore(reuse)
    return {"id": reuse.id, "state": reuse.state}


@tk.validate(reuse_moderate_schema)
def nakano_showcase_moderate(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Approve or reject a pending reuse, or a proposed edit of a published one (a sysadmin,
    or an admin of a department whose dataset it uses).

    :param id: its id or URL name; :param decision: approve or reject
    :param reason: why not (required to reject; the submitter reads it)
    """
    reader = reader_of(context)
    reuse = _find(data_dict, reader)
    tk.check_access("nakano_showcase_moderate", context, {"id": reuse.id})
    if reuse.state == "unconfirmed":
        raise tk.ValidationError({"id": [messages.say("reuse-unconfirmed")]})
    if reuse.state == "withdrawn":   # its submitter took it back: nobody publishes it again
        raise tk.ValidationError({"id": [messages.say("reuse-withdrawn")]})
    if reuse.proposed and data_dict["decision"] == "approve" and not reader.sysadmin:
        added = store.departments_of_datasets(reuse.proposed.get("datasets") or []) - store.departments_of(reuse)
        if added and not all(reader.administers(org) for org in added):
            # An edit that reaches another department's datasets: that department, or the office.
            raise tk.NotAuthorized(tk._("Only an admin of a department whose data it uses, or the open-data "
                                        "office, may do this"))
    approve = data_dict["decision"] == "approve"
    if not approve and not data_dict.get("reason"):
        raise tk.ValidationError({"reason": [messages.say("reuse-reason-needed")]})
    was_published = reuse.state == "published"
    store.moderate(reuse, approve, data_dict.get("reason") or "", reader)
    model.Session.commit()
    _rescore(reuse)
    _tell_submitter(reuse, approve)
    if approve and not was_published:
        mail.send(mail.staff_of(store.departments_of(reuse)), mail.subject(SUBJECT_PUBLISHED),
                  mail.both_languages(PUBLISHED, title=reuse.title, provider=reuse.provider, link=_link(reuse)))
    return _shown(reuse, reader)


def _rescore(reuse: Reuse) -> None:
    """A published reuse counts in its datasets' quality score (schemas/quality.yaml: reused)."""
    for dataset in store.datasets_of([reuse.id])[reuse.id]:
        quality.enqueue(dataset["id"])


def _tell_submitter(reuse: Reuse, approved: bool) -> None:
    user = model.User.get(reuse.submitter_id) if reuse.submitter_id else None
    address = user.email if user is not None else reuse.submitter_email
    if not address:
        return
    link = sender_page(reuse)
    body = (mail.both_languages(APPROVED, title=reuse.title, link=link) if approved else
            mail.both_languages(REJECTED, title=reuse.title, reason=reuse.reject_reason or "", link=link))
    mail.send([(user.display_name if user is not None else address, address)],
              mail.subject(SUBJECT_DECIDED), body)
