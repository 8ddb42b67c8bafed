"""Actions of データ要望 (data requests): ask, show, list, edit, answer, support, follow, merge.

A request is routed to a department: the one its requester names, else the department of
the register item it names; the open-data office (sysadmins) reassigns. The department
answers with a status (受付 → 検討中 → 公開予定 / 公開済 / 対応できません); every change is kept
and shown, and the requester and followers are mailed. An answer may link the request to
an item of the department's register, or create one from it; the item's status follows
the answer (data_requests/inventory_link.py).
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
from ...data_requests import inventory_link, store, wording
from ...inventory import schema as inventory_schema
from ...model import DataRequest, DataRequestFollow, DataRequestSupport
from ...reader import Reader, reader_of
from ...submissions import abuse, choices, confirm, mail, sender_link
from ..submission_validators import limits_as_errors
from ..submission_schema import (LIST_LIMIT, request_create_schema, request_id_schema, request_list_schema,
                                 request_merge_schema, request_respond_schema, request_toggle_schema,
                                 request_update_schema)

log = logging.getLogger(__name__)

__all__ = ["nakano_request_create", "nakano_request_show", "nakano_request_list", "nakano_request_update",
           "nakano_request_respond", "nakano_request_support", "nakano_request_follow", "nakano_request_merge"]

RECEIVED = mail.N_("A data request for your department: “%(title)s”.\n\n%(link)s")
CHANGED = mail.N_("The data request “%(title)s” is now: %(status)s.\n\n%(answer)s\n\n%(link)s")
SUBJECT_RECEIVED = mail.N_("A new data request")
SUBJECT_CHANGED = mail.N_("A data request you follow was answered")
SUBJECT_YOURS_CHANGED = mail.N_("Your data request was answered")


def _environ() -> dict[str, Any] | None:
    return flask.request.environ if flask.has_request_context() else None


def _rate(reader: Reader) -> None:
    """Requests sent and edited count against the hourly limits (submissions/abuse.py)."""
    with limits_as_errors():
        abuse.check_rate("request", reader.user_id, _environ())


def _find(data_dict: DataDict, reader: Reader, key: str | None = None) -> DataRequest:
    request = model.Session.get(DataRequest, int(data_dict["id"]))
    if request is None or not store.may_see(reader, request, key):
        raise tk.ObjectNotFound(messages.say("request-not-found"))
    return request


def _link(request: DataRequest) -> str:
    return tk.url_for("nakano_request.read", id=request.id, _external=True)


def sender_page(request: DataRequest) -> str:
    """The request's page for its requester: with the key of a visitor without an account."""
    return sender_link.link("nakano_request.read", "request", str(request.id),
                            None if request.requester_id else request.requester_email, id=str(request.id))


def _shown(request: DataRequest, reader: Reader, history: bool = True) -> dict[str, Any]:
    supported = following = None
    if reader.user_id:
        supported = model.Session.get(DataRequestSupport, (request.id, reader.user_id)) is not None
        following = model.Session.get(DataRequestFollow, (request.id, reader.user_id)) is not None
    shown = store.dictize(request, reader, supported=supported, following=following)
    if history:
        shown["history"] = store.history(request.id)
    return shown


def _department(value: str | None) -> str | None:
    if not value:
        return None
    org = model.Group.get(value)
    if org is None or not org.is_organization or org.state != "active":
        raise tk.ValidationError({"department": [messages.say("request-unknown-department", {"value": value})]})
    return org.id


