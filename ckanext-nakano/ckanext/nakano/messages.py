"""The portal's coded messages (validation/messages.yaml and harvest/messages.yaml), said in the
reader's language.

A message is a code and the values of its placeholders. That is what is stored (harvest
object and gather errors, xloader's load errors, validation reports); the text is made
when it is shown, by :func:`say`: the catalogs' texts are English gettext msgids
(``i18n_extract.py`` hands them to ``pybabel extract``), translated into the reader's
language and filled with the values (``str.format`` style: ``{name}``).

Stored form (:func:`stored`): the JSON object
``{"code": "<code>", "values": {...}}``, which ckanext-harvest keeps in its text columns
``harvest_object_error.message`` / ``harvest_gather_error.message``. :func:`readable`
turns a stored text into the reader's words and leaves a foreign one (ckanext-harvest's
own English) as it is. Rows stored before were "日本語 / English"; the migration
``a4c7e9d2b618`` converts them with :func:`from_legacy`.

The reader's language: the request's (``tk._``); outside a request (job workers, the CLI,
tests) the site's default locale (``ckan.locale_default``), or the ``lang`` a caller names.
"""
from __future__ import annotations

import json
import re

from functools import cache
from pathlib import Path
from typing import Any

import flask
import flask_babel
import yaml
from babel import support

import ckan.plugins.toolkit as tk

from . import language_text

__all__ = ["CodedError", "catalog", "known", "template", "say", "gettext", "ngettext", "pgettext",
           "reader_locale", "default_locale", "stored", "parse", "find", "readable", "from_legacy",
           "match_english"]

HERE = Path(__file__).parent
CATALOG_FILES = (HERE / "validation" / "messages.yaml", HERE / "harvest" / "messages.yaml",
                 HERE / "inventory" / "messages.yaml", HERE / "reuses" / "messages.yaml",
                 HERE / "submissions" / "messages.yaml", HERE / "charts" / "messages.yaml")
I18N = HERE / "i18n"
DOMAIN = "ckanext-nakano"
PARTS = ("en", "group", "fix")   # the texts of an entry (group_by is not a text)


# --- the catalogs -------------------------------------------------------------------------------

@cache
def catalog() -> dict[str, dict[str, str]]:
    """code → {"en": text, optional "group", "fix", "group_by"}, of both catalogs."""
    found: dict[str, dict[str, str]] = {}
    for path in CATALOG_FILES:
        for code, entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            found[code] = {"en": entry} if isinstance(entry, str) else dict(entry)
    return found


def known(code: Any) -> bool:
    return isinstance(code, str) and code in catalog()


def template(code: str, part: str = "") -> str:
    """The English text of ``code`` (or of its ``group``/``fix`` part); "" when it has none."""
    return (catalog().get(code) or {}).get(part or "en") or ""


# --- gettext in the reader's language ------------------------------------------------------------

def default_locale() -> str:
    return str(tk.config.get("ckan.locale_default") or "ja")


@cache
def _translations(lang: str) -> support.NullTranslations:
    if lang == "en":
        return support.NullTranslations()
    return support.Translations.load(str(I18N), [lang], DOMAIN)


def reader_locale(lang: str | None = None) -> str:
    """``lang``, or the request's language, or (outside a request) the site's default."""
    if lang:
        return lang
    if flask.has_request_context():
        return tk.h.lang() or default_locale()
    return default_locale()


def _in_request(lang: str | None) -> bool:
    """Whether ``lang`` is the request's own language (then CKAN's gettext serves it)."""
    return flask.has_request_context() and (lang is None or lang == reader_locale())


def gettext(message: str, lang: str | None = None, **values: Any) -> str:
    """``tk._``, in ``lang`` when one is named (or outside a request, in the default locale)."""
    if _in_request(lang):
        return tk._(message, **values)
    translated = _translations(lang or default_locale()).ugettext(message)
    return translated % values if values else translated


