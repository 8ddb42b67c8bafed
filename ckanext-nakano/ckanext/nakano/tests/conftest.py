from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk

# Plugins of config/portal.ini that own database tables.
PLUGINS_WITH_TABLES = ("activity", "harvest", "nakano")


@pytest.fixture()
def clean_db(with_plugins, reset_db, migrate_db_for):
    """CKAN's clean_db drops every table; re-create our plugins' tables too.

    The plugins must be loaded for their migrations to be found, so this
    fixture loads the portal's plugins (``with_plugins``) first.
    """
    reset_db()
    for plugin in PLUGINS_WITH_TABLES:
        migrate_db_for(plugin)


@pytest.fixture()
def solr_url() -> str:
    """URL of the test Solr core (test.ini, or CKAN_SOLR_URL from make test)."""
    return tk.config["solr_url"].rstrip("/")