@tk.validate(request_create_schema)
def nakano_request_create(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Ask for data (データ要望).

    :param title: what data; :param description: more about it
    :param purpose: business, research, press, community, personal, other; :param purpose_text: for what
    :param format_wanted: e.g. CSV; :param department: the department, if known (name or id)
    :param inventory_item: an item of the register it asks for (id); routes it to its department
    :param show_name: show the requester's name on the request (default: no)
    :param email: a visitor without an account: the address the confirmation link goes to
    :returns: the request (listed, held for review, or waiting for the e-mail confirmation)
    """
    tk.check_access("nakano_request_create", context, data_dict)
    reader = reader_of(context)
    org_id = _department(data_dict.get("department"))
    item = inventory_link.listed_item(data_dict.get("inventory_item"), reader) if data_dict.get("inventory_item") \
        else None
    if item is not None:
        if org_id and item.organization_id != org_id:   # the department answers with its own register
            raise tk.ValidationError({"inventory_item": [messages.say(
                "request-unknown-item", {"value": data_dict["inventory_item"]})]})
        org_id = org_id or item.organization_id
        data_dict["inventory_item_id"] = item.id
    _rate(reader)
    earlier = 0
    if reader.user_id:
        earlier = model.Session.query(DataRequest.id).filter(
            DataRequest.requester_id == reader.user_id, DataRequest.state.in_(store.LISTED)).count()
    held = abuse.needs_moderation(earlier, [data_dict.get("title") or "", data_dict.get("description") or "",
                                            data_dict.get("purpose_text") or ""], account=reader.user is not None)
    if reader.sysadmin and reader.user is not None:
        held = None   # the office's own requests are listed at once
    request = store.create(data_dict, org_id, reader.user_id, None if reader.user is not None else data_dict["email"],
                           held)
    if request.state == "unconfirmed":
        with limits_as_errors():
            confirm.start("request", str(request.id), data_dict["email"])
    model.Session.commit()
    if request.state == "active":
        notify_department(request)
    return _shown(request, reader)


def confirmed(request_id: str) -> str | None:
    """Its sender opened the confirmation link: the request waits for review (a visitor's is
    never listed unseen). Returns its page for the sender."""
    request = model.Session.get(DataRequest, int(request_id))
    if request is None:
        return None
    if request.state == "unconfirmed":
        request.state, request.held_reason = "pending", request.held_reason or "unconfirmed-visitor"
        model.Session.commit()
    return sender_page(request)


def notify_department(request: DataRequest) -> None:
    if request.organization_id:
        mail.send(mail.staff_of([request.organization_id]), mail.subject(SUBJECT_RECEIVED),
                  mail.both_languages(RECEIVED, title=request.title, link=_link(request)))


@tk.side_effect_free
@tk.validate(request_id_schema)
def nakano_request_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """One request, with its history of answers.

    :param id: its number
    :param key: the key of the links mailed to a requester without an account (their request, read only)
    """
    tk.check_access("nakano_request_show", context, data_dict)
    reader = reader_of(context)
    return _shown(_find(data_dict, reader, data_dict.get("key")), reader)


@tk.side_effect_free
@tk.validate(request_list_schema)
def nakano_request_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Listed requests, searched and filtered (or, with ``state``, those held for review that
    the reader may see).

    :param q: words; :param status, department, purpose: filters (lists, or texts with commas)
    :param sort: newest (default), supported (most supported), waiting (waiting longest for an answer) or
        changed (last changed first)
    :param limit: at most 100; :param offset
    :param mine: true for the reader's own requests, in every state (or in ``state``)
    :param followed: true for the listed requests of others that the reader follows
    :returns: ``count``, ``results`` and ``facets``
    """
    tk.check_access("nakano_request_list", context, data_dict)
    reader = reader_of(context)
    filters = {name: data_dict.get(name) or [] for name in store.FACETS}
    if filters["department"]:
        filters["department"] = department_ids(filters["department"])
    found = store.search(reader, data_dict.get("q") or "", filters, data_dict["sort"],
                         min(int(data_dict["limit"]), LIST_LIMIT), int(data_dict["offset"]), data_dict.get("state"),
                         data_dict["facets"], mine=data_dict["mine"], followed=data_dict["followed"])
    # Every department named on the page, looked up once.
    known = departments([r.organization_id for r in found.requests]
                              + [v for v, _ in found.facets.get("department", [])])
    return {"count": found.count,
            "results": [store.dictize(r, reader, known_departments=known) for r in found.requests],
            "facets": {name: [{"value": v, "count": n, "label": _facet_label(name, v, known)} for v, n in rows]
                       for name, rows in found.facets.items()}}


def _facet_label(name: str, value: str, known: dict[str, dict[str, Any]]) -> str:
    if name == "department":
        return (known.get(value) or {}).get("title", value)
    return choices.label("data_request", name, value)


@tk.validate(request_update_schema)
def nakano_request_update(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Change a request: its requester what is asked; the office also the department; the
    office and the department's admins whether it is listed (``state``: active or hidden).

    :param id: its number; other parameters as nakano_request_create, plus ``state``
    """
    reader = reader_of(context)
    request = _find(data_dict, reader)
    tk.check_access("nakano_request_update", context, {"id": request.id, **data_dict})
    _rate(reader)
    fields = {k: data_dict[k] for k in (*store.ASKED, "show_name", "state") if k in data_dict}
    if "department" in data_dict:
        fields["organization_id"] = _department(data_dict["department"])
    if store.is_requester(reader, request) and not reader.sysadmin and request.state == "active":
        # An edit goes through the office's word list as a new request does.
        texts = [str(fields.get(k, getattr(request, k)) or "") for k in ("title", "description", "purpose_text")]
        if abuse.flagged_words(*texts):
            fields["state"], request.held_reason = "pending", abuse.FLAGGED_WORDS
    was = request.state
    store.edit(request, fields, reader.user_id)
    model.Session.commit()
    if was != "active" and request.state == "active":
        notify_department(request)
    return _shown(request, reader)


def _answer(data_dict: DataDict, request: DataRequest, reader: Reader) -> dict[str, Any]:
    """The answer's fields, checked: 公開予定 needs a month, 公開済 a dataset, 対応できません a reason."""
    status = data_dict["status"]
    answer: dict[str, Any] = {"status": status, "answer": data_dict.get("answer") or ""}
    if status == "planned":
        if not data_dict.get("planned_month"):
            raise tk.ValidationError({"planned_month": [messages.say("request-month-needed")]})
        answer["planned_month"] = data_dict["planned_month"]
    if status == "published":
        pkg = model.Package.get(data_dict.get("dataset") or "")
        if pkg is None or pkg.state != "active" or pkg.private:
            raise tk.ValidationError({"dataset": [messages.say("request-dataset-needed")]})
        answer["dataset_id"] = pkg.id
    if status == "declined":
        reason = data_dict.get("decline_reason")
        if reason not in [c["value"] for c in inventory_schema.field("closed_reason").choices]:
            raise tk.ValidationError({"decline_reason": [messages.say("request-reason-needed")]})
        answer["decline_reason"] = reason
    if data_dict.get("inventory_item"):
        item = inventory_link.item_of_department(data_dict["inventory_item"], request.organization_id)
        if item is None:
            raise tk.ValidationError({"inventory_item": [messages.say(
                "request-unknown-item", {"value": data_dict["inventory_item"]})]})
        answer["inventory_item_id"] = item.id
    else:
        answer["inventory_item_id"] = request.inventory_item_id
    return answer


@tk.validate(request_respond_schema)
def nakano_request_respond(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The department's answer (its editors and admins, or the office).

    :param id: its number; :param status: received, considering, planned, published, declined
    :param planned_month: with planned (2027-04, 令和9年4月 …); :param dataset: with published (id or name)
    :param decline_reason: with declined, a code of the register's 非公開理由 (personal, corporate …)
    :param answer: the department's words, shown on the request
    :param inventory_item: an item of the department's register this request is about (id or 管理番号)
    :param create_inventory_item: register a new item from the request (its status follows the answer)
    """
    reader = reader_of(context)
    request = _find(data_dict, reader)
    tk.check_access("nakano_request_respond", context, {"id": request.id})
    if request.state == "merged":
        raise tk.ValidationError({"id": [messages.say("request-not-merged", {"target": request.merged_into})]})
    answer = _answer(data_dict, request, reader)
    # The register first: its actions check and commit on their own, and a refusal there
    # (a month already past …) must leave the request unchanged.
    if data_dict.get("create_inventory_item") and not answer.get("inventory_item_id") and request.organization_id:
        answer["inventory_item_id"] = inventory_link.new_item(request, answer, reader).id
    elif answer.get("inventory_item_id"):
        inventory_link.follow_answer(answer["inventory_item_id"], request, answer, reader)
    by_department = request.organization_id is not None and request.organization_id in reader.editor_of
    said_before = request.answer
    changes = store.respond(request, answer, reader.user_id, by_department or reader.sysadmin)
    model.Session.commit()
    if changes or request.answer != said_before:
        _tell_followers(request)
    return _shown(request, reader)


def _tell_followers(request: DataRequest) -> None:
    """Mail the answer, with what its status says, to the requester ("your request") and the
    followers ("a request you follow")."""
    status = " / ".join(dict.fromkeys(wording.status_text(request, lang) for lang in ("ja", "en")))

    def body(link: str) -> str:
        return mail.both_languages(CHANGED, title=request.title, status=status, answer=request.answer or "",
                                   link=link)
    following = [u for u in store.followers(request) if u.email]   # the requester too, unless they stopped
    mail.send([(u.display_name, u.email) for u in following if u.id != request.requester_id],
              mail.subject(SUBJECT_CHANGED), body(_link(request)))
    mail.send([(u.display_name, u.email) for u in following if u.id == request.requester_id],
              mail.subject(SUBJECT_YOURS_CHANGED), body(_link(request)))
    if request.requester_email and not request.requester_id:
        # A visitor's request may not be listed: their own link shows it to them.
        mail.send([(request.requester_email, request.requester_email)], mail.subject(SUBJECT_YOURS_CHANGED),
                  body(sender_page(request)))


@tk.validate(lambda: request_toggle_schema("support"))
def nakano_request_support(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """「私も必要」: support a listed request (one per account); ``support: false`` takes it back.

    :param id: its number; :param support: true (default) or false
    """
    reader = reader_of(context)
    request = _find(data_dict, reader)
    tk.check_access("nakano_request_support", context, {"id": request.id})
    if request.state != "active":
        raise tk.ObjectNotFound(messages.say("request-not-found"))
    store.support(request, reader.user_id or "", data_dict["support"])
    model.Session.commit()
    return {"id": request.id, "supporters": request.supporters, "supported": data_dict["support"]}


@tk.validate(lambda: request_toggle_schema("follow"))
def nakano_request_follow(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Be mailed of each change of a request; ``follow: false`` stops it.

    :param id: its number; :param follow: true (default) or false
    """
    reader = reader_of(context)
    request = _find(data_dict, reader)
    tk.check_access("nakano_request_follow", context, {"id": request.id})
    store.follow(request, reader.user_id or "", data_dict["follow"])
    model.Session.commit()
    return {"id": request.id, "following": data_dict["follow"]}


@tk.validate(request_merge_schema)
def nakano_request_merge(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Merge a duplicate into another request (an admin of both requests' department, or the
    office): its supporters and followers are carried over.

    :param id: the duplicate's number; :param into: the request it duplicates
    """
    reader = reader_of(context)
    duplicate = _find(data_dict, reader)
    target = _find({"id": data_dict["into"]}, reader)
    tk.check_access("nakano_request_merge", context, {"id": duplicate.id, "into": target.id})
    if duplicate.id == target.id:
        raise tk.ValidationError({"into": [messages.say("request-merge-self")]})
    if duplicate.state == "merged":
        raise tk.ValidationError({"id": [messages.say("request-not-merged", {"target": duplicate.merged_into})]})
    if target.state == "merged":
        raise tk.ValidationError({"into": [messages.say("request-not-merged", {"target": target.merged_into})]})
    store.merge(duplicate, target, reader.user_id)
    model.Session.commit()
    return _shown(target, reader)
