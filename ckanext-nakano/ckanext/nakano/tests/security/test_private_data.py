"""Nothing of a private dataset reaches those outside its department: activity
lists after it was made private, tags, organization members, the DataStore's
table list; no account list for anonymous visitors."""
from __future__ import annotations

import json

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.nakano import subscriptions

ANONYMOUS = {"user": "", "ignore_auth": False}


@pytest.fixture()
def made_private(clean_db):
    """A dataset created public, edited, then made private by its department's editor."""
    editor = factories.User()
    outsider = factories.User()
    org = factories.Organization(users=[{"name": editor["name"], "capacity": "editor"}])
    ctx = {"user": editor["name"]}
    pkg = helpers.call_action("package_create", context=ctx, name="soon-private", title="非公開予定の表題",
                              notes="非公開予定の説明", owner_org=org["id"], category="その他",
                              license_id="cc-by", tags=[{"name": "ひみつのタグ"}])
    helpers.call_action("package_patch", context=ctx, id=pkg["id"], notes="更新した説明")
    helpers.call_action("package_patch", context=ctx, id=pkg["id"], private=True)
    public = helpers.call_action("package_create", context=ctx, name="stays-public", title="公開データ",
                                 notes="公開", owner_org=org["id"], category="その他", license_id="cc-by",
                                 tags=[{"name": "公開タグ"}])
    return {"pkg": pkg, "public": public, "org": org, "editor": editor, "outsider": outsider}


def _reader(user):
    return {"user": user["name"], "ignore_auth": False} if user else dict(ANONYMOUS)


def test_activities_of_a_dataset_made_private_leave_public_lists(made_private):
    title = made_private["pkg"]["title"]
    with pytest.raises(tk.NotAuthorized):   # accounts are not public at all
        helpers.call_action("user_activity_list", context=dict(ANONYMOUS), id=made_private["editor"]["id"])
    for reader in (None, made_private["outsider"]):
        lists = [helpers.call_action("recently_changed_packages_activity_list", context=_reader(reader)),
                 helpers.call_action("organization_activity_list", context=_reader(reader),
                                     id=made_private["org"]["id"])]
        if reader:
            lists.append(helpers.call_action("user_activity_list", context=_reader(reader),
                                             id=made_private["editor"]["id"]))
        shown = json.dumps(lists, ensure_ascii=False)
        assert title not in shown and "更新した説明" not in shown and "ひみつのタグ" not in shown
        assert "公開データ" in shown   # the lists work; only the private dataset is gone
    # Its own department still sees its history.
    own = helpers.call_action("package_activity_list", context=_reader(made_private["editor"]),
                              id=made_private["pkg"]["id"])
    assert len(own) == 3


def test_bulk_made_private_relabels_too(made_private):
    helpers.call_action("bulk_update_private", context={"user": made_private["editor"]["name"]},
                        datasets=[made_private["public"]["id"]], org_id=made_private["org"]["id"])
    shown = json.dumps(helpers.call_action("recently_changed_packages_activity_list", context=dict(ANONYMOUS)),
                       ensure_ascii=False)
    assert "公開データ" not in shown
    assert subscriptions.relabel_activities([made_private["public"]["id"]]) == 0   # nothing left to do


def test_tags_of_private_datasets_are_not_listed(made_private):
    for reader in (None, made_private["outsider"]):
        ctx = _reader(reader)
        assert helpers.call_action("tag_list", context=dict(ctx)) == ["公開タグ"]
        assert helpers.call_action("tag_autocomplete", context=dict(ctx), query="タグ") == ["公開タグ"]
        found = helpers.call_action("tag_search", context=dict(ctx), query="タグ")
        assert found["count"] == 1 and [t["name"] for t in found["results"]] == ["公開タグ"]
        with pytest.raises(tk.ObjectNotFound):
            helpers.call_action("tag_show", context=dict(ctx), id="ひみつのタグ")
    editor = _reader(made_private["editor"])
    assert helpers.call_action("tag_list", context=editor) == ["ひみつのタグ", "公開タグ"]


def test_tag_autocomplete_url_of_the_old_api(made_private, app):
    found = app.get("/api/2/util/tag/autocomplete", query_string={"incomplete": "タグ"}).json
    assert [t["Name"] for t in found["ResultSet"]["Result"]] == ["公開タグ"]


def test_member_list_shows_outsiders_no_private_dataset_and_no_account(made_private):
    org = made_private["org"]["id"]
    for reader in (None, made_private["outsider"]):
        members = helpers.call_action("member_list", context=_reader(reader), id=org)
        ids = {m[0] for m in members}
        assert made_private["pkg"]["id"] not in ids and made_private["public"]["id"] in ids
        assert not [m for m in members if m[1] == "user"]
    own = helpers.call_action("member_list", context=_reader(made_private["editor"]), id=org)
    assert made_private["pkg"]["id"] in {m[0] for m in own}


def test_datastore_table_list_is_for_sysadmins(made_private):
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("datastore_search", context=_reader(made_private["editor"]),
                            resource_id="_table_metadata")
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("datastore_search", context=dict(ANONYMOUS), resource_id="_table_metadata")
    sysadmin = factories.Sysadmin()
    assert "records" in helpers.call_action("datastore_search", context={"user": sysadmin["name"]},
                                            resource_id="_table_metadata")


def test_accounts_are_not_listed_to_anonymous_visitors(made_private):
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("user_list", context=dict(ANONYMOUS))
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("user_show", context=dict(ANONYMOUS), id=made_private["editor"]["name"])
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("organization_show", context=dict(ANONYMOUS), id=made_private["org"]["id"],
                            include_users=True)


def test_colleagues_do_not_see_each_others_personal_fields(made_private):
    ctx = _reader(made_private["outsider"])
    for shown in [helpers.call_action("user_show", context=dict(ctx), id=made_private["editor"]["name"]),
                  *helpers.call_action("user_list", context=dict(ctx), all_fields=True)]:
        if shown["name"] != made_private["outsider"]["name"]:
            assert not {"sysadmin", "email_hash", "last_active", "email"} & set(shown), shown
    own = helpers.call_action("user_show", context=dict(ctx), id=made_private["outsider"]["name"])
    assert "last_active" in own or "sysadmin" in own

