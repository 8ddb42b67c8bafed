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
