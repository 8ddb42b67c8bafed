"""Link checking: real HTTP on loopback, the harvesters' address rules."""
from __future__ import annotations

import pytest

from ckan import model
from ckan.tests import factories, helpers

from ckanext.nakano.metrics import linkcheck
from ckanext.nakano.model import LinkCheck

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("clean_db", "clean_index")]


@pytest.fixture()
def linked(local_http, tmp_path):
    (tmp_path / "ok.csv").write_text("a\n1\n")
    org = factories.Organization()
    pkg = helpers.call_action("package_create", context={"user": factories.Sysadmin()["name"]},
                              owner_org=org["id"], title="リンク", notes="n", category="行財政",
                              license_id="cc-by",
                              resources=[{"url": f"{local_http}/ok.csv", "format": "CSV", "name": "ok"},
                                         {"url": f"{local_http}/gone.csv", "format": "CSV", "name": "gone"},
                                         {"url": "http://169.254.169.254/latest/meta-data/", "name": "meta"}])
    return {r["name"]: r["id"] for r in pkg["resources"]}


def _status() -> dict[str, tuple[str, int | None]]:
    return {row.resource_id: (row.status, row.http_status) for row in model.Session.query(LinkCheck)}


@pytest.mark.ckan_config("ckanext.nakano.fetch.allowed_hosts", "127.0.0.1")
def test_answers_and_broken_links_with_an_allowed_local_host(linked):
    counts = linkcheck.check_all()
    found = _status()
    assert found[linked["ok"]] == ("ok", 200)
    assert found[linked["gone"]] == ("broken", 404)
    assert found[linked["meta"]][0] == "refused"          # link-local: never fetched
    assert counts == {"ok": 1, "broken": 1, "refused": 1}


def test_loopback_refused_without_allow_list(linked):
    linkcheck.check_all()
    assert {status for status, _ in _status().values()} == {"refused"}
