"""活用事例 (reuses): saving, moderating, finding and showing them.

Who sees a reuse: anyone once it is published; its submitter and its moderators (a
sysadmin, or an admin of a department whose dataset it uses) always. Who changes it: the
submitter (an edit of a published reuse waits in ``proposed`` for a moderator, so the
approved text stays online) and its moderators.
"""
from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable

import sqlalchemy as sa

from ckan import model

from ..folded_text import contains_words, searchable
from ..paged import page_and_total
from ..romaji import romanised_slug
from ..model import Reuse, ReuseDataset
from ..reader import Reader
from ..submissions import choices, sender_link

__all__ = ["EDITABLE", "create", "update", "moderate", "withdraw", "find", "datasets_of", "departments_of",
           "may_moderate", "may_see", "may_edit", "dictize", "search", "Found", "FACETS"]

# What the submitter writes (the datasets and the image are kept apart).
EDITABLE = ("title", "kind", "url", "description", "provider", "provider_kind")
SCHEMA = "reuse"
# Names of pages under /showcase/ (reuses/pages.py): a reuse so named would be hidden.
RESERVED = {"new", "moderate"}
# Names of the lessons' own reuses (learn/publish.py): a submitted reuse never takes one.
LESSON_PREFIX = "lesson-"


def _now() -> datetime.datetime:
    return datetime.datetime.utcnow()


def _name(title: str) -> str:
    """A readable URL name: the title in Latin letters, made unique with a short suffix."""
    base = romanised_slug(title, 60) or "reuse"
    if base.startswith(LESSON_PREFIX):
        base = "reuse-" + base
    name = base
    while name in RESERVED or model.Session.query(Reuse.id).filter(Reuse.name == name).first() is not None:
        name = f"{base}-{uuid.uuid4().hex[:6]}"
    return name


def _search_text(reuse: Reuse, dataset_titles: Iterable[str]) -> str:
    parts = [reuse.title, reuse.description, reuse.provider, choices.label(SCHEMA, "kind", reuse.kind, "ja"),
             choices.label(SCHEMA, "provider_kind", reuse.provider_kind, "ja"), *dataset_titles]
    return searchable(" ".join(p for p in parts if p))


def _set_datasets(reuse: Reuse, package_ids: list[str]) -> None:
    model.Session.query(ReuseDataset).filter(ReuseDataset.reuse_id == reuse.id).delete()
    for package_id in dict.fromkeys(package_ids):
        model.Session.add(ReuseDataset(reuse_id=reuse.id, package_id=package_id))


def _titles(package_ids: list[str]) -> list[str]:
    if not package_ids:
        return []
    return [t for (t,) in model.Session.query(model.Package.title).filter(model.Package.id.in_(package_ids))]


def create(fields: dict[str, Any], package_ids: list[str], submitter_id: str | None,
           submitter_email: str | None, image: str | None = None) -> Reuse:
    """A new reuse: pending moderation, or waiting for its e-mail confirmation when a visitor
    without an account sent it."""
    reuse = Reuse(id=str(uuid.uuid4()), name=_name(fields["title"]), image=image,
                  state="unconfirmed" if submitter_email and not submitter_id else "pending",
                  submitter_id=submitter_id, submitter_email=submitter_email or None,
                  **{k: fields.get(k) or "" for k in EDITABLE})
    model.Session.add(reuse)
    model.Session.flush()
    _set_datasets(reuse, package_ids)
    reuse.search_text = _search_text(reuse, _titles(package_ids))
    return reuse


def departments_of_datasets(package_ids: list[str]) -> set[str]:
    if not package_ids:
        return set()
    rows = model.Session.query(model.Package.owner_org).filter(model.Package.id.in_(package_ids),
                                                               model.Package.owner_org.isnot(None)).distinct()
    return {org for (org,) in rows}


def may_publish_edit(reader: Reader, reuse: Reuse, package_ids: list[str]) -> bool:
    """Whether an edit of a published reuse takes effect at once: a sysadmin's, or a moderator's
    who is not its submitter and administers every department whose datasets it then uses (an
    admin must not put a text on another department's pages unseen)."""
    if reader.sysadmin:
        return True
    wanted = departments_of(reuse) | departments_of_datasets(package_ids)
    return not is_submitter(reader, reuse) and bool(wanted) and all(reader.administers(o) for o in wanted)


