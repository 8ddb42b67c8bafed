"""`ckan nakano search-index rebuild`: every dataset indexed again by processes side by side,
in batches, the index answering meanwhile; orphans removed; a refused dataset named and the
command failed, the others indexed."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib.search.common import make_connection
from ckan.tests import factories, helpers

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("clean_db", "clean_index")]

CKAN = str(Path(sys.executable).with_name("ckan"))


def _dataset(org: dict, title: str, **fields) -> dict:
    return factories.Dataset(owner_org=org["id"], title=title, category="その他", license_id="cc-by", **fields)


def _rebuild(*options: str) -> subprocess.CompletedProcess[str]:
    """The command; ``--processes 2`` spawns two processes (by default a catalog this small
    is indexed by the command's own process)."""
    return subprocess.run([CKAN, "-c", tk.config["__file__"], "nakano", "search-index", "rebuild", *options],
                          capture_output=True, text=True, timeout=300, env=os.environ.copy())


def _indexed() -> dict[str, str]:
    docs = make_connection().search(q="*:*", fq=["+entity_type:package"], fl="id,title", rows=100).docs
    return {d["id"]: d.get("title") for d in docs}


@pytest.mark.parametrize("options", [("--processes", "2"), ()], ids=["two processes", "in the command"])
def test_every_dataset_is_indexed_again_and_orphans_are_removed(options):
    org = factories.Organization()
    datasets = [_dataset(org, f"データ{i}") for i in range(5)]
    private = _dataset(org, "非公開", private=True)
    deleted = _dataset(org, "削除")
    helpers.call_action("package_delete", {"user": factories.Sysadmin()["name"]}, id=deleted["id"])
    # Changed in the database behind the index's back (a restore, a job that failed half-way).
    model.Session.execute(model.package_table.update().where(model.package_table.c.id == datasets[0]["id"])
                          .values(title="再構築で反映"))
    model.Session.commit()
    make_connection().add([{"id": "ghost", "index_id": "ghost", "site_id": tk.config["ckan.site_id"],
                            "entity_type": "package", "title": "幽霊"}], commit=True)
    assert _indexed()[datasets[0]["id"]] == "データ0" and "ghost" in _indexed()

    done = _rebuild(*options)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert f"{'2' if options else '1'} processes" in done.stdout
    assert "indexed: 6, not indexed: 0" in done.stdout and "orphans removed: 1" in done.stdout
    indexed = _indexed()
    assert set(indexed) == {d["id"] for d in datasets} | {private["id"]}
    assert indexed[datasets[0]["id"]] == "再構築で反映"


def test_a_refused_dataset_is_named_and_fails_the_command_the_others_are_indexed():
    org = factories.Organization()
    datasets = [_dataset(org, f"データ{i}") for i in range(4)]
    # A title over Lucene's 32,766-byte term limit (title_string is one term), written straight
    # into the database (the portal's own form refuses it): Solr refuses the document, and the
    # batch it is in.
    model.Session.execute(model.package_table.update().where(model.package_table.c.id == datasets[1]["id"])
                          .values(title="あ" * 11000))
    model.Session.execute(model.package_table.update().where(model.package_table.c.id == datasets[2]["id"])
                          .values(title="反映される"))
    model.Session.commit()
    done = _rebuild("--processes", "2")
    assert done.returncode == 1
    assert f"not indexed: {datasets[1]['id']}" in done.stdout, done.stdout[-2000:]
    assert "some datasets were not indexed" in done.stderr
    assert _indexed()[datasets[2]["id"]] == "反映される"
