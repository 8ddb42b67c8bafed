"""Checks of schemas/tables: Table Schemas, header aliases and 2016 → current mappings.

Every JSON/YAML file under schemas/tables is loaded (a typo fails), every Table
Schema is validated by frictionless, every alias and mapping target must be a
column of the schema it names, and real municipal files from ../shared are
validated against the matching schema.
"""
from __future__ import annotations

import copy
import csv
import functools
import io
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import yaml
from frictionless import Resource, Schema

from ckanext.nakano.validation import headers, legacy

PROJECT = Path(__file__).resolve().parents[5]
TABLES = PROJECT / "schemas" / "tables"
LEGACY = TABLES / "legacy-2016"
SHARED = PROJECT.parent / "shared"
MUNICIPAL = SHARED / "data" / "municipal-csv"
STANDARD_DOC = SHARED / "standards" / "municipal-standard-datasets.md"

STANDARD_URL = "https://www.digital.go.jp/resources/open_data/municipal-standard-data-set-test"
CODE_PATTERN = "^[0-9]{6}$"
TIME_PATTERN = "^([01][0-9]|2[0-3]):[0-5][0-9]$"
PHONE_PATTERN = "^[0-9]+(-[0-9]+)*$"
CODE_FIELDS = ("全国地方公共団体コード", "所在地_全国地方公共団体コード")

REQUIRED_SUFFIXES = {
    "public_facility", "evacuation_space", "aed", "public_toilet", "preschool",
    "population", "hospital", "care_service", "cultural_property", "tourism", "event",
    "public_wireless_lan", "fire_hydrant", "food_business", "open_data_list",
}
SCHEMA_KEYS = {
    "title", "description", "fields", "missingValues", "nakano:suffix",
    "nakano:standardUrl", "nakano:sheet", "nakano:source", "nakano:signatures",
    "nakano:fileSuffixes",
}
FIELD_KEYS = {
    "name", "title_en", "description", "type", "format", "constraints",
    "nakano:checkDigit", "nakano:level", "nakano:required2016", "nakano:enum2016",
}
SOURCES = {"definition-sheet", "published-header", "2016-model"}
LEVELS = {"required", "recommended", "optional"}
LEGACY_KEYS = {
    "dataset", "title", "schema", "model", "signatures", "code", "combine", "columns",
    "values", "rewrites", "strip_cells", "dropped", "new_only", "ignored_model_properties",
}

# ../shared must be there (CI lays it beside the clone): a missing copy fails, never skips.
requires_shared = pytest.mark.usefixtures("shared_dir")


# Loading (strict: duplicate keys are typos too)


class _StrictLoader(yaml.SafeLoader):
    pass


def _mapping_without_duplicates(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False):
    loader.flatten_mapping(node)
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates
)


def _pairs_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    duplicates = {key for key in keys if keys.count(key) > 1}
    if duplicates:
        raise ValueError(f"duplicate keys {sorted(duplicates)}")
    return dict(pairs)


def load(path: Path) -> Any:
    """A fresh copy of a data file (parsed once per session)."""
    return copy.deepcopy(_parse(path))


@functools.cache
def _parse(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text, object_pairs_hook=_pairs_without_duplicates)
    return yaml.load(text, Loader=_StrictLoader)


DATA_FILES = sorted(
    p for p in TABLES.rglob("*") if p.suffix in (".json", ".yaml", ".yml")
)
SCHEMA_FILES = sorted(TABLES.glob("*.json"))
LEGACY_FILES = sorted(LEGACY.glob("*.yaml"))


def _id(path: Path) -> str:
    return str(path.relative_to(TABLES))


def schema(suffix: str) -> dict[str, Any]:
    return load(TABLES / f"{suffix}.json")


def field_names(suffix: str) -> list[str]:
    return [field["name"] for field in schema(suffix)["fields"]]


def aliases() -> dict[str, Any]:
    return load(TABLES / "aliases.yaml")


def normalize(text: str) -> str:
    """Header normalisation exactly as aliases.yaml declares it (the portal's own code)."""
    return headers.normalize(text)


def model_columns(legacy: dict[str, Any]) -> list[str]:
    ignored = legacy["ignored_model_properties"]
    return [c for c in _model_properties(legacy["model"]) if c not in ignored]


