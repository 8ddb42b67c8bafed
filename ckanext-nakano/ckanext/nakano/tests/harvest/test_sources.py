"""`ckan nakano harvest sync`: declared sources → ckanext-harvest, idempotently."""
from __future__ import annotations

from pathlib import Path

import pytest

from ckan.tests import factories, helpers

from ckanext.nakano.harvest.sources import SourceError, load, sync

ROOT = Path(__file__).resolve().parents[5]

DECLARED = """\
sources:
  - id: tokyo-catalog-nakano
    department: kikaku
    type: ckan
    url: https://catalog.data.metro.tokyo.lg.jp/
    schedule: weekly
    config: {organizations_filter_include: [t131148]}
  - id: bunka-dcat
    department: kikaku
    type: dcat
    url: https://example.org/catalog.ttl
"""


@pytest.fixture()
def folder(tmp_path, clean_db):
    factories.Organization(name="kikaku", title="企画部")
    (tmp_path / "kikaku.yaml").write_text(DECLARED, encoding="utf-8")
    return tmp_path


def context():
    user = helpers.call_action("get_site_user")
    return {"user": user["name"], "ignore_auth": True}


def source_count() -> int:
    return len(helpers.call_action("harvest_source_list"))


def test_the_repository_declarations_load():
    declared = load(ROOT / "harvesters")
    assert {d.id for d in declared} >= {"tokyo-catalog-nakano"}


def test_sync_creates_then_changes_nothing(folder):
    first = sync(folder, context())
    assert sorted(first.created) == ["bunka-dcat", "tokyo-catalog-nakano"]
    source = helpers.call_action("harvest_source_show", id="tokyo-catalog-nakano")
    assert (source["source_type"], source["frequency"]) == ("nakano_ckan", "WEEKLY")
    second = sync(folder, context())
    assert second.created == [] and second.updated == []
    assert sorted(second.unchanged) == ["bunka-dcat", "tokyo-catalog-nakano"]
    assert source_count() == 2


def test_changed_declaration_updates_and_removed_one_is_reported_not_deleted(folder):
    sync(folder, context())
    text = DECLARED.replace("schedule: weekly", "schedule: daily")
    text = text[:text.index("  - id: bunka-dcat")]
    (folder / "kikaku.yaml").write_text(text, encoding="utf-8")
    report = sync(folder, context())
    assert report.updated == ["tokyo-catalog-nakano"]
    assert report.orphaned == ["bunka-dcat"]
    assert helpers.call_action("harvest_source_show", id="tokyo-catalog-nakano")["frequency"] == "DAILY"
    assert helpers.call_action("harvest_source_show", id="bunka-dcat")["state"] == "active"


@pytest.mark.parametrize("text,where,message", [
    ("sources:\n  - id: a\n    department: kikaku\n    type: ckan\n    url: [unclosed\n", ":5:", "YAML"),
    ("sources:\n  - id: a\n    department: kikaku\n    type: ftp\n    url: x\n", ":2:", "unsupported type ftp"),
    ("sources:\n  - id: a\n    department: kikaku\n    type: ckan\n", ":2:", "url is missing"),
    ("sources:\n  - id: a\n    department: kikaku\n    type: ckan\n    url: https://a.example/\n    colour: red\n",
     ":2:", "unknown keys"),
])
def test_bad_declarations_name_file_and_line_and_change_nothing(folder, text, where, message):
    (folder / "zz-bad.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(SourceError) as err:
        sync(folder, context())
    assert f"zz-bad.yaml{where}" in str(err.value) and message in str(err.value)
    assert source_count() == 0  # the valid file before it was not applied either


def test_unknown_department_changes_nothing(folder):
    (folder / "zz-other.yaml").write_text(
        "sources:\n  - id: b\n    department: no-such-bu\n    type: ckan\n    url: https://b.example/\n",
        encoding="utf-8")
    with pytest.raises(SourceError, match="unknown department no-such-bu"):
        sync(folder, context())
    assert source_count() == 0


def test_cli_reports_counts(folder, cli):
    from ckan.cli.cli import ckan as ckan_command

    result = cli.invoke(ckan_command, ["nakano", "harvest", "sync", str(folder)])
    assert result.exit_code == 0, result.output
    assert "created: 2, updated: 0, unchanged: 0" in result.output
