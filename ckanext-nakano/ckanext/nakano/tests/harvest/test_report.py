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
    assert "追加 2" in result.output and "失敗 1" in result.output   # the site's language
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
    assert entry["outcome"]["code"] == "failed" and entry["outcome"]["text"] == "失敗"
    assert entry["errors"] and all(e["text"] and not e["text"].isascii() for e in entry["errors"])
    sysadmin = factories.SysadminWithToken()
    page = app.get("/harvest-report?department=kikaku", headers={"Authorization": sysadmin["token"]}).body
    assert "失敗" in page and "Finished" not in page
    # The same report in English, on /en/.
    english = app.get("/en/api/3/action/nakano_harvest_report?department=kikaku",
                      headers={"Authorization": sysadmin["token"]}).json["result"]
    entry = next(s for d in english for s in d["sources"] if s["name"] == source)
    assert entry["outcome"]["text"] == "Failed" and all(e["text"].isascii() for e in entry["errors"])


def test_a_department_without_a_source_is_explained(app, departments):
    member = factories.UserWithToken()
    factories.Organization(users=[{"name": member["name"], "capacity": "editor"}], name="no-sources")
    page = app.get("/harvest-report", headers={"Authorization": member["token"]}).body
    assert "この部には収集元がありません" in page


def test_errors_of_harvesters_are_said_in_japanese():
    from ckanext.nakano import messages
    from ckanext.nakano.harvest.report import outcome, readable_error

    dns = readable_error("Unable to get content for URL: http://x.invalid/api/3/action/package_search: "
                         "HTTPConnectionPool(host='x.invalid', port=80): Max retries exceeded (NameResolutionError)")
    assert dns["text"].startswith("収集元のサーバーに接続できませんでした") and "NameResolutionError" in dns["detail"]
    own = readable_error(messages.stored("empty-file"))   # the portal's own: stored coded
    assert own == {"code": "empty-file", "text": "ファイルが空です。", "detail": "", "item": None}
    assert readable_error(messages.stored("empty-file"), "en")["text"] == "The file is empty."
    assert readable_error("KeyError: 'x'")["text"].startswith("収集中にエラーが起きました")
    assert outcome("Finished", {}, ["x"])["code"] == "failed"
    assert outcome("Finished", {"added": 2, "errored": 1}, ["x"])["code"] == "partial"
    assert outcome("Finished", {"not modified": 3}, [])["text"] == "完了"


def test_errors_stored_in_both_languages_are_migrated_and_said_in_the_readers_language(app, ran):
    """Errors stored before as "日本語 / English" become codes (migration a4c7e9d2b618): the
    report says them in Japanese on the Japanese page and in English on /en/, once each."""
    from ckan import model
    from ckanext.harvest.model import HarvestGatherError, HarvestJob, HarvestObject, HarvestObjectError

    from ckanext.nakano.tests import migrations

    job = model.Session.get(HarvestJob, run(ran).job_id)
    obj = model.Session.query(HarvestObject).filter_by(harvest_job_id=job.id).first()
    old = {
        "gather": "フォルダ /srv/share/kikaku がありません。 / Folder /srv/share/kikaku does not exist.",
        "object": ("ファイルを公開できません：ファイルが空です。。前回公開した版がそのまま公開されています。 / "
                   "The file cannot be published: The file is empty.. The last good version stays published."),
        "foreign": "Unable to parse the manifest (KeyError: 'x') / retried",
    }
    gather = HarvestGatherError(job=job, message=old["gather"])
    foreign = HarvestGatherError(job=job, message=old["foreign"])
    error = HarvestObjectError(object=obj, stage="Fetch", message=old["object"])
    model.Session.add_all([gather, foreign, error])
    model.Session.commit()
    ids = gather.id, foreign.id, error.id

    migrations.upgrade("a4c7e9d2b618_coded_messages.py")

    model.Session.expire_all()
    stored = {"gather": model.Session.get(HarvestGatherError, ids[0]).message,
              "foreign": model.Session.get(HarvestGatherError, ids[1]).message,
              "object": model.Session.get(HarvestObjectError, ids[2]).message}
    assert stored["gather"] == '{"code": "folder-missing", "values": {"path": "/srv/share/kikaku"}}'
    assert stored["object"].startswith('{"code": "unusable"')
    assert stored["foreign"] == old["foreign"]   # no template of ours made it: kept as it is
    sysadmin = factories.SysadminWithToken()
    page = app.get("/harvest-report?department=kikaku", headers={"Authorization": sysadmin["token"]}).body
    assert "フォルダ /srv/share/kikaku がありません。" in page and "does not exist" not in page
    assert "ファイルを公開できません：ファイルが空です。" in page and "cannot be published" not in page
    english = app.get("/en/harvest-report?department=kikaku", headers={"Authorization": sysadmin["token"]}).body
    assert "Folder /srv/share/kikaku does not exist." in english and "がありません" not in english
    assert "The file cannot be published: The file is empty." in english and "公開できません" not in english


def test_harvest_admin_pages_speak_japanese(app, ran):
    sysadmin = factories.SysadminWithToken()
    page = app.get("/harvest/", headers={"Authorization": sysadmin["token"]}).body
    assert "収集元" in page and "Harvest Sources" not in page and "Add Harvest Source" not in page
    source = app.get(f"/harvest/{ran}", headers={"Authorization": sysadmin["token"]}).body
    assert "この収集元から集めたデータセットはありません" in source and ">About<" not in source


def test_the_job_page_of_ckanext_harvest_says_the_errors_in_the_readers_language(app, ran):
    job_id = run(ran).job_id
    sysadmin = factories.SysadminWithToken()
    page = app.get(f"/harvest/{ran}/job/{job_id}", headers={"Authorization": sysadmin["token"]}).body
    assert "ファイルが空です。" in page and "code&#34;" not in page and '"code"' not in page
    english = app.get(f"/en/harvest/{ran}/job/{job_id}", headers={"Authorization": sysadmin["token"]}).body
    assert "The file is empty." in english and "ファイルが空です" not in english