@functools.cache
def _model_properties(relpath: str) -> tuple[str, ...]:
    model = yaml.safe_load((SHARED / relpath).read_text(encoding="utf-8"))
    ((_, spec),) = model["components"]["schemas"].items()
    return tuple(spec["properties"])


def frictionless_schema(suffix: str, **changes: Any) -> Schema:
    # A dict, not the path: a Schema read from a path is re-exported as that
    # path, which Resource then refuses as unsafe (absolute path).
    result = Schema.from_descriptor(schema(suffix))
    for name, value in changes.items():
        setattr(result, name, value)
    return result


def validate(path: Path, suffix: str, **changes: Any):
    resource = Resource(path.name, basepath=str(path.parent), schema=frictionless_schema(suffix, **changes))
    return resource.validate()


def errors(report) -> list[tuple[Any, Any, str, str]]:
    return [tuple(e) for e in report.flatten(["rowNumber", "fieldName", "type", "note"])]


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp932")


def read_header(path: Path) -> list[str]:
    return next(csv.reader(io.StringIO(read_text(path), newline="")))


# Every file loads


def test_data_files_exist():
    assert {p.stem for p in SCHEMA_FILES} >= REQUIRED_SUFFIXES
    assert (TABLES / "aliases.yaml").is_file()
    assert (TABLES / "README.md").is_file()
    assert LEGACY_FILES


@pytest.mark.parametrize("path", DATA_FILES, ids=_id)
def test_file_loads_without_duplicate_keys(path: Path):
    data = load(path)
    assert isinstance(data, dict) and data


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=_id)
def test_json_is_pretty_printed_utf8(path: Path):
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=2) + "\n"


# Table Schemas


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=_id)
def test_table_schema_is_valid_for_frictionless(path: Path):
    descriptor = load(path)
    report = Schema.validate_descriptor(copy.deepcopy(descriptor))
    assert report.valid, [error.note for error in report.errors]
    # lossless: custom "nakano:*" and "title_en" properties survive a round trip
    assert Schema.from_descriptor(copy.deepcopy(descriptor)).to_descriptor() == descriptor


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=_id)
def test_table_schema_conventions(path: Path):
    descriptor = load(path)
    assert set(descriptor) <= SCHEMA_KEYS, set(descriptor) - SCHEMA_KEYS
    assert descriptor["nakano:suffix"] == path.stem
    assert descriptor["nakano:standardUrl"] == STANDARD_URL
    assert descriptor["nakano:source"] in SOURCES
    assert re.fullmatch(r"[0-9]{2}", descriptor["nakano:sheet"])
    assert descriptor["missingValues"] == [""]
    assert re.search(r"[ぁ-んァ-ン一-龥]", descriptor["title"])
    ja, _, en = descriptor["description"].partition(" / ")
    assert re.search(r"[一-龥]", ja) and re.search(r"[A-Za-z]{4}", en)

    fields = descriptor["fields"]
    assert fields[0]["name"] == "全国地方公共団体コード"
    keys = [normalize(f["name"]) for f in fields]
    assert len(keys) == len(set(keys)), "two columns collide after header normalisation"

    with_level = [f for f in fields if "nakano:level" in f]
    assert not with_level or len(with_level) == len(fields), "nakano:level on some fields only"
    for field in fields:
        name = field["name"]
        constraints = field.get("constraints", {})
        assert set(field) <= FIELD_KEYS, (name, set(field) - FIELD_KEYS)
        assert field["title_en"].isascii() and field["title_en"].strip()
        assert set(constraints) <= {"required", "pattern", "enum", "minimum", "maximum"}, name
        if "pattern" in constraints:
            re.compile(constraints["pattern"])
        for bound in ("minimum", "maximum"):
            if bound in constraints:
                assert isinstance(constraints[bound], (int, float)), (name, bound)
        if "enum" in constraints:
            assert constraints["enum"] and all(isinstance(v, str) and v for v in constraints["enum"])
        if with_level:
            assert field["nakano:level"] in LEVELS
            assert (field["nakano:level"] == "required") == bool(constraints.get("required")), name

        if name in CODE_FIELDS:
            assert field["type"] == "string" and constraints["pattern"] == CODE_PATTERN
            assert field["nakano:checkDigit"] == "jisx0402"
        else:
            assert "nakano:checkDigit" not in field, name
        if name == "緯度":
            assert (field["type"], constraints["minimum"], constraints["maximum"]) == ("number", 20, 46)
        if name == "経度":
            assert (field["type"], constraints["minimum"], constraints["maximum"]) == ("number", 122, 154)
        if name.endswith("有無"):
            assert constraints["enum"] == ["有", "無"], name
        if "(hh:mm)" in field["title_en"]:
            assert constraints["pattern"] == TIME_PATTERN, name
        if name.endswith(("電話番号", "内線番号", "FAX番号")):
            assert constraints["pattern"] == PHONE_PATTERN, name
        if name in ("URL", "画像", "連絡先FormURL"):
            assert field["format"] == "uri", name


