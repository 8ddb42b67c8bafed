"""An item made from a published dataset that no item claims (台帳未登録): the dashboard's
「登録する」 and the demo register."""
from __future__ import annotations

from typing import Any

from . import schema

__all__ = ["item_fields"]


def item_fields(pkg: dict[str, Any], local_id: str | None = None) -> dict[str, Any]:
    """The register fields a dataset already says (its 管理番号 is the dataset's name unless given)."""
    contact = pkg.get("contact") if isinstance(pkg.get("contact"), list) else []
    return {"local_id": (local_id or pkg["name"])[:64], "title": pkg.get("title", ""),
            "description": pkg.get("notes", ""), "section": (contact[0] if contact else {}).get("name", ""),
            "frequency": pkg.get("frequency", ""), "frequency_note": pkg.get("frequency_note", ""),
            "category": pkg.get("category", ""), "standard_dataset": pkg.get("standard_dataset", ""),
            "source_system": pkg.get("source_system", ""), "holding_form": "file", "personal_info": "none",
            "status": schema.OPEN_DATA if not pkg.get("private") else "", "listed": "yes"}
