"""Free-text update frequency (更新頻度) → EU frequency vocabulary."""
from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any

import yaml

from . import vocab

_RULES = vocab.VOCAB / "frequency_rules.yaml"


@cache
def _table() -> dict[str, Any]:
    data = yaml.safe_load(_RULES.read_text(encoding="utf-8"))
    data["compiled"] = [(re.compile(r["pattern"]), r["code"]) for r in data["rules"]]
    return data


def frequency_uri(text: str | None) -> str:
    """Return the EU frequency URI for a Japanese 更新頻度 text.

    ``"１年に１回"`` → ``…/frequency/ANNUAL``; text no rule knows → ``…/OTHER``.
    """
    table = _table()
    normalised = unicodedata.normalize("NFKC", text or "").strip()
    for pattern, code in table["compiled"]:
        if pattern.search(normalised):
            return vocab.frequencies()["base_uri"] + code
    return vocab.frequencies()["base_uri"] + table["fallback"]
