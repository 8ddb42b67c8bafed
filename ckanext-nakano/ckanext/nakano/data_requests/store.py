"""データ要望 (data requests): saving them, the departments' answers, support, following,
merging, and finding them.

Who sees a request: anyone once it is listed (``state`` active or merged); its requester,
the office (sysadmins) and the department it is routed to always. Who answers: the
department's editors and admins, and the office. Who reassigns it to another department:
the office. Who merges duplicates: an admin of the department, or the office.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any, Iterable

import sqlalchemy as sa

from ckan import model

from ..inventory import schema as inventory_schema
from ..departments import departments
from ..folded_text import contains_words, searchable
from ..paged import page_and_total
from ..submissions import sender_link
from ..model import DataRequest, DataRequestChange, DataRequestFollow, DataRequestSupport
from ..reader import Reader
from ..submissions import choices

__all__ = ["ASKED", "ANSWER", "create", "record", "respond", "support", "follow", "merge", "history",
           "followers", "may_see", "may_answer", "may_merge", "dictize", "search", "Found", "FACETS", "LISTED"]

SCHEMA = "data_request"
# What the requester writes.
ASKED = ("title", "description", "purpose", "purpose_text", "format_wanted")
# What a department's answer sets.
ANSWER = ("status", "planned_month", "dataset_id", "inventory_item_id", "decline_reason", "answer")
LISTED = ("active", "merged")


def _now() -> datetime.datetime:
    return datetime.datetime.utcnow()


def _search_text(request: DataRequest) -> str:
    parts = [request.title, request.description, request.purpose_text, request.format_wanted,
             choices.label(SCHEMA, "purpose", request.purpose, "ja")]
    org = model.Group.get(request.organization_id) if request.organization_id else None
    if org is not None:
        parts.append(org.title)
    return searchable(" ".join(p for p in parts if p))


def record(request: DataRequest, kind: str, changes: dict[str, Any], user_id: str | None, note: str = "") -> None:
    model.Session.add(DataRequestChange(request_id=request.id, kind=kind, changes=changes, user_id=user_id,
                                        note=note or ""))


def create(fields: dict[str, Any], organization_id: str | None, requester_id: str | None,
           requester_email: str | None, held_reason: str | None) -> DataRequest:
    """A new request: waiting for its e-mail confirmation (a visitor without an account),
    held for moderation (``held_reason``: the first of an account, a listed word) or listed."""
    if requester_email and not requester_id:
        state = "unconfirmed"
    else:
        state = "pending" if held_reason else "active"
    request = DataRequest(state=state, held_reason=held_reason, organization_id=organization_id,
                          requester_id=requester_id, requester_email=requester_email or None,
                          show_name=bool(fields.get("show_name")),
                          inventory_item_id=fields.get("inventory_item_id") or None,
                          **{k: fields.get(k) or "" for k in ASKED})
    request.search_text = _search_text(request)
    model.Session.add(request)
    model.Session.flush()
    record(request, "created", {"state": [None, state]}, requester_id)
    if requester_id:
        model.Session.add(DataRequestFollow(request_id=request.id, user_id=requester_id))
    return request


def edit(request: DataRequest, fields: dict[str, Any], user_id: str | None) -> dict[str, list[Any]]:
    """The requester's or the office's changes of what is asked, the department (office) and
    the listing state (moderators). Returns the changes recorded."""
    changes: dict[str, list[Any]] = {}
    for key in (*ASKED, "organization_id", "state", "show_name"):
        if key in fields and fields[key] != getattr(request, key):
            changes[key] = [getattr(request, key), fields[key]]
            setattr(request, key, fields[key])
    if changes:
        if "state" in changes and request.state == "active":
            request.held_reason = None
        request.search_text = _search_text(request)
        request.modified = _now()
        record(request, "edited", changes, user_id)
    return changes


def respond(request: DataRequest, answer: dict[str, Any], user_id: str | None,
            by_department: bool) -> dict[str, list[Any]]:
    """The department's answer: a status (with its month, dataset or reason) and a text.
    The first answer of the department starts nothing new but is dated (days to first answer)."""
    changes: dict[str, list[Any]] = {}
    for key in ANSWER:
        if key == "answer":
            continue
        new = answer.get(key) or None
        if key == "status":
            new = new or request.status
        old = getattr(request, key)
        if new != old:
            changes[key] = [old, new]
            setattr(request, key, new)
    now = _now()
    if "status" in changes:
        request.status_since = now
    # The form shows the current text: it is said again (history, mail) only when it changed.
    text = (answer.get("answer") or "").strip()
    said = text if text and text != (request.answer or "") else ""
    if said:
        request.answer = said
    if by_department and request.first_answer is None:
        request.first_answer = now
    request.modified = now
    record(request, "answered", changes, user_id, said)
    return changes


def _toggle(table: Any, request: DataRequest, user_id: str, on: bool) -> None:
    """The account's row of ``table`` (support or follow) for the request, added or removed."""
    row = model.Session.get(table, (request.id, user_id))
    if on and row is None:
        model.Session.add(table(request_id=request.id, user_id=user_id))
    elif not on and row is not None:
        model.Session.delete(row)


