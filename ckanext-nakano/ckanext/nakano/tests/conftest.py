from __future__ import annotations

from pathlib import Path

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


@pytest.fixture()
def local_http(tmp_path):
    """A real HTTP server on loopback serving the files of ``tmp_path``; yields its base URL."""
    import functools
    import http.server
    import threading

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only ../shared folder (standards, real municipal files)."""
    path = Path(__file__).resolve().parents[4].parent / "shared"
    if not path.is_dir():
        pytest.fail(f"{path} is missing: tests read standards and real municipal files from it")
    return path
