"""The lessons of /learn, read from ``learn/lessons/*.yaml`` (data, one file per lesson).

A lesson holds its text in Japanese and English (``{ja: …, en: …}``), the datasets it uses
by URL name, its steps (Markdown, each with an optional screenshot: the page's path and
the element shown, taken by the browser tests into ``learn/screenshots/``) and, for the
Python lessons, a notebook of ``learn/notebooks/`` that the tests execute top to bottom.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Lesson", "Step", "all_lessons", "find", "LESSONS", "NOTEBOOKS", "SCREENSHOTS", "LessonFileError"]

HERE = Path(__file__).resolve().parent
LESSONS = HERE / "lessons"
NOTEBOOKS = HERE / "notebooks"
SCREENSHOTS = HERE / "screenshots"
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LEVELS = (1, 2, 3)   # 入門 / 基礎 / 応用
AUDIENCES = ("everyone", "staff")


class LessonFileError(ValueError):
    """A lesson file that does not say what a lesson needs (the tests read every file)."""


@dataclass(frozen=True)
class Step:
    text: dict[str, str]
    shot_path: str | None = None   # the page, with {dataset} / {resource} / {resource:<dataset>}
    shot_show: str | None = None   # CSS selector of what the screenshot shows


@dataclass(frozen=True)
class Lesson:
    number: int
    slug: str
    level: int
    minutes: int
    audience: str
    title: dict[str, str]
    question: dict[str, str]
    answer: dict[str, str]
    datasets: tuple[str, ...]
    steps: tuple[Step, ...]
    pitfalls: tuple[dict[str, str], ...]
    notebook: str | None = None
    chart: dict[str, Any] | None = field(default=None, hash=False)

    def screenshot(self, index: int) -> Path:
        """Where the browser tests keep the screenshot of step ``index`` (from 1)."""
        return SCREENSHOTS / f"{self.slug}-{index}.png"


def _texts(value: Any, where: str) -> dict[str, str]:
    """``{ja: …, en: …}``, both written."""
    if not isinstance(value, dict) or not all(isinstance(value.get(lang), str) and value[lang].strip()
                                              for lang in ("ja", "en")):
        raise LessonFileError(f"{where}: needs Japanese and English text ({{ja: …, en: …}})")
    return {lang: value[lang].strip() for lang in ("ja", "en")}


def _pair(data: dict[str, Any], key: str, where: str) -> dict[str, str]:
    return _texts(data.get(key), f"{where}: `{key}`")


def _lesson(path: Path) -> Lesson:
    where = path.name
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    number = int(path.name.split("-", 1)[0])
    slug = data.get("slug", "")
    if not _SLUG.match(slug):
        raise LessonFileError(f"{where}: `slug` must be lower-case words joined by hyphens")
    if data.get("level") not in LEVELS:
        raise LessonFileError(f"{where}: `level` is one of {LEVELS}")
    datasets = data.get("datasets") or []
    if not datasets or not all(isinstance(d, str) for d in datasets):
        raise LessonFileError(f"{where}: `datasets` names at least one dataset it uses")
    steps = []
    for n, step in enumerate(data.get("steps") or [], start=1):
        shot = step.get("shot") or {}
        if shot and not (isinstance(shot.get("path"), str) and shot["path"].startswith("/") and shot.get("show")):
            raise LessonFileError(f"{where}: step {n}'s `shot` needs `path` (from /) and `show` (a CSS selector)")
        steps.append(Step(_texts(step, f"{where}: step {n}"), shot.get("path"), shot.get("show")))
    if not steps:
        raise LessonFileError(f"{where}: a lesson has steps")
    notebook = data.get("notebook")
    if notebook and not (NOTEBOOKS / notebook).is_file():
        raise LessonFileError(f"{where}: notebook {notebook} is not in {NOTEBOOKS}")
    audience = data.get("audience", "everyone")
    if audience not in AUDIENCES:
        raise LessonFileError(f"{where}: `audience` is one of {AUDIENCES}")
    return Lesson(number=number, slug=slug, level=data["level"], minutes=int(data.get("minutes") or 0),
                  audience=audience, title=_pair(data, "title", where), question=_pair(data, "question", where),
                  answer=_pair(data, "answer", where), datasets=tuple(datasets), steps=tuple(steps),
                  pitfalls=tuple(_texts(p, f"{where}: a pitfall") for p in data.get("pitfalls") or []),
                  notebook=notebook, chart=data.get("chart"))


@functools.cache
def all_lessons() -> tuple[Lesson, ...]:
    """Every lesson, in the order of their file names (from easy to harder)."""
    found = tuple(_lesson(path) for path in sorted(LESSONS.glob("*.yaml")))
    slugs = [lesson.slug for lesson in found]
    if len(set(slugs)) != len(slugs):
        raise LessonFileError(f"two lessons share a slug: {slugs}")
    return found


def find(slug: str) -> Lesson | None:
    return next((lesson for lesson in all_lessons() if lesson.slug == slug), None)
