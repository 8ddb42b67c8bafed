"""Text in the reader's language from the ward's YAML data (schemas/, schemas/vocab/).

Labels there are language dicts, ckanext-scheming's idiom: an entry holds its
Japanese (``ja``, or ``value`` when the Japanese is the stored value itself) and
``en``, ``zh_Hans_CN``, ``ko_KR``, ``vi``; a pair of a longer text is named with a
prefix (``hint_ja``, ``hint_en``, …). Japanese is the fallback, as the default locale.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ckan.plugins.toolkit as tk

LANGUAGES = ("ja", "en", "zh_Hans_CN", "ko_KR", "vi")


def labels(entry: Mapping[str, Any], prefix: str = "", japanese: str = "ja") -> dict[str, str]:
    """``{locale: text}`` of one entry, for ``h.scheming_language_text`` and the pages."""
    found = {lang: entry[f"{prefix}{lang}"] for lang in LANGUAGES[1:] if entry.get(f"{prefix}{lang}")}
    return {"ja": entry[f"{prefix}ja" if japanese == "ja" else japanese], **found}


def text(entry: Mapping[str, Any], prefix: str = "", japanese: str = "ja", lang: str | None = None) -> str:
    """The entry's text in ``lang`` (default: the request's language), else Japanese."""
    found = labels(entry, prefix, japanese)
    return found.get(lang or tk.h.lang() or "ja") or found["ja"]
