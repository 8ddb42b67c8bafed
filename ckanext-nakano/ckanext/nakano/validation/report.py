"""Validation reports: issues with row/column, messages in Japanese and English."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

MAX_ISSUES = 500  # per report: enough to act on, bounded in size


@cache
def _messages() -> dict[str, dict[str, str]]:
    return yaml.safe_load(Path(__file__).with_name("messages.yaml").read_text(encoding="utf-8"))


@dataclass
class Issue:
    code: str
    severity: str                  # "error" (the file breaks a rule) or "warning"
    message_ja: str
    message_en: str
    row: int | None = None         # 1-based row of the file (header = 1)
    column: int | None = None      # 1-based column
    column_name: str | None = None


@dataclass
class Report:
    status: str = "valid"          # valid / invalid / error
    encoding: str | None = None
    declared_encoding: str | None = None
    file_format: str | None = None
    standard: str | None = None    # Table Schema suffix validated against
    recognised: list[dict[str, str]] = field(default_factory=list)
    rows: int = 0
    issues: list[Issue] = field(default_factory=list)
    issues_truncated: bool = False
    copies: dict[str, str] = field(default_factory=dict)   # kind → file name of a derived copy

    def add(self, code: str, severity: str = "error", *, row: int | None = None,
            column: int | None = None, column_name: str | None = None, **values: Any) -> None:
        if len(self.issues) >= MAX_ISSUES:
            self.issues_truncated = True
        else:
            text = _messages()[code]
            self.issues.append(Issue(code, severity, text["ja"].format(**values), text["en"].format(**values),
                                     row, column, column_name))
        if severity == "error" and self.status == "valid":
            self.status = "invalid"

    def fail(self, code: str, **values: Any) -> "Report":
        """The file cannot be validated at all."""
        self.add(code, **values)
        self.status = "error"
        return self

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