def support(request: DataRequest, user_id: str, on: bool) -> bool:
    """「私も必要」 (one per account); returns whether the account now supports it."""
    _toggle(DataRequestSupport, request, user_id, on)
    model.Session.flush()
    request.supporters = model.Session.query(sa.func.count()).select_from(DataRequestSupport).filter(
        DataRequestSupport.request_id == request.id).scalar() or 0
    return on


def follow(request: DataRequest, user_id: str, on: bool) -> bool:
    """Mail of the request's answers to the account; returns whether it now follows it."""
    _toggle(DataRequestFollow, request, user_id, on)
    return on


def merge(duplicate: DataRequest, target: DataRequest, user_id: str | None) -> None:
    """The duplicate points to the target; its supporters and followers carry over (once each)."""
    for table in (DataRequestSupport, DataRequestFollow):
        have = {u for (u,) in model.Session.query(table.user_id).filter(table.request_id == target.id)}
        for (user,) in model.Session.query(table.user_id).filter(table.request_id == duplicate.id):
            if user not in have:
                model.Session.add(table(request_id=target.id, user_id=user))
    if duplicate.requester_id:
        supported = model.Session.get(DataRequestSupport, (target.id, duplicate.requester_id))
        if supported is None and duplicate.requester_id != target.requester_id:
            model.Session.add(DataRequestSupport(request_id=target.id, user_id=duplicate.requester_id))
    model.Session.flush()
    target.supporters = model.Session.query(sa.func.count()).select_from(DataRequestSupport).filter(
        DataRequestSupport.request_id == target.id).scalar() or 0
    record(duplicate, "merged", {"merged_into": [None, target.id], "state": [duplicate.state, "merged"]}, user_id)
    record(target, "merged-in", {"merged_from": [None, duplicate.id]}, user_id)
    duplicate.state, duplicate.merged_into, duplicate.modified = "merged", target.id, _now()
    target.modified = _now()


def history(request_id: int) -> list[dict[str, Any]]:
    rows = (model.Session.query(DataRequestChange).filter(DataRequestChange.request_id == request_id)
            .order_by(DataRequestChange.ts, DataRequestChange.id).all())
    return [{"ts": r.ts.isoformat(), "kind": r.kind, "changes": r.changes, "note": r.note,
             "by_department": bool(r.user_id) and r.kind == "answered"} for r in rows]


def followers(request: DataRequest) -> list[model.User]:
    """Accounts told of each change: the followers (the requester follows their own)."""
    return (model.Session.query(model.User).join(DataRequestFollow, DataRequestFollow.user_id == model.User.id)
            .filter(DataRequestFollow.request_id == request.id, model.User.state == "active").all())


# --- who may ----------------------------------------------------------------------------------

def is_requester(reader: Reader, request: DataRequest) -> bool:
    return reader.user_id is not None and reader.user_id == request.requester_id


def may_answer(reader: Reader, request: DataRequest) -> bool:
    return reader.sysadmin or (request.organization_id is not None and reader.may_edit(request.organization_id))


