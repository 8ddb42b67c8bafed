"""Parameter schema of nakano_analysis_data: which standard, grouped and measured how (the
groupings and the columns of numbers are checked against the standard's files by
analysis/across.py)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from .. import messages, vocab

__all__ = ["analysis_data_schema", "ANALYSIS_MEASURES"]

ANALYSIS_MEASURES = ("count", "sum")


def nakano_standard_dataset(value: Any) -> str:
    """One of the 自治体標準オープンデータセット, by its value (``aed``, ``public_facility`` …)."""
    if value not in vocab.standard_datasets()["by_value"]:
        raise tk.Invalid(messages.say("analysis-no-such-standard", {"standard": str(value)[:80]}))
    return value


def nakano_analysis_measure(value: Any) -> str:
    """count or sum, refused in words rather than by listing the parameter's values."""
    if value not in ANALYSIS_MEASURES:
        raise tk.Invalid(messages.say("analysis-measure"))
    return value


def analysis_data_schema() -> dict[str, Any]:
    optional = tk.get_validator("ignore_missing")
    text = [optional, tk.get_validator("unicode_safe")]
    return {"standard": [tk.get_validator("not_empty"), tk.get_validator("unicode_safe"), nakano_standard_dataset],
            "group": text,
            "measure": [tk.get_validator("default")("count"), nakano_analysis_measure],
            "value": text,
            "per_1000": [tk.get_validator("default")(False), tk.get_validator("boolean_validator")],
            "population": [optional, tk.get_validator("unicode_safe")],
            "__extras": [tk.get_validator("ignore")]}