def _standard_doc_section(title: str) -> str:
    text = STANDARD_DOC.read_text(encoding="utf-8")
    return text.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


@requires_shared
def test_public_toilet_is_the_full_definition_sheet():
    section = _standard_doc_section("Full definition: 公衆トイレ一覧")
    items = section.strip().splitlines()[-1].split(" · ")
    expected = []
    for number, item in enumerate(items, start=1):
        match = re.match(r"(\d+) (\S+)(?: ([◎○]))?", item)
        assert match and int(match[1]) == number, item
        expected.append((match[2], {"◎": "required", "○": "recommended", None: "optional"}[match[3]]))
    actual = [(f["name"], f["nakano:level"]) for f in schema("public_toilet")["fields"]]
    assert len(expected) == 39
    assert actual == expected


@requires_shared
@pytest.mark.parametrize(
    "suffix, title",
    [("evacuation_space", "指定緊急避難場所一覧"), ("food_business", "食品等営業許可・届出一覧"),
     ("fire_hydrant", "消防水利施設一覧")],
)
def test_published_headers(suffix: str, title: str):
    section = _standard_doc_section("Headers seen in published files")
    line = next(line for line in section.splitlines() if line.startswith(f"- {title}: "))
    header = re.sub(r"( \(.*\))?\.$", "", line.split(": ", 1)[1])
    assert field_names(suffix) == header.split(", ")
    assert schema(suffix)["nakano:source"] == "published-header"


# Aliases


def _all_2016_columns() -> dict[str, set[str]]:
    return {p.stem: set(model_columns(load(p))) for p in LEGACY_FILES}


@requires_shared
def test_alias_targets_are_columns_of_the_named_schema():
    data = aliases()
    assert set(data) == {"normalization", "global", "datasets", "english"}
    old = _all_2016_columns()
    suffixes = {p.stem for p in SCHEMA_FILES}
    assert set(data["datasets"]) <= suffixes
    for suffix, table in data["datasets"].items():
        fields = set(field_names(suffix))
        for variant, canonical in table.items():
            assert isinstance(variant, str) and isinstance(canonical, str), (suffix, variant)
            assert canonical in fields | old.get(suffix, set()), (suffix, variant, canonical)
            assert variant not in fields, f"{suffix}: alias {variant!r} shadows a column"
    every_column = set().union(*(field_names(s) for s in suffixes), *old.values())
    for variant, canonical in data["global"].items():
        assert isinstance(variant, str) and isinstance(canonical, str), variant
        assert canonical in every_column, (variant, canonical)
        assert variant != canonical
    current = set().union(*(field_names(s) for s in suffixes))
    for key, canonical in data["english"].items():
        assert key.isascii() and canonical in current, (key, canonical)


def test_normalisation_catches_the_known_variants():
    assert normalize("都道府県コ―ド又は市区町村コ―ド") == "都道府県コード又は市区町村コード"
    assert normalize("建物名等（方書）") == normalize("建物名等(方書)")
    assert normalize("男性トイレ数(小便器)") == normalize("男性トイレ数（小便器）")
    assert normalize("\ufeff名称\u3000") == "名称"
    assert normalize("0‐4歳の男性") == "0-4歳の男性"
    assert normalize("名称_英字") != normalize("名称_英語")  # a real alias, not a spelling accident


# 2016 → current mappings


def test_every_2016_model_has_a_mapping():
    assert {p.stem for p in LEGACY_FILES} == REQUIRED_SUFFIXES - {"food_business"}


