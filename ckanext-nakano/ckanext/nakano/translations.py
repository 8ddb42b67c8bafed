"""The portal's gettext catalogs: extract, update, compile and check them with Babel.

English is the source language of our strings (msgids); Japanese is the default
locale of the portal. `ckan nakano translations …` runs these; `make test` runs
:func:`problems` (tests/test_translations.py). docs/translation.md says how to
add a string and a language.

The ja catalog also holds overrides of msgids of CKAN core and its extensions
(plain words for the portal's clerks: リソース → ファイル). Extraction cannot find
those in our code, so :func:`update` keeps every entry whose msgid is upstream's.
"""
from __future__ import annotations

import io
import re

from collections.abc import Iterable
from functools import cache
from pathlib import Path

from babel.messages import mofile, pofile
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

import ckan
import ckanext as ckanext_namespace

PACKAGE = Path(__file__).parent
I18N = PACKAGE / "i18n"
DOMAIN = "ckanext-nakano"
POT = I18N / f"{DOMAIN}.pot"
# The UI languages besides English (the msgids themselves). Keep in step with
# ckan.locales_offered in config/portal.ini (tests/test_translations.py checks).
LOCALES = ("ja", "zh_Hans_CN", "ko_KR", "vi")
CKAN_I18N = Path(ckan.__file__).parent / "i18n"

# What is scanned, and how. The templates use CKAN's extractor (Jinja with
# CKAN's tags); the coded message catalogs of validation and harvesting are YAML.
METHOD_MAP = [
    ("**/tests/**", "ignore"),
    ("**/demo/**", "ignore"),
    ("**.py", "python"),
    ("**/templates/**.html", "ckan"),
    ("**/templates/**.txt", "ckan"),       # mails
    ("**/messages.yaml", "ckanext.nakano.i18n_extract:extract_coded_messages"),
]
HEADER = ("# The Nakano Open Data Portal (ckanext-nakano) in {language}. Msgids are the English\n"
          "# of the pages; docs/translation.md says how to add a string or a language.\n#")
KEYWORDS = {**DEFAULT_KEYWORDS, "ungettext": (1, 2)}
COMMENT_TAGS = ("TRANSLATORS:",)
_BRACES = re.compile(r"\{(\w+)\}")
_PERCENT = re.compile(r"%\((\w+)\)[sd]")


def po_path(locale: str) -> Path:
    return I18N / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract() -> Catalog:
    """Every string of ours that the code and templates translate."""
    catalog = Catalog(project="ckanext-nakano", domain=DOMAIN, charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            str(PACKAGE), METHOD_MAP, keywords=KEYWORDS, comment_tags=COMMENT_TAGS,
            strip_comment_tags=True):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return pofile.read_po(f, locale=locale)


def write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    pofile.write_po(buffer, catalog, width=100, include_previous=False)
    path.write_bytes(buffer.getvalue())


@cache
def upstream_msgids() -> frozenset:
    """The msgids of CKAN core and of the installed extensions (ckanext-harvest, -dcat, …):
    what our catalogs may override. Read from their .pot files."""
    pots = [CKAN_I18N / "ckan.pot"] + [pot for base in ckanext_namespace.__path__
                                       for pot in Path(base).glob("*/i18n/*.pot") if pot != POT]
    found = set()
    for path in pots:
        found.update(m.id if isinstance(m.id, str) else tuple(m.id) for m in read(path) if m.id)
    return frozenset(found)


@cache
def upstream_translated(locale: str) -> frozenset:
    """The msgids that CKAN core's or an extension's own catalog translates into ``locale``
    (a copied CKAN template of ours may use them without our catalog repeating them)."""
    catalogs = [CKAN_I18N / locale / "LC_MESSAGES" / "ckan.po"] + [
        po for base in ckanext_namespace.__path__ for po in Path(base).glob(f"*/i18n/{locale}/LC_MESSAGES/*.po")
        if PACKAGE not in po.parents]
    found = set()
    for path in catalogs:
        if path.exists():
            found.update(m.id if isinstance(m.id, str) else tuple(m.id) for m in read(path, locale)
                         if m.id and _strings(m.string) and not m.fuzzy)
    return frozenset(found)


