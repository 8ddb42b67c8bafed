"""An item made from a published dataset that no item claims (台帳未登録): the dashboard's
「登録する」 and the demo register."""
from __future__ import annotations

import re
from typing import Any

from . import schema

__all__ = ["item_fields", "next_local_id"]

_NUMBERED = re.compile(r"^(.*?)(\d+)$")


def item_fields(pkg: dict[str, Any], local_id: str = "") -> dict[str, Any]:
    """The register fields a dataset already says (the 管理番号 is the caller's)."""
    contact = pkg.get("contact") if isinstance(pkg.get("contact"), list) else []
    return {"local_id": local_id, "title": pkg.get("title", ""),
            "description": pkg.get("notes", ""), "section": (contact[0] if contact else {}).get("name", ""),
            "frequency": pkg.get("frequency", ""), "frequency_note": pkg.get("frequency_note", ""),
            "category": pkg.get("category", ""), "standard_dataset": pkg.get("standard_dataset", ""),
            "source_system": pkg.get("source_system", ""), "holding_form": "file", "personal_info": "none",
            "status": schema.OPEN_DATA if not pkg.get("private") and pkg.get("state") == "active" else "",
            "listed": "yes"}


def next_local_id(taken: list[str]) -> str:
    """The department's next 管理番号 after its highest one (KF-009 → KF-010); "" without one."""
    numbered = [(m.group(1), m.group(2)) for m in map(_NUMBERED.match, taken) if m]
    if not numbered:
        return ""
    prefix, digits = max(numbered, key=lambda pair: (int(pair[1]), pair[0]))
    return f"{prefix}{int(digits) + 1:0{len(digits)}d}"
