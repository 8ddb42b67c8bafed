"""Pages of 分析を学ぶ: /learn (the lessons), /learn/<slug> (one lesson), its screenshots and
its notebook (with this portal's address filled in, so a trainee runs it as downloaded)."""
from __future__ import annotations

import json
from typing import Any

import flask

import ckan.plugins.toolkit as tk
from ckan import model

from ..charts import settings as chart_settings
from ..response_policy import attachment
from . import lessons as lesson_files
from .lessons import Lesson

__all__ = ["learn", "lesson_language", "datasets_of", "department_lessons", "NOTEBOOK_PORTAL"]

learn = flask.Blueprint("nakano_learn", __name__)

# The address a notebook reads when NAKANO_PORTAL is not set: make up's portal. The download
# says this portal's own address instead.
NOTEBOOK_PORTAL = "http://127.0.0.1:5000"


def _levels() -> dict[int, str]:
    return {1: tk._("Beginner"), 2: tk._("Basic"), 3: tk._("Advanced")}


def department_lessons(org_id: str) -> list[Lesson]:
    """The lessons that use a dataset of the department (its staff see them on its page)."""
    names = {name for lesson in lesson_files.all_lessons() for name in lesson.datasets}
    owned = {name for (name,) in model.Session.query(model.Package.name).filter(
        model.Package.name.in_(names), model.Package.owner_org == org_id, model.Package.state == "active")}
    return [lesson for lesson in lesson_files.all_lessons() if owned.intersection(lesson.datasets)]


def lesson_language() -> str:
    """The lessons are written in Japanese and English: English on every page that is not Japanese."""
    return "ja" if (tk.h.lang() or "ja") == "ja" else "en"


def _dataset(name: str) -> dict[str, Any] | None:
    try:
        user = tk.current_user.name if tk.current_user.is_authenticated else ""
        return tk.get_action("package_show")({"user": user}, {"id": name})
    except (tk.ObjectNotFound, tk.NotAuthorized):   # not on this portal, or not public
        return None


def datasets_of(lesson: Lesson) -> list[dict[str, Any]]:
    """The lesson's datasets this reader can open, each with its first table in the DataStore."""
    found = []
    for name in lesson.datasets:
        dataset = _dataset(name)
        if dataset is None:
            continue
        table = next((r for r in dataset.get("resources", []) if r.get("datastore_active")), None)
        found.append({"dataset": dataset, "table": table})
    return found


def _chart_link(lesson: Lesson, datasets: list[dict[str, Any]]) -> str | None:
    if not lesson.chart:
        return None
    used = next((d for d in datasets if d["dataset"]["name"] == lesson.chart.get("dataset")), None)
    if used is None or used["table"] is None:
        return None
    args = chart_settings.to_args(chart_settings.from_args(lesson.chart.get("args") or {}))
    return tk.h.url_for("nakano_charts.builder", id=used["dataset"]["name"], resource_id=used["table"]["id"], **args)


@learn.route("/learn")
def index() -> str:
    return tk.render("nakano/learn/index.html", {"lessons": lesson_files.all_lessons(),
                                                 "lang": lesson_language(), "levels": _levels()})


@learn.route("/learn/<slug>")
def lesson(slug: str) -> str:
    found = lesson_files.find(slug)
    if found is None:
        return tk.abort(404, tk._("Lesson not found"))
    datasets = datasets_of(found)
    lessons = lesson_files.all_lessons()
    position = lessons.index(found)
    return tk.render("nakano/learn/lesson.html", {
        "lesson": found, "lang": lesson_language(), "levels": _levels(), "datasets": datasets,
        "chart_link": _chart_link(found, datasets),
        "shots": {n: found.screenshot(n).is_file() for n in range(1, len(found.steps) + 1)},
        "previous": lessons[position - 1] if position > 0 else None,
        "next": lessons[position + 1] if position + 1 < len(lessons) else None,
    })


@learn.route("/learn/<slug>/step-<int:number>.png")
def screenshot(slug: str, number: int) -> flask.Response:
    found = lesson_files.find(slug)
    if found is None or not 1 <= number <= len(found.steps) or not found.screenshot(number).is_file():
        return tk.abort(404)
    return flask.send_file(found.screenshot(number), mimetype="image/png", max_age=86400)


@learn.route("/learn/<slug>/notebook.ipynb")
def notebook(slug: str) -> flask.Response:
    found = lesson_files.find(slug)
    if found is None or not found.notebook:
        return tk.abort(404)
    document = json.loads((lesson_files.NOTEBOOKS / found.notebook).read_text(encoding="utf-8"))
    site = tk.config["ckan.site_url"].rstrip("/")
    for cell in document["cells"]:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = source.replace(json.dumps(NOTEBOOK_PORTAL), json.dumps(site))
    response = flask.Response(json.dumps(document, ensure_ascii=False, indent=1),
                              mimetype="application/x-ipynb+json")
    response.headers["Content-Disposition"] = attachment(found.notebook)
    return response
