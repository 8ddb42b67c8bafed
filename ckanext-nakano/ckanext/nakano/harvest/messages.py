"""Harvest messages in Japanese and English ("ja / en", as stored on harvest objects)."""
from __future__ import annotations

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


def japanese(stored: str) -> str:
    """The Japanese half of a stored "ja / en" message (a foreign message as is)."""
    return stored.split(" / ", 1)[0]