def update(reuse: Reuse, fields: dict[str, Any], package_ids: list[str], image: str | None,
           reader: Reader) -> str:
    """Apply an edit, or hold it for moderation. Returns what happened: ``applied`` or
    ``proposed`` (a published reuse edited by anyone but a moderator of all it touches)."""
    if reuse.state == "published" and not may_publish_edit(reader, reuse, package_ids):
        proposed = {k: fields.get(k) or "" for k in EDITABLE}
        proposed["datasets"] = list(dict.fromkeys(package_ids))
        if image:
            proposed["image"] = image
        reuse.proposed, reuse.modified = proposed, _now()
        return "proposed"
    for key in EDITABLE:
        setattr(reuse, key, fields.get(key) or "")
    if image:
        reuse.image = image
    _set_datasets(reuse, package_ids)
    if reuse.state in ("rejected", "withdrawn") and not reader.sysadmin:
        reuse.state, reuse.reject_reason = "pending", None   # sent again, for a new review
    reuse.search_text = _search_text(reuse, _titles(package_ids))
    reuse.modified = _now()
    return "applied"


def moderate(reuse: Reuse, approve: bool, reason: str, reader: Reader) -> None:
    """Approve (publish it, or apply its proposed edit) or reject (with the reason the
    submitter reads; a proposed edit is dropped, the published text stays)."""
    now = _now()
    if reuse.proposed:
        proposed, reuse.proposed = dict(reuse.proposed), None
        if approve:
            for key in EDITABLE:
                setattr(reuse, key, proposed.get(key, getattr(reuse, key)))
            if proposed.get("image"):
                reuse.image = proposed["image"]
            _set_datasets(reuse, proposed.get("datasets") or [d["id"] for d in datasets_of([reuse.id])[reuse.id]])
            reuse.search_text = _search_text(reuse, _titles([d["id"] for d in datasets_of([reuse.id])[reuse.id]]))
            reuse.reject_reason = None
        else:
            reuse.reject_reason = reason
    elif approve:
        reuse.state, reuse.reject_reason = "published", None
        reuse.published = reuse.published or now
    else:
        reuse.state, reuse.reject_reason = "rejected", reason
    reuse.moderated_by, reuse.modified = reader.user_id, now


def withdraw(reuse: Reuse) -> None:
    reuse.state, reuse.proposed, reuse.modified = "withdrawn", None, _now()


def find(id_or_name: str) -> Reuse | None:
    return (model.Session.query(Reuse).filter(sa.or_(Reuse.id == id_or_name, Reuse.name == id_or_name))
            .first())


