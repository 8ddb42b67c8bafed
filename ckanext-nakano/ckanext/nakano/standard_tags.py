"""Tags by which Japanese aggregators (BODIK) pick up municipal standard data."""
from __future__ import annotations

from typing import Any

from . import vocab

STANDARD_TAG = "自治体標準ODS"


def with_standard_tags(data_dict: dict[str, Any]) -> dict[str, Any]:
    """Add 「自治体標準ODS」 and the dataset's own tag (e.g. 「AED設置箇所」)
    to a dataset that declares a standard dataset type. Idempotent."""
    standard = vocab.standard_datasets()["by_value"].get(data_dict.get("standard_dataset") or "")
    if not standard:
        return data_dict
    wanted = [STANDARD_TAG, standard["tag"]]
    if isinstance(data_dict.get("tag_string"), str):
        present = [t.strip() for t in data_dict["tag_string"].split(",") if t.strip()]
        data_dict["tag_string"] = ",".join(present + [t for t in wanted if t not in present])
    else:
        tags = list(data_dict.get("tags") or [])
        present = {t.get("name") for t in tags}
        data_dict["tags"] = tags + [{"name": t} for t in wanted if t not in present]
    return data_dict