def _key(message: Message) -> tuple:
    return (message.context, message.id if isinstance(message.id, str) else tuple(message.id))


def update() -> list[str]:
    """Extract, write the .pot, merge it into every catalog, compile. Returns what changed."""
    template = extract()
    write(POT, template)
    changed = [str(POT)]
    for locale in LOCALES:
        path = po_path(locale)
        catalog = read(path, locale) if path.exists() else Catalog(locale=locale, domain=DOMAIN)
        overrides = [m for m in catalog if m.id and _key(m)[1] in upstream_msgids()
                     and _key(m) not in {_key(t) for t in template}]
        catalog.update(template, no_fuzzy_matching=True)
        # Each entry is reviewed on its own; the header is not a draft (pybabel refuses
        # to compile a catalog whose header is fuzzy).
        catalog.fuzzy = False
        catalog.header_comment = HEADER.format(language=locale)
        catalog.last_translator = "Nakano Open Data Portal team"
        catalog.language_team = f"{locale} (docs/translation.md)"
        for message in overrides:
            catalog[message.id] = message
        # No "#~" entries: git keeps what was removed, and GNU msgfmt refuses a catalog whose
        # obsolete entries repeat live ones.
        catalog.obsolete.clear()
        write(path, catalog)
        compile_catalog(locale)
        changed.append(str(path))
    return changed


def compiled(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    mofile.write_mo(buffer, catalog)
    return buffer.getvalue()


def compile_catalog(locale: str) -> Path:
    path = po_path(locale)
    target = path.with_suffix(".mo")
    target.write_bytes(compiled(read(path, locale)))
    return target


def _placeholders(text: str) -> set[str]:
    return set(_BRACES.findall(text)) | set(_PERCENT.findall(text))


def _strings(value: str | Iterable[str]) -> list[str]:
    return ([value] if value else []) if isinstance(value, str) else [v for v in value if v]


def problems() -> list[str]:
    """What is wrong with the catalogs: each line names the catalog and the msgid."""
    found: list[str] = []
    template = extract()
    wanted = {_key(m) for m in template if m.id}
    if not POT.exists():
        return [f"{POT} is missing: run `ckan nakano translations update`"]
    pot = {_key(m) for m in read(POT) if m.id}
    found += [f"{POT.name}: not extracted any more: {k[1]!r}" for k in sorted(pot - wanted, key=str)]
    found += [f"{POT.name}: missing (run `ckan nakano translations update`): {k[1]!r}"
              for k in sorted(wanted - pot, key=str)]
    for locale in LOCALES:
        path = po_path(locale)
        if not path.exists():
            found.append(f"{locale}: no catalog at {path}")
            continue
        catalog = read(path, locale)
        entries = {_key(m): m for m in catalog if m.id}
        for key in sorted(wanted, key=str):
            message = entries.get(key)
            strings = _strings(message.string) if message else []
            if not strings or message.fuzzy:
                if key[0] is None and key[1] in upstream_translated(locale):
                    continue
                found.append(f"{locale}: untranslated: {key[1]!r}" + (f" (context {key[0]})" if key[0] else ""))
                continue
            # A translation may leave a value out (the Japanese of a look-alike character
            # does not repeat its English Unicode name), never name one the code does not give.
            source = _placeholders(" ".join(_strings(key[1])))
            for string in strings:
                if not _placeholders(string) <= source:
                    found.append(f"{locale}: a placeholder the msgid does not have in {key[1]!r}: {string!r}")
        for key, message in entries.items():
            if key not in wanted and key[1] not in upstream_msgids():
                found.append(f"{locale}: entry no code uses (run update): {key[1]!r}")
        if catalog.obsolete:
            found.append(f"{locale}: {len(catalog.obsolete)} obsolete (#~) entries (run update)")
        for message, errors in catalog.check():
            found += [f"{locale}: {message.id!r}: {error}" for error in errors]
        mo = path.with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != compiled(catalog):
            found.append(f"{locale}: {mo.name} is not compiled from the .po (run `ckan nakano translations compile`)")
    return found