@requires_shared
@pytest.mark.parametrize("path", LEGACY_FILES, ids=_id)
def test_legacy_mapping_targets_and_coverage(path: Path):
    legacy = load(path)
    assert set(legacy) <= LEGACY_KEYS, set(legacy) - LEGACY_KEYS
    assert legacy["dataset"] == path.stem
    assert legacy["schema"] == f"{path.stem}.json"
    assert legacy["title"] == schema(path.stem)["title"]
    fields = field_names(path.stem)
    old = model_columns(legacy)

    code = legacy["code"]
    assert code["to"] == "全国地方公共団体コード" and code["to"] in fields
    assert code["from"] in old
    for rule in code["rules"]:
        re.compile(rule["match"])
        assert rule["candidates"]

    columns = legacy["columns"]
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in columns.items())
    assert set(columns) <= set(old), set(columns) - set(old)
    assert set(columns.values()) <= set(fields), set(columns.values()) - set(fields)
    assert len(set(columns.values())) == len(columns), "two old columns map to one new column"
    combined = set()
    for target, spec in legacy["combine"].items():
        assert target in fields
        assert set(spec["from"]) <= set(old)
        combined |= set(spec["from"])
    dropped = set(legacy["dropped"])
    assert dropped <= set(old)
    assert not (set(columns) & combined) and not (set(columns) & dropped) and not (combined & dropped)
    # every 2016 column is accounted for
    assert set(old) == set(columns) | combined | dropped | {code["from"]}
    for target, rewrites in legacy.get("values", {}).items():
        assert target in fields and all(isinstance(v, str) for v in rewrites.values())
    for target, rules in legacy.get("rewrites", {}).items():
        assert target in set(columns.values()), target
        for rule in rules:
            re.compile(rule["match"])
            assert isinstance(rule["replace"], str)
    assert legacy["strip_cells"] is True

    filled = set(columns.values()) | set(legacy["combine"]) | {code["to"]}
    assert legacy["new_only"] == [f for f in fields if f not in filled]


# Recognising a layout from its header


@functools.cache
def _layouts() -> dict[tuple[str, str], tuple[list[list[str]], set[str]]]:
    layouts = {}
    for path in SCHEMA_FILES:
        descriptor = load(path)
        names = {normalize(f["name"]) for f in descriptor["fields"]}
        layouts[(path.stem, "current")] = (descriptor["nakano:signatures"], names)
    for path in LEGACY_FILES:
        legacy = load(path)
        layouts[(path.stem, "2016")] = (legacy["signatures"], {normalize(c) for c in model_columns(legacy)})
    return layouts


def recognise(header: list[str]) -> set[tuple[str, str]]:
    return {(r.suffix, r.layout) for r in headers.recognise(header)}


@requires_shared
def test_signatures_identify_exactly_one_layout():
    layouts = _layouts()
    for layout, (signatures, own) in layouts.items():
        assert signatures, layout
        for signature in signatures:
            key = {normalize(c) for c in signature}
            assert key <= own, (layout, key - own)
            others = [other for other, (_, cols) in layouts.items() if other != layout and key <= cols]
            assert not others, (layout, others)


@requires_shared
@pytest.mark.parametrize(
    "relpath, expected",
    [
        ("yaizu-222127/222127_aed.csv", ("aed", "2016")),
        ("yaizu-222127/222127_evacuation_space.csv", ("evacuation_space", "2016")),
        ("yaizu-222127/222127_fire_hydrant.csv", ("fire_hydrant", "current")),
        ("yaizu-222127/222127_preschool.csv", ("preschool", "2016")),
        ("yaizu-222127/222127_public_toilet.csv", ("public_toilet", "current")),
        ("yaizu-222127/222127_public_wireless_lan.csv", ("public_wireless_lan", "2016")),
        ("yaizu-222127/222127_library.csv", ("public_facility", "2016")),
        ("yaizu-222127/222127_tourism.csv", ("tourism", "2016")),
        ("oyama-092088/public_toilet.csv", ("public_toilet", "2016")),
        ("yaizu-222127/222127_kyuugosho-64302.csv", None),  # 救護所: not a standard dataset
        ("oyama-092088/park.csv", None),  # 公園一覧: not one of the 15
        ("takamatsu-372013/hospital_data.csv", None),  # English #property header
        ("takamatsu-372013/0002.csv", None),  # #LINK preamble
    ],
)
def test_real_headers_are_recognised(relpath: str, expected):
    assert recognise(read_header(MUNICIPAL / relpath)) == ({expected} if expected else set())


