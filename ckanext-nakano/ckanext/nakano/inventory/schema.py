"""The register's fields, read from ``schemas/inventory.yaml`` (its header says what each key means).

One declaration serves the API's validation (:func:`navl_schema`), the forms, the import
headers (:func:`header_fields`), the export and what the public may see (:func:`public_names`).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml

import ckan.plugins.toolkit as tk

from .. import language_text, messages, vocab

SCHEMA_FILE = vocab.SCHEMAS / "inventory.yaml"

__all__ = ["Field", "fields", "field", "names", "public_names", "choice_label", "navl_schema", "header_fields",
           "normalised_header", "OPEN_DATA", "PLANNED", "CONSIDERING", "CLOSED",
           "PUBLISHED_OTHER", "PREVIOUS", "TODAY"]

# Context keys of the validators (logic/inventory_validators.py): the item's stored values on
# an update, and the day the checks count from (imports, the demo register, tests).
PREVIOUS = "nakano_inventory_previous"
TODAY = "nakano_inventory_today"

OPEN_DATA, PUBLISHED_OTHER, PLANNED, CONSIDERING, CLOSED = "open_data", "published_other", "planned", "considering", \
    "closed"


@dataclass(frozen=True)
class Field:
    name: str
    label: dict[str, str]
    validators: tuple[str, ...] = ()
    required: bool = False
    required_when: dict[str, tuple[str, ...]] = field(default_factory=dict)
    only_when: dict[str, tuple[str, ...]] = field(default_factory=dict)
    visibility: str = "public"
    form_snippet: str = "text"
    aliases: tuple[str, ...] = ()
    help_text: dict[str, str] = field(default_factory=dict)
    choices: tuple[dict[str, Any], ...] = ()

    @property
    def header(self) -> str:
        """The column header of the import and export file: the Japanese label."""
        return self.label["ja"]

    def text(self, lang: str | None = None) -> str:
        return language_text.text(self.label, lang=messages.reader_locale(lang))

    def help(self, lang: str | None = None) -> str:
        return language_text.text(self.help_text, lang=messages.reader_locale(lang)) if self.help_text else ""

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(c["value"] for c in self.choices)


def _choices(entry: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    source = entry.get("choices_from")
    if source == "frequencies":
        base = vocab.frequencies()["base_uri"]
        return tuple({**c, "value": base + c["code"]} for c in vocab.frequencies()["choices"])
    if source == "categories":
        return tuple({**c, "ja": c["value"]} for c in vocab.categories())
    if source == "standard_datasets":
        return tuple(vocab.standard_datasets()["datasets"])
    return tuple(entry.get("choices") or ())


@cache
def fields() -> tuple[Field, ...]:
    declared = yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))["fields"]
    return tuple(Field(
        name=e["field_name"], label=e["label"], validators=tuple((e.get("validators") or "").split()),
        required=bool(e.get("required")),
        required_when={k: tuple(v) for k, v in (e.get("required_when") or {}).items()},
        only_when={k: tuple(v) for k, v in (e.get("only_when") or {}).items()},
        visibility=e.get("visibility", "public"), form_snippet=e.get("form_snippet", "text"),
        aliases=tuple(e.get("aliases") or ()), help_text=e.get("help_text") or {}, choices=_choices(e),
    ) for e in declared)


def field(name: str) -> Field:
    return _by_name()[name]


@cache
def _by_name() -> dict[str, Field]:
    return {f.name: f for f in fields()}


def names() -> list[str]:
    return [f.name for f in fields()]


def public_names() -> list[str]:
    """The fields anyone may read of an item listed 公表."""
    return [f.name for f in fields() if f.visibility == "public"]


def choice_label(name: str, value: Any, lang: str | None = None) -> str:
    """The label of a coded value in the reader's language ("" for none, the value itself if unknown)."""
    if value in (None, ""):
        return ""
    for choice in field(name).choices:
        if choice["value"] == value:
            return language_text.text(choice, lang=messages.reader_locale(lang))
    return str(value)


def choice_hint(name: str, value: Any, lang: str | None = None) -> str:
    for choice in field(name).choices:
        if choice["value"] == value and choice.get("hint_ja"):
            return language_text.text(choice, prefix="hint_", lang=messages.reader_locale(lang))
    return ""


def navl_schema() -> dict[str, Any]:
    """CKAN's validation schema of an item, from each field's ``validators`` (the department,
    the dataset links and the record keeping are the action's)."""
    schema: dict[str, Any] = {}
    for f in fields():
        if f.name == "department":
            continue
        chain = [tk.get_validator("ignore_missing") if not f.validators or f.validators[0] !=
                 "nakano_inventory_required" else tk.get_validator(f.validators[0])]
        chain += [tk.get_validator(v) for v in f.validators if v != "nakano_inventory_required"]
        schema[f.name] = chain
    schema["__after"] = [tk.get_validator("nakano_inventory_conditions")]
    schema["__junk"] = [tk.get_validator("empty")]
    return schema


def normalised_header(text: Any) -> str:
    """A header as compared: NFKC, no spaces (full-width ones too), no brackets' width difference."""
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split()).lower()


@cache
def header_fields() -> dict[str, str]:
    """Normalised header (label in any language, or an alias) → field name."""
    found: dict[str, str] = {}
    for f in fields():
        for text in [f.name, *f.label.values(), *f.aliases]:
            found.setdefault(normalised_header(text), f.name)
    return found
