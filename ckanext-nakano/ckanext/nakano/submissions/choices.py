"""The coded choices of reuses and data requests (schemas/reuse.yaml,
schemas/data_request.yaml): their values and their labels in the portal's languages."""
from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from .. import messages

__all__ = ["values", "label", "options", "field_label"]

SCHEMAS = Path(__file__).resolve().parents[4] / "schemas"
LANGS = ("ja", "en", "zh_Hans_CN", "ko_KR", "vi")


@cache
def _schema(name: str) -> dict[str, Any]:
    return yaml.safe_load((SCHEMAS / f"{name}.yaml").read_text(encoding="utf-8"))


def _choices(schema: str, field: str) -> list[dict[str, str]]:
    return _schema(schema)[field]["choices"]


def values(schema: str, field: str) -> list[str]:
    return [c["value"] for c in _choices(schema, field)]


def _in(entry: dict[str, str], lang: str | None) -> str:
    lang = messages.reader_locale(lang)
    return entry.get(lang) or entry.get(lang.split("_")[0]) or entry["en"]


def label(schema: str, field: str, value: str | None, lang: str | None = None) -> str:
    """The label of a value in the reader's language ("" for none; the value itself if unknown)."""
    if not value:
        return ""
    entry = next((c for c in _choices(schema, field) if c["value"] == value), None)
    return _in(entry, lang) if entry else str(value)


def field_label(schema: str, field: str, lang: str | None = None) -> str:
    return _in(_schema(schema)[field]["label"], lang)


def options(schema: str, field: str, lang: str | None = None) -> list[dict[str, str]]:
    """``[{value, label}]`` for a form's select."""
    return [{"value": c["value"], "label": _in(c, lang)} for c in _choices(schema, field)]
