import pytest

import ckan.plugins.toolkit as tk


@pytest.mark.usefixtures("with_plugins")
def test_status_show_lists_portal_plugins(app):
    result = app.get("/api/3/action/status_show").json["result"]
    assert result["ckan_version"] == "2.12.0"
    assert result["locale_default"] == "ja"
    for plugin in ("nakano", "dcat", "harvest", "activity"):
        assert plugin in result["extensions"]


@pytest.mark.usefixtures("with_plugins")
def test_japanese_is_default_and_english_offered(app):
    # then 简体中文, 한국어, Tiếng Việt (tests/test_translations.py)
    assert tk.config["ckan.locales_offered"][:2] == ["ja", "en"]
    page = app.get("/dataset/")
    assert 'lang="ja"' in page.body
    assert "nakano.css" in page.body  # the portal's own stylesheet is served
    assert 'lang="en"' in app.get("/en/dataset/").body


@pytest.mark.usefixtures("with_plugins")
def test_config_options_are_declared():
    # Declared options come with their declared defaults.
    assert tk.config["ckanext.nakano.ward_code"] == "131148"
    assert "title_cjk" in tk.config["ckanext.nakano.search.query_fields"]


def test_nakano_cli_group_is_registered(cli, ckan_config):
    from ckan.cli.cli import ckan as ckan_command

    result = cli.invoke(ckan_command, ["nakano", "--help"])
    assert result.exit_code == 0, result.output
    assert "load-demo" in result.output and "validate" in result.output


@pytest.mark.ckan_config("ckanext.nakano.webassets.check_sources", False)
def test_asset_source_checks_follow_the_setting():
    from ckan.lib import webassets_tools

    from ckanext.nakano import assets_mode

    try:
        assets_mode.apply()
        assert webassets_tools.env.auto_build is False
    finally:
        webassets_tools.env.auto_build = True   # test.ini's value
