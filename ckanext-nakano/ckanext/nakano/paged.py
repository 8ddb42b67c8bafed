"""One page of the portal's own lists and how many rows match, in one query.

A count beside the page's query scans the matches twice; ``count(*) OVER ()`` gives the total
with the rows (a dataset page's 「このデータの活用事例」 with 385 reuses: two queries of 2–4 ms,
bench/README.md, issue 20)."""
from __future__ import annotations

from typing import Any, Sequence

import sqlalchemy as sa
from flask import request

import ckan.plugins.toolkit as tk

from ckan import model

__all__ = ["page_and_total", "past_the_end", "list_page_url"]


def page_and_total(entity: Any, where: sa.ColumnElement[bool], order: Sequence[Any], limit: int,
                   offset: int) -> tuple[list[Any], int]:
    """The rows of ``entity`` matching ``where`` in ``order`` from ``offset`` (at most ``limit``),
    and the number of all matching rows."""
    # The page's ids and the total first, then their rows: the window runs over narrow tuples,
    # not every matching row whole (a reuse's row is 1.2 kB).
    page = (sa.select(entity.id.label("id"), sa.func.count().over().label("total")).where(where)
            .order_by(*order).limit(limit).offset(offset).subquery())
    found = (model.Session.query(entity, page.c.total).join(page, entity.id == page.c.id)
             .order_by(*order).all())
    if found:
        return [row[0] for row in found], int(found[0].total)
    # A page past the end has no row to carry the total.
    total = model.Session.query(sa.func.count()).select_from(entity).filter(where).scalar() if offset else 0
    return [], int(total or 0)


def past_the_end(page: int, count: int, size: int) -> int | None:
    """The last page, when ``page`` is beyond it and there is something to list: a list page
    asked for page 99999 of 4 items said 「4件」 above 「まだありません」 (issue 20's walk)."""
    last = max(1, -(-count // size))
    return last if count and page > last else None


def list_page_url(endpoint: str, q: object = None, page: int = 1) -> str:
    """The address of another page of a list, its searches and filters kept (CKAN's pager calls
    it with ``page``)."""
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return tk.h.url_for(endpoint, **args)
