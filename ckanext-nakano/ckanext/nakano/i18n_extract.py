"""Babel extractor for the coded message catalogs (validation/messages.yaml,
harvest/messages.yaml): every English text of an entry (its message, ``group`` and ``fix``)
is a msgid, with the code as the translator's comment ("code: empty-file").

In ``translations.METHOD_MAP`` (Python): ``("**/messages.yaml",
"ckanext.nakano.i18n_extract:extract_coded_messages")``. In a mapping file of
``pybabel extract -F`` the method ends at the first colon, so name the function
with a dot, or in an ``[extractors]`` section::

    [ckanext.nakano.i18n_extract.extract_coded_messages: **/messages.yaml]

    [extractors]
    coded = ckanext.nakano.i18n_extract:extract_coded_messages
    [coded: **/messages.yaml]

The ``{placeholders}`` stay as they are; a translation keeps every one of them
(messages.py fills them with ``str.format``). A text that is only placeholders
(schema-error's "{note}") has nothing to translate and is not extracted.
"""
from __future__ import annotations

import re

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

import yaml

__all__ = ["extract_coded_messages"]

PARTS = ("en", "group", "fix")
_PLACEHOLDER = re.compile(r"\{\w+\}")


def _funcname(keywords: Collection[str]) -> str:
    """A plain gettext keyword of the caller's (Babel looks the name up in its keywords)."""
    return next((k for k in ("_", "gettext", "ugettext") if k in keywords), "_")


def _translatable(text: Any) -> bool:
    return isinstance(text, str) and bool(_PLACEHOLDER.sub("", text).strip())


def extract_coded_messages(fileobj: IO[bytes], keywords: Collection[str], comment_tags: Collection[str],
                           options: Mapping[str, Any]) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel's extractor protocol: (lineno, funcname, message, comments) for each text."""
    source = fileobj.read()
    if isinstance(source, bytes):
        source = source.decode(options.get("encoding") or "utf-8")
    root = yaml.compose(source)
    if not isinstance(root, yaml.MappingNode):
        return
    funcname = _funcname(keywords)
    for key, value in root.value:
        code = key.value
        if isinstance(value, yaml.ScalarNode):
            if _translatable(value.value):
                yield value.start_mark.line + 1, funcname, value.value, [f"code: {code}"]
            continue
        if not isinstance(value, yaml.MappingNode):
            continue
        for part_key, part in value.value:
            name = part_key.value
            if name in PARTS and isinstance(part, yaml.ScalarNode) and _translatable(part.value):
                comments = [f"code: {code}"] if name == "en" else [f"code: {code}", f"part: {name}"]
                yield part.start_mark.line + 1, funcname, part.value, comments
