"""frictionless's cell findings as the portal's coded messages, and swapped coordinates.

frictionless names a failure by its error type and an English note
(`constraint "maximum" is "46"`); a clerk needs the column, the value and
what to write instead. The Table Schema field says which rule failed, so the
code and its parameters come from the field, not from the note.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any

# The Table Schemas' patterns (schemas/tables/README.md) → the message that explains them.
PATTERN_CODES = {
    "^[0-9]+(-[0-9]+)*$": "cell-pattern-phone",
    "^[0-9]{6}$": "cell-pattern-code",
    "^([01][0-9]|2[0-3]):[0-5][0-9]$": "cell-pattern-time",
    "^[0-9A-Za-z]+$": "cell-pattern-id",
}
TYPE_CODES = {"number": "cell-number", "integer": "cell-integer", "date": "cell-date"}
# Other Table Schema types, for cell-type: said by the catalog's type-<name> words.
TYPE_WORDS = ("boolean", "datetime", "time", "year", "yearmonth", "duration", "geopoint", "object", "array")
COORDINATES = {"緯度": (20.0, 46.0), "経度": (122.0, 154.0)}   # Japan, as the Table Schemas bound them
CONSTRAINT = re.compile(r'constraint "(\w+)"')


def finding(error: Any, field: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
    """Message code and parameters of one frictionless error."""
    value = "" if getattr(error, "cell", None) is None else str(error.cell)
    params: dict[str, Any] = {"value": value[:80]}
    kind = getattr(error, "type", "")
    field = field or {}
    if kind == "type-error":
        ftype = field.get("type", "string")
        if ftype in TYPE_CODES:
            return TYPE_CODES[ftype], params
        if field.get("format") in ("uri", "email") and ftype == "string":
            return f"cell-{field['format']}", params
        return "cell-type", {**params, "type": {"code": f"type-{ftype}"} if ftype in TYPE_WORDS else ftype}
    if kind == "constraint-error":
        match = CONSTRAINT.search(getattr(error, "note", "") or "")
        name = match.group(1) if match else ""
        constraints = field.get("constraints") or {}
        if name == "required":
            return "cell-required", {}
        if name == "pattern":
            return PATTERN_CODES.get(constraints.get("pattern", ""), "cell-pattern"), params
        if name in ("minimum", "maximum"):
            bounds = {"minimum": constraints.get("minimum", ""), "maximum": constraints.get("maximum", "")}
            code = "cell-coordinate" if field.get("name") in COORDINATES else "cell-range"
            return code, {**params, **bounds}
        if name == "enum":
            return "cell-enum", {**params, "allowed": "、".join(str(v) for v in constraints.get("enum", []))}
        if name in ("minLength", "maxLength"):
            return "cell-length", params
        if name == "unique":
            return "cell-unique", params
    if kind in ("unique-error", "primary-key"):
        return "cell-unique", params
    # Anything else: a plain message for people; frictionless's own words stay for administrators.
    return "table-problem", {"detail": f"[{kind}] {getattr(error, 'note', '')}"[:200]}


def _number(text: str) -> float | None:
    try:
        return float(unicodedata.normalize("NFKC", text).strip())
    except ValueError:
        return None


def swapped(latitude: str, longitude: str) -> bool:
    """True when the two values fit Japan only once exchanged (緯度 holds ~139, 経度 ~35)."""
    lat, lon = _number(latitude), _number(longitude)
    if lat is None or lon is None:
        return False
    (lat_min, lat_max), (lon_min, lon_max) = COORDINATES["緯度"], COORDINATES["経度"]
    fits = lat_min <= lat <= lat_max and lon_min <= lon <= lon_max
    fits_swapped = lat_min <= lon <= lat_max and lon_min <= lat <= lon_max
    return fits_swapped and not fits