def may_merge(reader: Reader, request: DataRequest) -> bool:
    return reader.administers(request.organization_id)


def may_see(reader: Reader, request: DataRequest, key: str | None = None) -> bool:
    """Listed ones; else its requester (signed in, or a visitor with the key of their mails:
    submissions/sender_link.py) and those who answer it."""
    return (request.state in LISTED or is_requester(reader, request) or may_answer(reader, request)
            or (request.organization_id is None and reader.sysadmin)
            or sender_link.holds("request", str(request.id), request.requester_email, key))


# --- showing ----------------------------------------------------------------------------------

def _requester_name(request: DataRequest) -> str | None:
    """Shown only if the requester chose so."""
    if not request.show_name or not request.requester_id:
        return None
    user = model.User.get(request.requester_id)
    return (user.fullname or user.name) if user is not None else None


def _dataset(dataset_id: str | None) -> dict[str, Any] | None:
    pkg = model.Package.get(dataset_id) if dataset_id else None
    if pkg is None or pkg.state != "active" or pkg.private:
        return None
    return {"id": pkg.id, "name": pkg.name, "title": pkg.title}


def _department(org_id: str | None, known: dict[str, dict[str, Any]] | None = None) -> dict[str, Any] | None:
    if not org_id:
        return None
    if known is not None:
        return known.get(org_id)
    return departments([org_id]).get(org_id)


def dictize(request: DataRequest, reader: Reader, lang: str | None = None, supported: bool | None = None,
            following: bool | None = None, known_departments: dict[str, dict[str, Any]] | None = None,
            ) -> dict[str, Any]:
    """The request as the reader may see it; no e-mail address to anyone, the requester's
    name only if they chose to show it; the moderation state to those who moderate."""
    staff = may_answer(reader, request) or reader.sysadmin
    out: dict[str, Any] = {
        "id": request.id, **{k: getattr(request, k) for k in ASKED},
        "department": _department(request.organization_id, known_departments),
        "status": request.status, "status_since": request.status_since.isoformat(),
        "planned_month": request.planned_month, "dataset": _dataset(request.dataset_id),
        "inventory_item_id": request.inventory_item_id, "decline_reason": request.decline_reason,
        "answer": request.answer, "supporters": request.supporters,
        "requester": _requester_name(request), "created": request.created.isoformat(),
        "first_answer": request.first_answer.isoformat() if request.first_answer else None,
        "merged_into": request.merged_into, "state": request.state,
        "labels": {"purpose": choices.label(SCHEMA, "purpose", request.purpose, lang),
                   "status": choices.label(SCHEMA, "status", request.status, lang),
                   "state": choices.label(SCHEMA, "state", request.state, lang)},
    }
    if request.decline_reason:   # the register's 非公開理由
        out["labels"]["decline_reason"] = inventory_schema.choice_label("closed_reason", request.decline_reason, lang)
    if staff or is_requester(reader, request):
        out["held_reason"] = request.held_reason
        out["may_answer"] = may_answer(reader, request)
        out["may_merge"] = may_merge(reader, request)
        # What is asked: its requester, or an admin of its department (logic/submission_auth.py).
        out["may_edit"] = request.state != "merged" and (is_requester(reader, request) or out["may_merge"])
    if supported is not None:
        out["supported"] = supported
    if following is not None:
        out["following"] = following
    return out


# --- finding ----------------------------------------------------------------------------------

FACETS = ("status", "department", "purpose")
_COLUMNS = {"status": DataRequest.status, "department": DataRequest.organization_id, "purpose": DataRequest.purpose}
SORTS = {"newest": (DataRequest.created.desc(), DataRequest.id.desc()),
         "supported": (DataRequest.supporters.desc(), DataRequest.created.desc()),
         # Open ones first, the longest waiting for an answer first.
         "waiting": (sa.case((DataRequest.status.in_(("received", "considering")), 0), else_=1),
                     DataRequest.status_since, DataRequest.id),
         # Last changed first: a person's own list, where an answer is news.
         "changed": (DataRequest.modified.desc(), DataRequest.id.desc())}


