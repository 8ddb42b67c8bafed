"""Resource URLs are http(s) links only (API, form, stored data), and who may
do what is set for a ward portal: departments by sysadmins only."""
from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest
import yaml

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests import factories, helpers

from .. import migrations

ROOT = Path(__file__).resolve().parents[5]
CKAN_DECLARATION = Path(tk.__file__).resolve().parents[1] / "config" / "config_declaration.yaml"

ACTIVE = ["javascript:alert(document.domain)", "JaVaScRiPt:alert(1)", "  javascript:alert(1)",
          "vbscript:msgbox(1)", "data:text/html,<script>alert(1)</script>",
          "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=", "java\tscript:alert(1)", "\x01javascript:alert(1)"]


@pytest.fixture()
def dataset(clean_db):
    editor = factories.User()
    org = factories.Organization(users=[{"name": editor["name"], "capacity": "editor"}])
    pkg = factories.Dataset(owner_org=org["id"], category="その他", license_id="cc-by", user=editor)
    return {"pkg": pkg, "editor": editor, "org": org}


def test_active_urls_are_refused_through_the_api(dataset):
    ctx = {"user": dataset["editor"]["name"]}
    for url in ACTIVE:
        with pytest.raises(tk.ValidationError) as err:
            helpers.call_action("resource_create", context=dict(ctx), package_id=dataset["pkg"]["id"], url=url)
        message = str(err.value.error_dict)
        assert "http(s)" in message or "読み方" in message, (url, message)
        assert re.search(r"[\u3041-\u30ff]", message)   # in the default language, Japanese
    with pytest.raises(tk.ValidationError):
        helpers.call_action("package_create", context=dict(ctx), name="with-bad-link", title="t", notes="n",
                            owner_org=dataset["org"]["id"], category="その他", license_id="cc-by",
                            resources=[{"url": "javascript:alert(1)"}])
    assert helpers.call_action("package_show", id=dataset["pkg"]["id"])["resources"] == []
    ok = helpers.call_action("resource_create", context=dict(ctx), package_id=dataset["pkg"]["id"],
                             url="https://www.city.tokyo-nakano.lg.jp/data.csv")
    assert ok["url"] == "https://www.city.tokyo-nakano.lg.jp/data.csv"


def test_the_form_says_why_and_keeps_what_was_typed(dataset, app):
    page = app.post(f"/dataset/{dataset['pkg']['name']}/resource/new",
                    data={"id": "", "url": "javascript:alert(1)", "name": "入力した名前", "save": "go-metadata"},
                    extra_environ={"REMOTE_USER": dataset["editor"]["name"]},
                    headers={"Authorization": helpers.call_action(
                        "api_token_create", user=dataset["editor"]["name"], name="t")["token"]})
    assert page.status_code == 200
    assert "http(s) のURLではありません" in page.body and "入力した名前" in page.body
    assert 'href="javascript:' not in page.body


def test_a_stored_active_url_is_never_a_link_and_the_migration_moves_it(dataset, app):
    resource = factories.Resource(package_id=dataset["pkg"]["id"], url="https://example.org/x.csv", format="CSV")
    # As data written before the validator existed.
    model.Session.execute(model.resource_table.update().where(model.resource_table.c.id == resource["id"])
                          .values(url="javascript:alert(document.cookie)"))
    model.Session.commit()
    page = app.get(f"/dataset/{dataset['pkg']['name']}/resource/{resource['id']}")
    assert page.status_code == 200 and 'href="javascript:' not in page.body.lower()
    migrations.upgrade("d1f3a9c6e720_link_schemes.py")
    after = helpers.call_action("resource_show", id=resource["id"])
    assert after["url"] == "" and after["url_refused"] == "javascript:alert(document.cookie)"


def _declared_auth_options() -> set[str]:
    found: set[str] = set()
    for group in yaml.safe_load(CKAN_DECLARATION.read_text(encoding="utf-8"))["groups"]:
        for option in group.get("options", []):
            if str(option.get("key", "")).startswith("ckan.auth."):
                found.add(option["key"])
    return found


def test_every_auth_option_of_ckan_is_decided_in_the_portal_settings():
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(ROOT / "config" / "portal.ini", encoding="utf-8")
    decided = {k for k in ini["app:main"] if k.startswith("ckan.auth.")}
    assert _declared_auth_options() <= decided, _declared_auth_options() - decided
    assert ini["app:main"]["ckan.auth.user_create_organizations"] == "false"
    assert ini["app:main"]["ckan.auth.public_user_details"] == "false"


def test_departments_are_made_and_removed_by_sysadmins_only(dataset):
    anyone = factories.User()
    admin = factories.User()
    helpers.call_action("organization_member_create", id=dataset["org"]["id"], username=admin["name"],
                        role="admin")
    for user, action, params in ((anyone, "organization_create", {"name": "my-own-department", "title": "x"}),
                                 (anyone, "group_create", {"name": "my-own-group", "title": "x"}),
                                 (admin, "organization_delete", {"id": dataset["org"]["id"]}),
                                 (anyone, "package_create", {"name": "no-department", "title": "t"})):
        with pytest.raises(tk.NotAuthorized):
            helpers.call_action(action, context={"user": user["name"], "ignore_auth": False}, **params)
    sysadmin = factories.Sysadmin()
    assert helpers.call_action("organization_create", context={"user": sysadmin["name"]}, name="new-department",
                               title="新しい部")["name"] == "new-department"