def ngettext(singular: str, plural: str, num: int, lang: str | None = None, **values: Any) -> str:
    """``tk.ungettext`` (``%(num)d`` is filled), in ``lang`` as :func:`gettext`."""
    if _in_request(lang):
        return tk.ungettext(singular, plural, num, **values)
    translated = _translations(lang or default_locale()).ungettext(singular, plural, num)
    return translated % {"num": num, **values}


def pgettext(context: str, message: str, lang: str | None = None, **values: Any) -> str:
    if _in_request(lang):
        return flask_babel.pgettext(context, message, **values)
    translated = _translations(lang or default_locale()).upgettext(context, message)
    return translated % values if values else translated


class _Values(dict):
    """The values of a message as its placeholders show them: a nested coded message or a
    list said in the same language, a placeholder without a value empty (never a KeyError)."""

    def __init__(self, values: dict[str, Any], lang: str | None):
        super().__init__(values)
        self.lang = lang

    def __getitem__(self, key: str) -> str:
        return value_text(dict.get(self, key), self.lang)


def value_text(value: Any, lang: str | None = None) -> str:
    """One value in the reader's words: ``{"code", "values"}`` is said; a list (or
    ``{"join": [...], "sep": "; "}``) is joined with the language's list separator."""
    if value is None:
        return ""
    if isinstance(value, dict) and "labels" in value:   # a label of the ward's YAML data, in every language
        return language_text.text(value["labels"], lang=reader_locale(lang))
    if isinstance(value, dict) and "code" in value:
        return say(str(value["code"]), value.get("values") or {}, lang=lang)
    if isinstance(value, dict) and "join" in value:
        separator = value.get("sep") or ", "
        items = value.get("join") or []
    elif isinstance(value, list):
        separator, items = ", ", value
    else:
        return str(value)
    # TRANSLATORS: what separates the items of a list in a sentence (Japanese: 、).
    joiner = pgettext("list separator", ", ", lang) if separator == ", " else \
        pgettext("list separator", "; ", lang)
    return joiner.join(value_text(item, lang) for item in items)


def say(code: str, values: dict[str, Any] | None = None, part: str = "", lang: str | None = None) -> str:
    """The message ``code`` (or its ``group``/``fix`` part) in the reader's language, filled
    with ``values``: ``tk._(english).format(**values)``. "" for a code or part the catalogs lack."""
    english = template(code, part)
    if not english:
        return ""
    return gettext(english, lang).format_map(_Values(values or {}, lang))


class CodedError(Exception):
    """A failure named by a message code, with the values that fill the message."""

    def __init__(self, code: str, **values: Any):
        super().__init__(f"{code}: {values}")
        self.code, self.values = code, values


# --- the stored form --------------------------------------------------------------------------

_START = '{"code": '
_DECODER = json.JSONDecoder()


def stored(code: str, **values: Any) -> str:
    """The message as harvest errors and load errors store it: ``{"code": …, "values": {…}}``."""
    return json.dumps({"code": code, "values": values}, ensure_ascii=False, default=str)




def parse(value: str) -> tuple[str, dict[str, Any]] | None:
    """(code, values) of a stored message; None for any other text."""
    if not isinstance(value, str) or not value.startswith(_START):
        return None
    try:
        data, end = _DECODER.raw_decode(value)
    except ValueError:
        return None
    if end != len(value) or not known(data.get("code")) or not isinstance(data.get("values", {}), dict):
        return None
    return data["code"], data.get("values") or {}


def find(value: str | None) -> tuple[str, dict[str, Any]] | None:
    """(code, values) of the first stored message in a text (a stored one, or one that a
    foreign message wraps); None when it holds none."""
    value = value or ""
    at = 0
    while (start := value.find(_START, at)) >= 0:
        try:
            data, _ = _DECODER.raw_decode(value, start)
        except ValueError:
            at = start + 1
            continue
        if isinstance(data, dict) and known(data.get("code")) and isinstance(data.get("values", {}), dict):
            return data["code"], data.get("values") or {}
        at = start + 1
    return None


