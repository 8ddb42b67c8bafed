"""Each lesson of /learn is also a 活用事例 (a reuse of kind 教育・講座 by the ward) of the
datasets it uses: it appears on their pages and on /showcase, and counts in the usage
figures and the quality score as every reuse does (docs/learn.md). Run by
``ckan nakano lessons publish`` at each start (make up, the image's entrypoint): a lesson
added, changed or removed is reflected, nothing else is touched."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import ckan.plugins.toolkit as tk
from ckan import model

from ..model import Reuse, ReuseDataset
from ..reader import Reader
from ..reuses import store as reuse_store
from .lessons import Lesson, all_lessons

__all__ = ["publish", "Published", "reuse_name", "PREFIX"]

PREFIX = reuse_store.LESSON_PREFIX
PROVIDER = "中野区（分析を学ぶ）"
WARD = Reader(None, ignore_auth=True)   # the portal itself publishes its lessons


@dataclass
class Published:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    missing_datasets: dict[str, list[str]] = field(default_factory=dict)


def reuse_name(lesson: Lesson) -> str:
    return PREFIX + lesson.slug


def _package_ids(names: tuple[str, ...]) -> tuple[list[str], list[str]]:
    found, missing = [], []
    for name in names:
        package = model.Package.get(name)
        if package is not None and package.state == "active" and not package.private:
            found.append(package.id)
        else:
            missing.append(name)
    return found, missing


def _fields(lesson: Lesson) -> dict[str, str]:
    site = tk.config["ckan.site_url"].rstrip("/")
    return {"title": f"分析を学ぶ {lesson.number}：{lesson.title['ja']}", "kind": "education",
            "url": f"{site}/learn/{lesson.slug}", "description": lesson.question["ja"],
            "provider": PROVIDER, "provider_kind": "government"}


def publish() -> Published:
    """Creates or updates the reuse of each lesson (published), and withdraws the reuse of a
    lesson that is gone. A lesson none of whose datasets exist here is left out."""
    done = Published()
    lessons = {reuse_name(lesson): lesson for lesson in all_lessons()}
    kept = {r.name: r for r in model.Session.query(Reuse).filter(Reuse.name.like(PREFIX + "%"))}
    now = datetime.datetime.utcnow()
    for name, lesson in lessons.items():
        ids, missing = _package_ids(lesson.datasets)
        if missing:
            done.missing_datasets[lesson.slug] = missing
        reuse = kept.get(name)
        if not ids:
            if reuse is not None and reuse.state == "published":
                reuse_store.withdraw(reuse)
                done.withdrawn.append(name)
            continue
        fields = _fields(lesson)
        if reuse is None:
            reuse = reuse_store.create(fields, ids, None, None)
            reuse.name = name
            done.created.append(name)
        else:
            current = sorted(d for (d,) in model.Session.query(ReuseDataset.package_id)
                             .filter(ReuseDataset.reuse_id == reuse.id))
            if all(getattr(reuse, k) == v for k, v in fields.items()) and current == sorted(ids) \
                    and reuse.state == "published":
                continue
            reuse_store.update(reuse, fields, ids, None, WARD)
            done.updated.append(name)
        reuse.state, reuse.proposed, reuse.reject_reason = "published", None, None
        reuse.published = reuse.published or now
    for name, reuse in kept.items():
        if name not in lessons and reuse.state == "published":
            reuse_store.withdraw(reuse)
            done.withdrawn.append(name)
    model.Session.commit()
    return done
