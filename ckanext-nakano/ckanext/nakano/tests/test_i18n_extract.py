"""The coded message catalogs reach the .pot: Babel's extraction with
i18n_extract.extract_coded_messages finds every English text of both YAMLs, with its code."""
from __future__ import annotations

import re

from pathlib import Path

import pytest
import yaml
from babel.messages.extract import DEFAULT_KEYWORDS, extract

from ckanext.nakano.i18n_extract import extract_coded_messages

PACKAGE = Path(__file__).resolve().parents[1]
CATALOGS = [PACKAGE / "validation" / "messages.yaml", PACKAGE / "harvest" / "messages.yaml"]
METHOD = "ckanext.nakano.i18n_extract:extract_coded_messages"


def texts(entry) -> dict[str, str]:
    """part → English text of one catalog entry ("en" for the message itself)."""
    if isinstance(entry, str):
        return {"en": entry}
    return {part: entry[part] for part in ("en", "group", "fix") if part in entry}


def only_placeholders(text: str) -> bool:
    return not re.sub(r"\{\w+\}", "", text).strip()


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parent.name)
def test_every_text_of_every_code_is_extracted_with_its_code(path):
    with path.open("rb") as stream:
        found = list(extract(METHOD, stream, DEFAULT_KEYWORDS))
    by_message: dict[str, list[list[str]]] = {}
    for lineno, message, comments, context in found:
        assert context is None and lineno > 0
        by_message.setdefault(message, []).append(comments)
    catalog = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert len(catalog) > 10
    for code, entry in catalog.items():
        for part, text in texts(entry).items():
            if only_placeholders(text):   # schema-error's "{note}": nothing to translate
                assert text not in by_message
                continue
            assert text in by_message, (code, part)
            assert any(f"code: {code}" in comments for comments in by_message[text]), (code, part)
            if part != "en":
                assert any(f"part: {part}" in comments for comments in by_message[text]), (code, part)
    if path.parent.name == "validation":   # a group text, placeholders as they are
        assert "{count} rows have another number of cells than the header (e.g. {examples})." in by_message


@pytest.mark.parametrize("mapping", [
    # In Babel's mapping file the method ends at the first colon: name the function with a dot,
    "[ckanext.nakano.i18n_extract.extract_coded_messages: **/messages.yaml]\n",
    # or give it a name in [extractors].
    "[extractors]\ncoded = ckanext.nakano.i18n_extract:extract_coded_messages\n[coded: **/messages.yaml]\n",
], ids=["dotted", "extractors"])
def test_a_mapping_file_of_pybabel_finds_both_catalogs(mapping):
    """What ``pybabel extract -F mapping.cfg`` runs finds the texts, placeholders kept."""
    import io

    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    method_map, options_map = parse_mapping_cfg(io.StringIO(mapping))
    messages = {message for _, _, message, _, _ in extract_from_dir(str(PACKAGE), method_map, options_map)}
    assert "Folder {path} does not exist." in messages            # harvest/messages.yaml
    assert "The file is too large ({size} bytes; limit {limit})." in messages   # validation/messages.yaml


def test_the_extractor_speaks_babels_protocol():
    import io

    source = io.BytesIO('a-code: "Text {x}."\nb-code:\n  en: "One."\n  fix: "Do it."\n  group_by: file\n'.encode())
    assert list(extract_coded_messages(source, DEFAULT_KEYWORDS.keys(), [], {})) == [
        (1, "_", "Text {x}.", ["code: a-code"]),
        (3, "_", "One.", ["code: b-code"]),
        (4, "_", "Do it.", ["code: b-code", "part: fix"])]