TOURISM_MUNICIPAL_EXTRAS = {
    "区分1", "区分2", "休業日", "最大収容人数", "バリアフリー対応", "身障者用駐車場有り",
    "車イスでの入店可能", "車イストイレあり", "多目的トイレあり", "バリアフリーその他",
    "バリアフリー詳細情報_他_備考", "HP有無", "焼津温泉", "宿泊施設_部屋数", "宿泊施設_温泉",
    "タグ1", "タグ2", "タグ3", "ふるさと納税",
}


@requires_shared
@pytest.mark.parametrize(
    "relpath, suffix, extras",
    [
        ("yaizu-222127/222127_aed.csv", "aed", set()),
        ("yaizu-222127/222127_evacuation_space.csv", "evacuation_space", set()),
        ("yaizu-222127/222127_preschool.csv", "preschool", set()),  # U+2015 in the code header
        ("yaizu-222127/222127_public_wireless_lan.csv", "public_wireless_lan", set()),
        ("yaizu-222127/222127_library.csv", "public_facility", set()),
        ("yaizu-222127/222127_tourism.csv", "tourism", TOURISM_MUNICIPAL_EXTRAS),
        ("oyama-092088/public_toilet.csv", "public_toilet", set()),
    ],
)
def test_legacy_mapping_covers_real_2016_headers(relpath: str, suffix: str, extras: set[str]):
    legacy = load(LEGACY / f"{suffix}.yaml")
    mapped = set(legacy["columns"]) | set(legacy["dropped"]) | {legacy["code"]["from"]}
    for spec in legacy["combine"].values():
        mapped |= set(spec["from"])
    by_key = {normalize(c): c for c in mapped}
    unmapped = {cell for cell in read_header(MUNICIPAL / relpath) if normalize(cell) not in by_key}
    assert unmapped == extras


def convert_2016(path: Path, suffix: str, target: Path) -> Path:
    """Apply legacy-2016/<suffix>.yaml to a real 2016 file with the portal's converter."""
    rows = list(csv.reader(io.StringIO(read_text(path), newline="")))
    result = legacy.convert(rows[0], rows[1:], suffix, target)
    assert result.unconverted_codes == [], result.unconverted_codes
    return target


@requires_shared
@pytest.mark.parametrize(
    "relpath, suffix, remaining",
    [
        ("yaizu-222127/222127_aed.csv", "aed", set()),
        ("yaizu-222127/222127_evacuation_space.csv", "evacuation_space", set()),  # ○ → 1
        ("yaizu-222127/222127_preschool.csv", "preschool", set()),  # "(054)629-4753 " → 054-629-4753
        ("yaizu-222127/222127_public_wireless_lan.csv", "public_wireless_lan", set()),
        ("yaizu-222127/222127_library.csv", "public_facility", set()),
        # 9:00 → 09:00 is repaired; contact cells holding なし, an e-mail or "054?330?8283" are not
        ("yaizu-222127/222127_tourism.csv", "tourism", {("連絡先電話番号", "constraint-error")}),
        # 設置位置 is ◎ in the current sheet 13; Oyama leaves it empty in 75 of 100 rows
        ("oyama-092088/public_toilet.csv", "public_toilet", {("設置位置", "constraint-error")}),
    ],
)
def test_converted_2016_files_fit_the_current_schema(relpath, suffix, remaining, tmp_path: Path):
    target = convert_2016(MUNICIPAL / relpath, suffix, tmp_path / f"{suffix}.csv")
    report = validate(target, suffix)
    assert report.tasks[0].stats["rows"] > 0
    assert {(field, kind) for _, field, kind, _ in errors(report)} == remaining


# Real files validated by frictionless


@requires_shared
def test_yaizu_fire_hydrant_is_valid():
    report = validate(MUNICIPAL / "yaizu-222127/222127_fire_hydrant.csv", "fire_hydrant")
    assert report.valid, errors(report)[:10]
    task = report.tasks[0]
    assert task.stats["rows"] == 193
    assert task.labels == field_names("fire_hydrant")


