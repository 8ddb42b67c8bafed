"""`ckan nakano harvest run|report` and the /harvest-report page."""
from __future__ import annotations

import shutil

import pytest

from ckan.cli.cli import ckan as ckan_cli
from ckan.tests import factories

from ckanext.nakano.cli import nakano

from .conftest import run

pytestmark = pytest.mark.usefixtures("with_plugins")


@pytest.fixture()
def ran(declare, share, shared_dir):
    yaizu = shared_dir / "data" / "municipal-csv" / "yaizu-222127"
    shutil.copy(yaizu / "222127_aed.csv", share / "aed.csv")
    shutil.copy(yaizu / "222127_library.csv", share / "library.csv")
    (share / "broken.csv").write_bytes(b"")
    source = declare(type="folder", url=share.as_uri(), department="kikaku")
    return source


def test_run_command_shows_progress_and_summary(cli, ran):
    result = cli.invoke(ckan_cli, ["nakano", "harvest", "run", ran])
    assert result.exit_code == 0, result.output
    assert "追加 added 2" in result.output and "失敗 failed 1" in result.output
    assert "ファイルが空です" in result.output


def test_report_command_per_department(cli, ran):
    run(ran)
    result = cli.invoke(ckan_cli, ["nakano", "harvest", "report", "--department", "kikaku"])
    assert result.exit_code == 0, result.output
    assert "企画部 (kikaku)" in result.output
    assert f"{ran}: " in result.output and "追加 2" in result.output and "失敗 1" in result.output
    assert "ファイルが空です" in result.output
    other = cli.invoke(ckan_cli, ["nakano", "harvest", "report", "--department", "kankyo"])
    assert ran not in other.output


def test_report_page_for_sysadmin_members_and_nobody_else(app, ran, departments):
    run(ran)
    sysadmin = factories.SysadminWithToken()
    page = app.get("/harvest-report", headers={"Authorization": sysadmin["token"]})
    assert page.status_code == 200
    assert "収集報告" in page.body and ran in page.body and "ファイルが空です" in page.body

    member = factories.UserWithToken()
    factories.Organization(users=[{"name": member["name"], "capacity": "editor"}], name="extra-dept")
    own = app.get("/harvest-report", headers={"Authorization": member["token"]})
    assert own.status_code == 200 and ran not in own.body
    refused = app.get("/harvest-report?department=kikaku", headers={"Authorization": member["token"]})
    assert refused.status_code == 403
    assert app.get("/harvest-report").status_code == 403


def test_a_run_that_reached_nothing_is_a_failure_said_in_japanese(app, declare, departments):
    # A catalog whose host does not exist: ckanext-harvest finishes the job
    # ("Finished", 0/0/0/0) with an English gather error.
    source = declare(type="ckan", url="http://nakano-no-such-host.invalid/", department="kikaku")
    run(source)
    from ckan.tests import helpers

    entry = next(s for d in helpers.call_action("nakano_harvest_report", department="kikaku")
                 for s in d["sources"] if s["name"] == source)
    assert entry["outcome"]["code"] == "failed" and entry["outcome"]["ja"] == "失敗"
    assert entry["errors"] and all(e["ja"] and not e["ja"].isascii() for e in entry["errors"])
    sysadmin = factories.SysadminWithToken()
    page = app.get("/harvest-report?department=kikaku", headers={"Authorization": sysadmin["token"]}).body
    assert "失敗" in page and "Finished" not in page


def test_a_department_without_a_source_is_explained(app, departments):
    member = factories.UserWithToken()
    factories.Organization(users=[{"name": member["name"], "capacity": "editor"}], name="no-sources")
    page = app.get("/harvest-report", headers={"Authorization": member["token"]}).body
    assert "この部には収集元がありません" in page


def test_errors_of_harvesters_are_said_in_japanese():
    from ckanext.nakano.harvest.report import outcome, readable_error

    dns = readable_error("Unable to get content for URL: http://x.invalid/api/3/action/package_search: "
                         "HTTPConnectionPool(host='x.invalid', port=80): Max retries exceeded (NameResolutionError)")
    assert dns["ja"].startswith("収集元のサーバーに接続できませんでした") and "NameResolutionError" in dns["detail"]
    own = readable_error("ファイルが空です。 / The file is empty.")
    assert own == {"ja": "ファイルが空です。", "en": "The file is empty.", "detail": ""}
    assert readable_error("KeyError: 'x'")["ja"].startswith("収集中にエラーが起きました")
    assert outcome("Finished", {}, ["x"])["code"] == "failed"
    assert outcome("Finished", {"added": 2, "errored": 1}, ["x"])["code"] == "partial"
    assert outcome("Finished", {"not modified": 3}, [])["ja"] == "完了"


def test_harvest_admin_pages_speak_japanese(app, ran):
    sysadmin = factories.SysadminWithToken()
    page = app.get("/harvest/", headers={"Authorization": sysadmin["token"]}).body
    assert "収集元" in page and "Harvest Sources" not in page and "Add Harvest Source" not in page
    source = app.get(f"/harvest/{ran}", headers={"Authorization": sysadmin["token"]}).body
    assert "この収集元から集めたデータセットはありません" in source and ">About<" not in source