def readable(value: str | None, lang: str | None = None) -> str:
    """A stored text in the reader's words: each stored message in it is said (ckanext-harvest
    wraps ours in its own English, "Unable to get content for URL: …: {…}"); the rest, and a
    foreign message, stay as they are."""
    value = value or ""
    out, at = [], 0
    while (start := value.find(_START, at)) >= 0:
        try:
            data, end = _DECODER.raw_decode(value, start)
        except ValueError:
            out.append(value[at:start + 1])
            at = start + 1
            continue
        if isinstance(data, dict) and known(data.get("code")) and isinstance(data.get("values", {}), dict):
            out += [value[at:start], say(data["code"], data.get("values") or {}, lang=lang)]
        else:
            out.append(value[at:end])
        at = end
    out.append(value[at:])
    return "".join(out)


# --- texts stored before: "日本語 / English" ------------------------------------------------------

_JAPANESE = re.compile(r"[\u3041-\u30ff\u4e00-\u9fff]")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@cache
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    """(code, regex of its English text), the most literal text first; a text that is only
    placeholders (schema-error's "{note}") would match anything and is left out."""
    found = []
    for code, entry in catalog().items():
        english = entry.get("en") or ""
        literal = _PLACEHOLDER.sub("", english)
        if not literal.strip():
            continue
        pattern, seen, at = [], set(), 0
        for match in _PLACEHOLDER.finditer(english):
            pattern.append(re.escape(english[at:match.start()]))
            name = match.group(1)
            pattern.append(f"(?P={name})" if name in seen else f"(?P<{name}>.*?)")
            seen.add(name)
            at = match.end()
        pattern.append(re.escape(english[at:]))
        found.append((len(literal), code, re.compile("".join(pattern), re.S)))
    return [(code, regex) for _, code, regex in sorted(found, key=lambda f: -f[0])]


def match_english(english: str) -> tuple[str, dict[str, Any]] | None:
    """(code, values) of a text the catalogs' English made, found by its template."""
    for code, regex in _patterns():
        found = regex.fullmatch(english)
        if found:
            values: dict[str, Any] = found.groupdict()
            if code == "unusable":   # "; "-joined messages of the validation report
                values["detail"] = _joined(values["detail"]) or values["detail"]
            return code, values
    return None


def _joined(english: str) -> dict[str, Any] | None:
    """``{"join": [coded messages], "sep": "; "}`` when every "; "-separated part is one."""
    pieces = english.split("; ")
    for cut in range(len(pieces), 0, -1):   # a message may hold "; " itself: longest first
        head = match_english("; ".join(pieces[:cut]))
        if head is None:
            continue
        head_value = {"code": head[0], "values": head[1]}
        if cut == len(pieces):
            return {"join": [head_value], "sep": "; "}
        rest = _joined("; ".join(pieces[cut:]))
        if rest is not None:
            return {"join": [head_value, *rest["join"]], "sep": "; "}
    return None


def from_legacy(value: str) -> str | None:
    """The stored form of a "日本語 / English" text the catalogs made, None when no template
    matches it (then the text is kept as it is).

    The English half is matched against the English templates. remote.py once put a
    Japanese sentence before ckanext-harvest's English ("他のカタログを… / Unable to search
    remote CKAN …"): the Japanese half of a text without placeholders is recognised too, and
    the English is kept as its technical detail."""
    for split in (m.start() for m in re.finditer(" / ", value)):
        japanese, english = value[:split], value[split + 3:]
        if not _JAPANESE.search(japanese):
            continue
        found = match_english(english)
        if found:
            return stored(found[0], **found[1])
        for code, entry in catalog().items():
            english_text = entry.get("en") or ""
            if english_text and "{" not in english_text and say(code, lang="ja") == japanese:
                return stored(code, detail=english)
    return None
