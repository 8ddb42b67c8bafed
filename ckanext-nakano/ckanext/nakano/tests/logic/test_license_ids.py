"""Licence ids a stock CKAN knows (issue 17): CC BY 4.0 is ``cc-by`` and CC0
``cc-zero``, as in CKAN's default list; the ids used before are still accepted
and a migration moves stored ones."""
from __future__ import annotations

import pytest
from flask_babel import force_locale

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.model import license as core
from ckan.tests import factories, helpers

from ckanext.nakano import vocab

from .. import migrations


@pytest.fixture()
def org(clean_db):
    return factories.Organization(name="somu", title="総務部")


def _create(org, **extra):
    user = factories.Sysadmin()
    return helpers.call_action("package_create", context={"user": user["name"]}, owner_org=org["id"],
                               title="区有施設一覧", notes="区の施設", category="その他", **extra)


def test_licences_ckan_has_use_ckans_ids_and_titles(app):
    """What a stock CKAN's own list says about the same licence: same id, open,
    and the titles (English, CKAN's Japanese) its DCAT parser matches a licence
    document by."""
    stock = {}
    with app.flask_app.test_request_context():
        for cls in core.DefaultLicense.__subclasses__():
            titles = {}
            for lang in ("en", "ja"):
                with force_locale(lang):
                    titles[lang] = str(cls().title)
            stock[cls.id] = {"title": titles, "open": cls.od_conformance == "approved"}
    ours = {entry["id"]: entry for entry in vocab.licenses()}
    assert {"cc-by", "cc-zero"} <= ours.keys() <= stock.keys() | {"PDL-1.0", "japanese-20"}
    for license_id in ours.keys() & stock.keys():
        assert stock[license_id]["open"] and ours[license_id]["od_conformance"] == "approved"
        assert ours[license_id]["ckan_title"] == stock[license_id]["title"]


@pytest.mark.parametrize("given,stored", [("CC-BY-4.0", "cc-by"), ("CC0-1.0", "cc-zero"), ("cc-by", "cc-by")])
def test_former_ids_are_accepted_and_stored_as_the_ids_now(org, given, stored):
    dataset = _create(org, license_id=given, resources=[{"url": "https://example.org/a.csv", "license": given}])
    assert dataset["license_id"] == stored and dataset["isopen"] is True
    assert dataset["resources"][0]["license"] == stored


@pytest.mark.parametrize("value", [["cc-by"], {"id": "cc-by"}])
def test_a_licence_that_is_no_text_is_refused_not_a_500(org, value):
    with pytest.raises(tk.ValidationError) as refused:
        _create(org, license_id=value, resources=[{"url": "https://example.org/a.csv", "license": value}])
    assert "license_id" in refused.value.error_dict


def test_an_unknown_licence_is_still_refused(org):
    with pytest.raises(Exception) as refused:
        _create(org, license_id="my-own-terms")
    assert "my-own-terms" in str(refused.value)


def test_the_migration_moves_stored_ids(org):
    dataset = _create(org, license_id="cc-by", resources=[{"url": "https://example.org/a.csv", "license": "cc-zero"}])
    # As data written before the rename.
    model.Session.execute(model.package_table.update().where(model.package_table.c.id == dataset["id"])
                          .values(license_id="CC-BY-4.0"))
    model.Session.execute(model.resource_table.update()
                          .where(model.resource_table.c.id == dataset["resources"][0]["id"])
                          .values(extras='{"license": "CC0-1.0"}'))
    model.Session.commit()
    migrations.upgrade("e7a2c5d8f431_ckan_license_ids.py")
    model.Session.expire_all()
    after = helpers.call_action("package_show", id=dataset["id"], use_cache=False)
    assert after["license_id"] == "cc-by" and after["isopen"] is True
    assert after["resources"][0]["license"] == "cc-zero"
    assert after["metadata_modified"] > dataset["metadata_modified"]