@dataclass
class Found:
    count: int
    requests: list[DataRequest]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


def _visible(reader: Reader, state: str | None, mine: bool = False, followed: bool = False) -> sa.ColumnElement[bool]:
    """Listed ones for everybody; with ``state``, those the reader answers or sent; with
    ``mine`` the reader's own in every state (or in ``state``), with ``followed`` the listed ones
    of others the reader follows (the requester follows their own)."""
    if mine or followed:
        if not reader.user_id:
            return sa.false()
        chosen = []
        if mine:
            own = DataRequest.requester_id == reader.user_id
            chosen.append(sa.and_(own, DataRequest.state == state) if state else own)
        if followed:
            of_others = sa.or_(DataRequest.requester_id.is_(None), DataRequest.requester_id != reader.user_id)
            follows = sa.select(DataRequestFollow.request_id).where(DataRequestFollow.user_id == reader.user_id)
            chosen.append(sa.and_(DataRequest.state == "active", of_others, DataRequest.id.in_(follows)))
        return sa.or_(*chosen)
    if not state or state == "active":
        return DataRequest.state == "active"
    conditions = [DataRequest.state == state]
    if not reader.sysadmin:
        mine = [DataRequest.requester_id == reader.user_id] if reader.user_id else []
        conditions.append(sa.or_(DataRequest.organization_id.in_(reader.editor_of or {""}), *mine))
    return sa.and_(*conditions)


def search(reader: Reader, q: str = "", filters: dict[str, list[str]] | None = None, sort: str = "newest",
           limit: int = 20, offset: int = 0, state: str | None = None, facets: bool = True,
           ids: Iterable[int] | None = None, mine: bool = False, followed: bool = False) -> Found:
    base = [_visible(reader, state, mine, followed)]
    base += contains_words(DataRequest.search_text, q)
    if ids is not None:
        base.append(DataRequest.id.in_(list(ids)))
    active = {k: v for k, v in (filters or {}).items() if k in FACETS and v}
    where = sa.and_(*base, *(_COLUMNS[n].in_(v) for n, v in active.items()))
    order = SORTS.get(sort, SORTS["newest"])
    if not facets:
        rows, total = page_and_total(DataRequest, where, order, limit, offset)
        return Found(total, rows)
    rows = model.Session.query(DataRequest).filter(where).order_by(*order).limit(limit).offset(offset).all()
    counted: dict[str, list[tuple[str, int]]] = {}
    if not active:
        # The total and every facet in one pass over the matches (GROUPING SETS): five scans of
        # the table were half of /request's time at 10,000 requests (bench/README.md, issue 20).
        names = list(_COLUMNS)
        sets = sa.func.grouping_sets(sa.tuple_(), *[sa.tuple_(_COLUMNS[n]) for n in names])
        found = (model.Session.query(*[_COLUMNS[n].label(n) for n in names],
                                     sa.func.grouping(*[_COLUMNS[n] for n in names]).label("g"),
                                     sa.func.count().label("n")).filter(where).group_by(sets).all())
        everything = (1 << len(names)) - 1
        count = next((int(r.n) for r in found if r.g == everything), 0)
        for position, name in enumerate(names):
            mask = everything & ~(1 << (len(names) - 1 - position))   # only this column grouped
            counted[name] = _sorted((getattr(r, name), r.n) for r in found if r.g == mask)
        return Found(count, rows, counted)
    count = model.Session.query(sa.func.count(DataRequest.id)).filter(where).scalar() or 0
    for name, column in _COLUMNS.items():
        others = sa.and_(*base, *(_COLUMNS[n].in_(v) for n, v in active.items() if n != name))
        found = model.Session.query(column, sa.func.count()).filter(others, column.isnot(None)).group_by(column)
        counted[name] = _sorted(found)
    return Found(int(count), rows, counted)


def _sorted(found: Iterable[Any]) -> list[tuple[str, int]]:
    return sorted(((str(v), int(n)) for v, n in found if v), key=lambda x: (-x[1], x[0]))
