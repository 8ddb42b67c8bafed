"""Harvest messages in Japanese and English ("ja / en", as stored on harvest objects)."""
from __future__ import annotations

import re

from functools import cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent


@cache
def _messages() -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for path in (HERE.parent / "validation" / "messages.yaml", HERE / "messages.yaml"):
        found.update(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found


class CodedError(Exception):
    """A failure named by a message code, with the values that fill the message."""

    def __init__(self, code: str, **values: Any):
        super().__init__(f"{code}: {values}")
        self.code, self.values = code, values


def text(code: str, **values: Any) -> str:
    message = _messages()[code]
    return f"{message['ja'].format(**values)} / {message['en'].format(**values)}"


_JAPANESE = re.compile(r"[\u3041-\u30ff\u4e00-\u9fff]")


def bilingual(stored: str) -> tuple[str, str] | None:
    """(ja, en) of one of the portal's own "ja / en" messages; None for a
    foreign (English) message."""
    if " / " not in stored:
        return None
    ja, en = stored.split(" / ", 1)
    return (ja, en) if _JAPANESE.search(ja) else None


def japanese(stored: str) -> str:
    """The Japanese half of a stored "ja / en" message (a foreign message as is)."""
    return stored.split(" / ", 1)[0]