def datasets_of(reuse_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """The datasets each reuse uses (active ones), with what a page shows of them."""
    ids = list(reuse_ids)
    found: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = (model.Session.query(ReuseDataset.reuse_id, model.Package)
            .join(model.Package, model.Package.id == ReuseDataset.package_id)
            .filter(ReuseDataset.reuse_id.in_(ids), model.Package.state == "active")
            .order_by(model.Package.title).all())
    for reuse_id, pkg in rows:
        found[reuse_id].append({"id": pkg.id, "name": pkg.name, "title": pkg.title, "private": pkg.private,
                                "organization_id": pkg.owner_org})
    return found


def departments_of(reuse: Reuse) -> set[str]:
    """The departments whose datasets the reuse uses (their admins moderate it)."""
    rows = (model.Session.query(model.Package.owner_org)
            .join(ReuseDataset, ReuseDataset.package_id == model.Package.id)
            .filter(ReuseDataset.reuse_id == reuse.id, model.Package.owner_org.isnot(None)).distinct())
    return {org for (org,) in rows}


def may_moderate(reader: Reader, reuse: Reuse, departments: set[str] | None = None) -> bool:
    """``departments``: those of its datasets when the caller has them (a list page)."""
    if reader.sysadmin:
        return True
    if not reader.admin_of:
        return False
    return any(reader.administers(org) for org in (departments if departments is not None
                                                   else departments_of(reuse)))


def is_submitter(reader: Reader, reuse: Reuse) -> bool:
    return reader.user_id is not None and reader.user_id == reuse.submitter_id


def may_see(reader: Reader, reuse: Reuse, key: str | None = None) -> bool:
    """Published ones; else its submitter (signed in, or a visitor with the key of their mails:
    submissions/sender_link.py) and its moderators."""
    return (reuse.state == "published" or is_submitter(reader, reuse) or may_moderate(reader, reuse)
            or sender_link.holds("reuse", reuse.id, reuse.submitter_email, key))


def may_edit(reader: Reader, reuse: Reuse, departments: set[str] | None = None) -> bool:
    return reuse.state != "unconfirmed" and (is_submitter(reader, reuse) or may_moderate(reader, reuse, departments))


def _user_name(user_id: str | None) -> str | None:
    user = model.User.get(user_id) if user_id else None
    return user.name if user is not None else None


def dictize(reuse: Reuse, reader: Reader, datasets: list[dict[str, Any]], image_url: str | None,
            lang: str | None = None) -> dict[str, Any]:
    """The reuse as the reader may see it. Its submitter and moderators also get its state,
    the rejection's reason and a proposed edit; nobody gets the submitter's e-mail address."""
    departments = {d["organization_id"] for d in datasets if d["organization_id"]}
    moderator = may_moderate(reader, reuse, departments)
    own = is_submitter(reader, reuse)
    # A private dataset only to those who may see it (its department's members), whoever moderates.
    shown = [d for d in datasets if not d["private"] or reader.sysadmin or d["organization_id"] in reader.member_of]
    out: dict[str, Any] = {"id": reuse.id, "name": reuse.name, **{k: getattr(reuse, k) for k in EDITABLE},
                           "image_url": image_url,
                           "datasets": [{k: d[k] for k in ("id", "name", "title")} for d in shown],
                           "published": reuse.published.isoformat() if reuse.published else None,
                           "labels": {"kind": choices.label(SCHEMA, "kind", reuse.kind, lang),
                                      "provider_kind": choices.label(SCHEMA, "provider_kind", reuse.provider_kind,
                                                                     lang)}}
    if own or moderator:
        out.update(state=reuse.state, reject_reason=reuse.reject_reason, proposed=reuse.proposed,
                   created=reuse.created.isoformat(), modified=reuse.modified.isoformat(),
                   may_moderate=moderator,
                   may_edit=may_edit(reader, reuse, departments),
                   submitter=_user_name(reuse.submitter_id))
        out["labels"]["state"] = choices.label(SCHEMA, "state", reuse.state, lang)
    return out


# --- finding --------------------------------------------------------------------------------

# A dataset's 分類 (a ward field, kept in package.extras by CKAN 2.12).
_CATEGORY = model.Package.extras["category"].astext

FACETS = ("kind", "provider_kind", "category", "department")
SORTS = {"newest": (Reuse.published.desc().nullslast(), Reuse.created.desc()),
         "title": (Reuse.title, Reuse.id),
         # Last changed first: a person's own list, where a rejection or an edit is news.
         "changed": (Reuse.modified.desc(), Reuse.id)}


@dataclass
class Found:
    count: int
    reuses: list[Reuse]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


def _visible(reader: Reader, state: str | None, mine: bool = False) -> sa.ColumnElement[bool]:
    """Published ones for everybody; with ``state``, those the reader moderates or sent; with
    ``mine``, the reader's own in every state (or in ``state``)."""
    if mine:
        if not reader.user_id:
            return sa.false()
        own = Reuse.submitter_id == reader.user_id
        return sa.and_(own, Reuse.state == state) if state else own
    if not state or state == "published":
        return Reuse.state == "published"
    conditions = [Reuse.state == state]
    if not reader.sysadmin:
        mine = [Reuse.submitter_id == reader.user_id] if reader.user_id else []
        moderated = (sa.select(ReuseDataset.reuse_id).join(model.Package, model.Package.id == ReuseDataset.package_id)
                     .where(model.Package.owner_org.in_(reader.admin_of or {""})))
        conditions.append(sa.or_(Reuse.id.in_(moderated), *mine))
    return sa.and_(*conditions)


def _uses(column: Any, wanted: list[str]) -> sa.ColumnElement[bool]:
    """Reuses that use a public dataset whose ``column`` is one of ``wanted`` (a private one
    would tell that it exists)."""
    return Reuse.id.in_(sa.select(ReuseDataset.reuse_id).join(model.Package, model.Package.id == ReuseDataset.package_id)
                        .where(column.in_(wanted), model.Package.state == "active", model.Package.private.is_(False)))


def _sorted(found: Any) -> list[tuple[str, int]]:
    return sorted(((str(v), int(n)) for v, n in found if v), key=lambda x: (-x[1], x[0]))


def _own_facets(where: sa.ColumnElement[bool] | None, base: list[Any], filters: dict[str, list[str]],
                condition: Any, counted: dict[str, list[tuple[str, int]]]) -> int | None:
    """種別 and 提供者の種類: with neither filtered, both and the total in one pass over the matches
    (GROUPING SETS, as the register's facets); else each under the other filters. Returns the
    total when it came with them."""
    if where is not None:
        sets = sa.func.grouping_sets(sa.tuple_(), sa.tuple_(Reuse.kind), sa.tuple_(Reuse.provider_kind))
        found = (model.Session.query(Reuse.kind.label("kind"), Reuse.provider_kind.label("provider_kind"),
                                     sa.func.grouping(Reuse.kind, Reuse.provider_kind).label("g"),
                                     sa.func.count().label("n")).filter(where).group_by(sets).all())
        total = next((int(r.n) for r in found if r.g == 3), 0)
        counted["kind"] = _sorted((r.kind, r.n) for r in found if r.g == 1)
        counted["provider_kind"] = _sorted((r.provider_kind, r.n) for r in found if r.g == 2)
        return total
    for name in ("kind", "provider_kind"):
        others = sa.and_(*base, *(condition(n, v) for n, v in filters.items() if n != name))
        column = getattr(Reuse, name)
        counted[name] = _sorted(model.Session.query(column, sa.func.count()).filter(others).group_by(column).all())
    return None


_DATASET_COLUMNS = {"department": model.Package.owner_org, "category": _CATEGORY}


def _dataset_facets(names: list[str], where: sa.ColumnElement[bool]) -> dict[str, list[tuple[str, int]]]:
    """部署 and/or 分類 of the public datasets the matching reuses use, in one pass (GROUPING SETS).
    The matches are found first (a materialized CTE): joined from the datasets' side,
    PostgreSQL crossed every dataset with every match (bench/README.md, issue 20: 25 ms of a
    58 ms page)."""
    matched = sa.select(Reuse.id.label("id")).where(where).cte("matched").prefix_with("MATERIALIZED")
    columns = [_DATASET_COLUMNS[n] for n in names]
    sets = sa.func.grouping_sets(*[sa.tuple_(c) for c in columns])
    found = (model.Session.query(*[c.label(n) for n, c in zip(names, columns)],
                                 sa.func.grouping(*columns).label("g") if len(columns) > 1 else sa.literal(0).label("g"),
                                 sa.func.count(sa.distinct(ReuseDataset.reuse_id)).label("n"))
             .select_from(matched).join(ReuseDataset, ReuseDataset.reuse_id == matched.c.id)
             .join(model.Package, model.Package.id == ReuseDataset.package_id)
             .filter(model.Package.state == "active", model.Package.private.is_(False))
             .group_by(sets).all())
    everything = (1 << len(names)) - 1
    counted = {}
    for position, name in enumerate(names):
        mask = everything & ~(1 << (len(names) - 1 - position))   # only this column grouped
        counted[name] = _sorted((getattr(r, name), r.n) for r in found if r.g == mask)
    return counted


def search(reader: Reader, q: str = "", filters: dict[str, list[str]] | None = None, sort: str = "newest",
           limit: int = 20, offset: int = 0, state: str | None = None, dataset_id: str | None = None,
           facets: bool = True, mine: bool = False) -> Found:
    """Reuses matching every word of ``q`` (folded, as the register's search) and every filter."""
    base = [_visible(reader, state, mine)]
    base += contains_words(Reuse.search_text, q)
    if dataset_id:   # a public dataset (the action checks): no join with the datasets
        base.append(Reuse.id.in_(sa.select(ReuseDataset.reuse_id).where(ReuseDataset.package_id == dataset_id)))
    filters = {k: v for k, v in (filters or {}).items() if k in FACETS and v}

    def condition(name: str, wanted: list[str]) -> sa.ColumnElement[bool]:
        if name == "kind":
            return Reuse.kind.in_(wanted)
        if name == "provider_kind":
            return Reuse.provider_kind.in_(wanted)
        if name == "department":
            return _uses(model.Package.owner_org, wanted)
        return _uses(_CATEGORY, wanted)

    where = sa.and_(*base, *(condition(n, v) for n, v in filters.items()))
    order = SORTS.get(sort, SORTS["newest"])
    if not facets:
        rows, total = page_and_total(Reuse, where, order, limit, offset)
        return Found(total, rows)
    rows = model.Session.query(Reuse).filter(where).order_by(*order).limit(limit).offset(offset).all()
    counted: dict[str, list[tuple[str, int]]] = {}
    count = _own_facets(where if not (filters.keys() & {"kind", "provider_kind"}) else None, base, filters,
                        condition, counted)
    if count is None:
        count = int(model.Session.query(sa.func.count(Reuse.id)).filter(where).scalar() or 0)
    if not filters.keys() & {"department", "category"}:
        counted.update(_dataset_facets(["department", "category"], where))
    else:
        for name in ("department", "category"):
            # A facet counts under the other filters, so its own values stay choosable.
            others = sa.and_(*base, *(condition(n, v) for n, v in filters.items() if n != name))
            counted.update(_dataset_facets([name], others))
    return Found(int(count), rows, counted)