@requires_shared
def test_yaizu_public_toilet_only_breaks_the_altitude_vocabulary():
    report = validate(MUNICIPAL / "yaizu-222127/222127_public_toilet.csv", "public_toilet")
    found = errors(report)
    # Yaizu writes 階 where sheet 13 allows 階数/標高/地表高; everything else conforms
    assert {(field, kind) for _, field, kind, _ in found} == {("高度の種別", "constraint-error")}
    assert len(found) == 5
    assert all('"enum"' in note for *_, note in found)


@requires_shared
def test_oyama_park_swapped_coordinates_fail_the_latitude_range():
    path = MUNICIPAL / "oyama-092088/park.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with_coordinates = [row for row in rows if row["緯度"]]
    assert len(with_coordinates) > 300
    # park.csv is a 公園一覧: compare the columns it shares with 公共施設一覧 only
    report = validate(path, "public_facility", fields_match="partial")
    found = errors(report)
    latitude = [e for e in found if e[1] == "緯度"]
    assert len(latitude) == len(with_coordinates)
    assert all(kind == "constraint-error" and '"maximum"' in note for _, _, kind, note in latitude)
    assert {(field, kind) for _, field, kind, _ in found} == {
        ("緯度", "constraint-error"),
        ("経度", "constraint-error"),
    }


@requires_shared
def test_oyama_2016_toilet_file_does_not_fit_the_current_schema():
    report = validate(MUNICIPAL / "oyama-092088/public_toilet.csv", "public_toilet")
    kinds = {kind for _, _, kind, _ in errors(report)}
    assert {"incorrect-label", "missing-label"} <= kinds


# Small files: how empty cells meet enum/required/pattern


def test_constraints_on_a_small_file(tmp_path: Path):
    names = field_names("public_toilet")
    base = dict.fromkeys(names, "")
    base.update({
        "全国地方公共団体コード": "131148", "ID": "1", "名称": "中野駅北口公衆トイレ",
        "所在地_連結表記": "東京都中野区中野四丁目1-1", "設置位置": "駅前広場",
        "緯度": "35.707", "経度": "139.665", "男性トイレ総数": "3",
        "車椅子使用者用トイレ有無": "有", "利用開始時間": "06:00", "利用終了時間": "23:30",
        "画像": "https://www.city.tokyo-nakano.lg.jp/画像/トイレ.jpg",
    })
    rows = [
        base,                                              # 2: valid, Japanese text in a uri
        {**base, "緯度": "abc"},                           # 3: type error
        {**base, "車椅子使用者用トイレ有無": ""},          # 4: empty enum cell is fine
        {**base, "車椅子使用者用トイレ有無": "あり"},      # 5: enum error
        {**base, "名称": ""},                              # 6: required error
        {**base, "利用開始時間": "9:00", "利用終了時間": "24:00"},  # 7: two pattern errors
        {**base, "全国地方公共団体コード": "13114"},       # 8: pattern error (5 digits)
        {**base, "男性トイレ総数": "3.5", "画像": "トイレ.jpg"},  # 9: two type errors
    ]
    path = tmp_path / "131148_public_toilet.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=names)
        writer.writeheader()
        writer.writerows(rows)

    found = {(row, field, kind) for row, field, kind, _ in errors(validate(path, "public_toilet"))}
    assert found == {
        (3, "緯度", "type-error"),
        (5, "車椅子使用者用トイレ有無", "constraint-error"),
        (6, "名称", "constraint-error"),
        (7, "利用開始時間", "constraint-error"),
        (7, "利用終了時間", "constraint-error"),
        (8, "全国地方公共団体コード", "constraint-error"),
        (9, "男性トイレ総数", "type-error"),
        (9, "画像", "type-error"),
    }


def test_latitude_type_error_on_a_minimal_file(tmp_path: Path):
    path = tmp_path / "131148_fire_hydrant.csv"
    names = field_names("fire_hydrant")
    row = dict.fromkeys(names, "")
    row.update({"全国地方公共団体コード": "131148", "ID": "1", "種別": "消火栓", "緯度": "abc", "経度": "139.66"})
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=names)
        writer.writeheader()
        writer.writerow(row)
    found = errors(validate(path, "fire_hydrant"))
    assert [(field, kind) for _, field, kind, _ in found] == [("緯度", "type-error")]
